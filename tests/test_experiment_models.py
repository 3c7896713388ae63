"""Model shapes, parameter matching, and that padding never changes an output."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from survey.experiment import models as M  # noqa: E402

VOCAB, EMBED, CLASSES = 50, 16, 3


def token_batch(seqs: list[list[int]], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.zeros(len(seqs), width, dtype=torch.long)
    for i, s in enumerate(seqs):
        x[i, :len(s)] = torch.tensor(s)
    return x, torch.tensor([len(s) for s in seqs])


def make(kind: str, **kw):
    torch.manual_seed(0)
    if kind == "cnn":
        model = M.CNNClassifier(CLASSES, VOCAB, EMBED, **kw)
    elif kind == "lstm":
        model = M.LSTMClassifier(CLASSES, 24, VOCAB, EMBED, **kw)
    else:
        model = M.TCNClassifier(CLASSES, 40, VOCAB, EMBED, channels=8, **kw)
    return model.eval()


SEQS = [[5], [7, 8], [3, 4, 9, 11, 2, 6, 7], [10, 20, 30, 40], list(range(2, 14))]


@pytest.mark.parametrize("kind", ["cnn", "lstm", "tcn"])
def test_padding_never_changes_output(kind):
    model = make(kind)
    with torch.no_grad():
        alone = torch.cat([model(*token_batch([s], len(s))) for s in SEQS])
        batched = model(*token_batch(SEQS, 12))
        extra = model(*token_batch(SEQS, 30))
    assert batched.shape == (len(SEQS), CLASSES)
    torch.testing.assert_close(batched, alone, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(extra, alone, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["cnn", "lstm"])
def test_feature_input_padding_is_ignored(kind):
    torch.manual_seed(0)
    model = (M.CNNClassifier(4, feature_dim=8) if kind == "cnn" else M.LSTMClassifier(4, 10, feature_dim=8)).eval()
    x = torch.rand(3, 8, 8)
    lengths = torch.tensor([8, 5, 2])
    padded = torch.cat([x, torch.rand(3, 4, 8)], dim=1)  # garbage, not zeros, past each end
    for i, n in enumerate(lengths.tolist()):
        padded[i, n:] = torch.rand_like(padded[i, n:]) + 1.0
    with torch.no_grad():
        alone = torch.cat([model(x[i:i + 1, :n], torch.tensor([n])) for i, n in enumerate(lengths.tolist())])
        out = model(padded, lengths)
    torch.testing.assert_close(out, alone, rtol=1e-5, atol=1e-5)


def test_cnn_is_kim_shaped():
    model = make("cnn")
    assert [c.kernel_size[0] for c in model.convs] == [3, 4, 5]
    assert all(c.out_channels == 100 for c in model.convs)
    assert model.dropout.p == 0.5
    assert model.out.in_features == 300


def test_cnn_handles_text_shorter_than_widest_filter():
    model = make("cnn")
    with torch.no_grad():
        out = model(*token_batch([[4]], 1))
    assert torch.isfinite(out).all()


def test_param_formulas_match_torch():
    for dim, classes in ((16, 2), (8, 10), (64, 3)):
        cnn = M.CNNClassifier(classes, feature_dim=dim)
        assert cnn.n_params() == M.cnn_params(dim, classes)
        hidden = M.matched_hidden(dim, classes, M.cnn_params(dim, classes))
        lstm = M.LSTMClassifier(classes, hidden, feature_dim=dim)
        assert lstm.n_params() == M.lstm_params(dim, hidden, classes)
        # comparable: within one hidden unit's worth of parameters of the CNN
        step = M.lstm_params(dim, hidden + 1, classes) - M.lstm_params(dim, hidden, classes)
        assert abs(lstm.n_params() - cnn.n_params()) <= step


def test_embedding_params_counted_apart():
    model = make("lstm")
    assert model.embedding_params() == VOCAB * EMBED
    assert model.n_params() - model.embedding_params() == M.lstm_params(EMBED, 24, CLASSES)


def test_tcn_receptive_field_covers_sequence_minimally():
    for seq_len in (8, 40, 100, 300):
        levels = M.tcn_levels(seq_len, kernel=3)
        assert M.tcn_receptive_field(3, levels) >= seq_len
        assert levels == 1 or M.tcn_receptive_field(3, levels - 1) < seq_len


def test_tcn_last_step_sees_first_token_and_is_causal():
    torch.manual_seed(0)
    model = M.TCNClassifier(2, 100, feature_dim=4, channels=8).eval()
    x = torch.rand(1, 100, 4, requires_grad=True)
    model(x, torch.tensor([100]))[0, 0].backward()
    assert x.grad[0, 0].abs().sum() > 0  # the receptive field reaches the first step
    x2 = torch.rand(1, 100, 4, requires_grad=True)
    model(x2, torch.tensor([60]))[0, 0].backward()
    assert x2.grad[0, 60:].abs().sum() == 0  # nothing after the end leaks in


def test_tcn_trains_without_dropout_by_default():
    model = make("tcn").train()
    x, lengths = token_batch(SEQS, 12)
    with torch.no_grad():
        torch.testing.assert_close(model(x, lengths), model(x, lengths))
    assert not any(isinstance(m, torch.nn.Dropout) for m in model.modules())
