"""`survey init NAME`: a commented query file to start a survey of your own from."""

from __future__ import annotations

import re
from pathlib import Path

from survey.errors import BadInput
from survey.query_file import load_matrix

TEMPLATE = '''# {title}: which method does the literature use for which task?
# Count with: survey refresh -q {path} -s local:NAME --by-year   (see `survey sources`)
# Report:     survey report -q {path}
name = "{name}"
title = "{title}"

# Terms are stemmed where the source stems (LSTMs matches LSTM). Uncomment to match every term as
# written instead, or mark single terms exact as in [methods] below.
# stem = false

# Optional: published tables to set beside today's counts, a results file of an experiment to show,
# and the method pairs whose ratio to print. Paths are relative to this file's folder.
# reference  = "../data/reference/lstm_vs_cnn_2016.toml"
# experiment = "../data/experiments/reference.json"
# ratios     = [["Transformer", "RNN"]]

[methods]                # row label = any of these terms; a term with a space is a phrase
# An exact term is never stemmed: "transformer" alone would also count "transformation" papers.
Transformer = [{{ term = "transformer", exact = true }}, {{ term = "transformers", exact = true }}, "self-attention"]
RNN         = ["RNN", "recurrent neural network", "LSTM", "GRU"]
CNN         = ["CNN", "convolutional neural network"]

[tasks]                  # column label = any of these terms; an empty list is the method alone
"machine translation" = ["machine translation"]
summarization         = ["summarization", "summarisation"]
total                 = []

[[windows]]              # publication years, inclusive; leave out from or to for an open end
name = "since 2017"
from = 2017

[[windows]]
name = "all time"

[trend]                  # per-year counts (refresh --by-year); to defaults to this year
from = 2012
'''


def write_starter(name: str, path: Path | None = None, *, force: bool = False) -> Path:
    """Write the commented starter query file (default ``queries/NAME.toml``); returns its path."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise BadInput(f"name {name!r}: use letters, digits, '.', '_' or '-' (it names the file and the survey)")
    path = Path(path) if path else Path("queries") / f"{name}.toml"
    if path.exists() and not force:
        raise BadInput(f"{path} exists; choose another name or -o, or add --force to overwrite it")
    title = name.replace("_", " ").replace("-", " ")
    text = TEMPLATE.format(name=name, title=title[:1].upper() + title[1:], path=path.as_posix())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot write ({exc.strerror or exc})") from None
    load_matrix(path)  # the starter must itself be a valid query file
    return path
