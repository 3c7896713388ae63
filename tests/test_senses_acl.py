"""On the ACL Anthology (skipped without ../shared): an exclusion, the senses and the records of a CNN cell.

The corpus is every ACL record whose text contains "summar" (any case): every record the
summarization cells below can match, so their counts are the full corpus's.
"""

from __future__ import annotations

import gzip

import pytest
import rispy

from survey import api
from survey.corpus import Corpus, import_corpus
from survey.matrix import AllOf, any_of
from survey.query_file import parse_matrix

HELD_OUT = '''
[methods]
CNN = { any = ["CNN", "convolutional neural network"], not = ["dailymail", "daily mail"] }
CNN_as_written = ["CNN", "convolutional neural network"]
[tasks]
summarization = ["summarization", "summarisation"]
"abstractive summarization" = ["abstractive summarization"]
[[windows]]
name = "all time"
[[windows]]
name = "before 2018"
to = 2017
[[windows]]
name = "2018-2020"
from = 2018
to = 2020
[[windows]]
name = "since 2021"
from = 2021
'''


_built: dict = {}  # imported once per session, for every test that asks


@pytest.fixture
def acl_summaries(acl, tmp_path_factory):
    if "home" not in _built:
        full = acl / "papers.jsonl.gz"
        if not full.is_file():
            pytest.skip(f"{full} is absent: the full ACL Anthology dump lives in ../shared")
        folder = tmp_path_factory.mktemp("acl-summar")
        home = folder / "home"
        (home / "corpora").mkdir(parents=True)
        with gzip.open(full, "rt", encoding="utf-8") as fh:
            lines = [line for line in fh if "summar" in line.lower()]
        path = folder / "summar.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        import_corpus(path, home / "corpora" / "acl.sqlite")
        (home / "config.toml").write_text("", encoding="utf-8")
        query = folder / "held_out.toml"
        query.write_text(HELD_OUT, encoding="utf-8")
        _built["home"] = (home, query)
    return _built["home"]


def test_the_exclusion_removes_exactly_the_records_with_its_terms_in_every_window(acl_summaries):
    home, query = acl_summaries
    matrix = parse_matrix(query.read_text(encoding="utf-8"))
    with Corpus(home / "corpora" / "acl.sqlite") as corpus:
        for task, terms in matrix.tasks.items():
            excluding = matrix.cell("CNN", task).query
            plain = matrix.cell("CNN_as_written", task).query
            both = AllOf((any_of(["CNN", "convolutional neural network"]), any_of(terms),
                          any_of(["dailymail", "daily mail"])))
            removed_somewhere = False
            for w in matrix.windows:
                with_not, without, dataset = (corpus.count(q, w.start, w.end) for q in (excluding, plain, both))
                assert with_not == without - dataset, (task, w.name)
                removed_somewhere |= dataset > 0
            assert removed_somewhere, task
        # The figure the issue names: CNN in summarization since 2017, as written.
        assert corpus.count(matrix.cell("CNN_as_written", "summarization").query, 2017, None) == 148


def test_senses_put_cnn_dailymail_among_the_top_three(acl_summaries):
    home, query = acl_summaries
    found = api.senses(query, "local:acl", "CNN_as_written:summarization", home=home, config=home / "config.toml")
    top = [row.context for row in found.rows[:3]]
    assert any("dailymail" in c or "daily mail" in c for c in top), top
    print("senses top 3:", [(r.context, r.count, f"{r.share:.3f}") for r in found.rows[:3]], "of", found.records)


@pytest.mark.parametrize("window", ["all time", "2018-2020"])
def test_matches_writes_as_many_ris_records_as_the_count_and_rispy_reads_them(acl_summaries, tmp_path, window):
    home, query = acl_summaries
    out = tmp_path / "cnn.ris"
    written = api.matches(query, "local:acl", "CNN:summarization", out, fmt="ris", window=window,
                          home=home, config=home / "config.toml")
    matrix = parse_matrix(query.read_text(encoding="utf-8"))
    w = matrix.window(window)
    with Corpus(home / "corpora" / "acl.sqlite") as corpus:
        count = corpus.count(matrix.cell("CNN", "summarization").query, w.start, w.end)
    with open(out, encoding="utf-8") as f:
        entries = rispy.load(f)
    assert written == count == len(entries) > 0
    assert all(e["title"] and e["id"] for e in entries)
    print(f"matches {window}: {len(entries)} RIS records, count {count}")
