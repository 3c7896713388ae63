"""The three sequence classifiers compared: Kim's CNN, an LSTM, and a TCN.

All take a batch ``x`` (int64 token ids [B, T], right-padded with id 0, or float32
features [B, T, F] padded with zero vectors) and ``lengths`` [B], and return logits
[B, n_classes]. Padding never changes an output: the CNN masks pooled positions that
only see padding, the LSTM packs the batch (or runs unpacked when nothing is padded),
and the TCN reads the step at each sequence's true end (causal, so later padding cannot
reach it).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm
from torch.nn.utils.rnn import pack_padded_sequence

KIM_WIDTHS = (3, 4, 5)  # Kim (2014): filter widths, each with KIM_MAPS feature maps
KIM_MAPS = 100


def padded(lengths: torch.Tensor, steps: int) -> bool:
    """Whether any row of a batch of ``steps`` steps is shorter than the batch.

    Length-bucketed batches mostly hold one length; the models skip their padding
    handling for those, which would only cost time.
    """
    return not bool((lengths == steps).all())


class Inputs(nn.Module):
    """Token ids through an embedding (row 0 fixed at zero), or features passed through."""

    def __init__(self, vocab_size: int | None, embed_dim: int | None, feature_dim: int | None):
        super().__init__()
        if vocab_size is not None:
            self.embedding: nn.Embedding | None = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
            self.dim = embed_dim
        else:
            self.embedding = None
            self.dim = feature_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embedding(x) if self.embedding is not None else x


class Classifier(nn.Module):
    def embedding_params(self) -> int:
        emb = self.inputs.embedding
        return 0 if emb is None else sum(p.numel() for p in emb.parameters())

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


class CNNClassifier(Classifier):
    """Kim (2014): filter widths 3, 4, 5 with 100 maps each, ReLU, max over time, dropout.

    The convolution is wide (each side padded with width-1 zero vectors, as Kim's code
    does), so sentences shorter than a filter still produce windows. Right padding of the
    batch adds more zero vectors, which Kim's padding makes indistinguishable from his
    own; windows that lie entirely past the true end are masked out before the max, so the
    pooled features are the same however much padding a batch carries.
    """

    def __init__(self, n_classes: int, vocab_size: int | None = None, embed_dim: int | None = None,
                 feature_dim: int | None = None, widths=KIM_WIDTHS, maps: int = KIM_MAPS,
                 dropout: float = 0.5):
        super().__init__()
        self.inputs = Inputs(vocab_size, embed_dim, feature_dim)
        self.widths = tuple(widths)
        self.convs = nn.ModuleList(nn.Conv1d(self.inputs.dim, maps, w, padding=w - 1) for w in self.widths)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(maps * len(self.widths), n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h = self.inputs(x).transpose(1, 2)  # [B, D, T]
        mask = padded(lengths, h.shape[2])
        if mask and self.inputs.embedding is None:
            # feature padding must be zero vectors, as id 0 embeds to for tokens
            steps = torch.arange(h.shape[2], device=h.device)
            h = h * (steps[None, :] < lengths[:, None]).unsqueeze(1).to(h.dtype)
        pooled = []
        for w, conv in zip(self.widths, self.convs):
            c = torch.relu(conv(h))  # [B, maps, T + w - 1]; position j sees inputs j-w+1..j
            if mask:
                valid = torch.arange(c.shape[2], device=c.device)[None, :] < (lengths[:, None] + w - 1)
                c = c.masked_fill(~valid.unsqueeze(1), float("-inf"))
            pooled.append(c.max(dim=2).values)
        return self.out(self.dropout(torch.cat(pooled, dim=1)))


class LSTMClassifier(Classifier):
    """One LSTM layer; the last hidden state (at each sequence's true end) feeds a linear layer."""

    def __init__(self, n_classes: int, hidden: int, vocab_size: int | None = None,
                 embed_dim: int | None = None, feature_dim: int | None = None,
                 dropout: float = 0.5):
        super().__init__()
        self.inputs = Inputs(vocab_size, embed_dim, feature_dim)
        self.lstm = nn.LSTM(self.inputs.dim, hidden, batch_first=True)
        with torch.no_grad():
            # forget-gate bias 1 (Jozefowicz et al. 2015): the cell starts out remembering, which
            # shortens the at-chance plateau on long lags; PyTorch orders gates i, f, g, o
            self.lstm.bias_ih_l0[hidden:2 * hidden].fill_(1.0)
            self.lstm.bias_hh_l0[hidden:2 * hidden].fill_(0.0)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h = self.inputs(x)
        if padded(lengths, h.shape[1]):
            packed = pack_padded_sequence(h, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, (hn, _) = self.lstm(packed)
        else:
            _, (hn, _) = self.lstm(h)
        return self.out(self.dropout(hn[-1]))


def lstm_params(input_dim: int, hidden: int, n_classes: int) -> int:
    """Non-embedding parameters of LSTMClassifier (PyTorch keeps two bias vectors)."""
    return 4 * hidden * (input_dim + hidden + 2) + hidden * n_classes + n_classes


def cnn_params(input_dim: int, n_classes: int, widths=KIM_WIDTHS, maps: int = KIM_MAPS) -> int:
    return sum(input_dim * maps * w + maps for w in widths) + maps * len(widths) * n_classes + n_classes


def matched_hidden(input_dim: int, n_classes: int, target: int) -> int:
    """The LSTM width whose non-embedding parameter count is closest to ``target``."""
    return min(range(1, 2048), key=lambda h: abs(lstm_params(input_dim, h, n_classes) - target))


class Chomp(nn.Module):
    """Drops the trailing steps a symmetric pad added, which makes the convolution causal."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :-self.size] if self.size else x


class TemporalBlock(nn.Module):
    """Bai et al. (2018): two weight-normalised dilated causal convolutions and a residual."""

    def __init__(self, n_in: int, n_out: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        pad = (kernel - 1) * dilation
        layers = []
        for n in (n_in, n_out):
            layers += [weight_norm(nn.Conv1d(n, n_out, kernel, padding=pad, dilation=dilation)), Chomp(pad),
                       nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
        self.net = nn.Sequential(*layers)
        self.down = nn.Conv1d(n_in, n_out, 1) if n_in != n_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.net(x) + self.down(x))


def tcn_receptive_field(kernel: int, levels: int) -> int:
    # each level has two convolutions of dilation 2**i, each adding (kernel-1)*2**i steps
    return 1 + 2 * (kernel - 1) * (2 ** levels - 1)


def tcn_levels(seq_len: int, kernel: int) -> int:
    """The fewest levels whose receptive field covers ``seq_len`` steps."""
    levels = 1
    while tcn_receptive_field(kernel, levels) < seq_len:
        levels += 1
    return levels


class TCNClassifier(Classifier):
    """A dilated causal TCN read at each sequence's last true step.

    No dropout by default, as in Bai et al.'s own copy-memory runs: the long-lag task is
    noise-free, and on a CPU the dropout masks' random draws took a fifth of a training step.
    """

    def __init__(self, n_classes: int, seq_len: int, vocab_size: int | None = None,
                 embed_dim: int | None = None, feature_dim: int | None = None,
                 channels: int = 32, kernel: int = 3, dropout: float = 0.0):
        super().__init__()
        self.inputs = Inputs(vocab_size, embed_dim, feature_dim)
        blocks, n_in = [], self.inputs.dim
        for i in range(tcn_levels(seq_len, kernel)):
            blocks.append(TemporalBlock(n_in, channels, kernel, 2 ** i, dropout))
            n_in = channels
        self.blocks = nn.Sequential(*blocks)
        self.out = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.inputs(x).transpose(1, 2))  # [B, C, T]
        last = (lengths - 1).clamp(min=0).to(h.device)
        return self.out(h[torch.arange(h.shape[0], device=h.device), :, last])
