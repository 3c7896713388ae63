"""`survey senses` and `survey matches` on a small corpus with a known answer, through the CLI."""

from __future__ import annotations

import csv
import io
import re

import pytest
import rispy
from hypothesis import example, given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from corpuskit import write_jsonl
from survey.cli import main
from survey.corpus.senses import Senses, Sense, contexts_of, flagged

QUERY = '''
[methods]
CNN = ["CNN", "convolutional neural network"]
LSTM = ["LSTM"]
[tasks]
summarization = ["summarization"]
[[windows]]
name = "all"
[[windows]]
name = "late"
from = 2019
'''

# Ten CNN x summarization records: four name the CNN/DailyMail dataset, three say "CNN model",
# three only "convolutional neural network".
RECORDS = (
    [{"id": f"dm{i}", "title": f"Summarization study {i}", "abstract": f"Results on the CNN/DailyMail set, run {i}.",
      "year": 2018 + i % 2, "doi": f"10.1/dm{i}"} for i in range(4)]
    + [{"id": f"m{i}", "title": f"A CNN model for summarization {i}", "abstract": "", "year": 2019} for i in range(3)]
    + [{"id": f"c{i}", "title": f"Summarization {i}", "abstract": "With a convolutional neural network.",
        "year": 2020} for i in range(3)]
    + [{"id": "x", "title": "An LSTM tagger", "abstract": "", "year": 2019}]
)


@pytest.fixture
def cli(home, tmp_path):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, ["--no-progress", *args], catch_exceptions=False)

    query = tmp_path / "q.toml"
    query.write_text(QUERY, encoding="utf-8")
    assert invoke("corpus", "import", str(write_jsonl(tmp_path / "r.jsonl", RECORDS)), "--name", "small").exit_code == 0
    invoke.query = str(query)
    return invoke


def test_senses_csv_ranks_contexts_by_records(cli):
    out = cli("senses", "-q", cli.query, "-s", "local:small", "--cell", "CNN:summarization", "--format", "csv", "-n", "3")
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.output)))
    assert rows == [["context", "count", "share"], ["cnn dailymail", "4", "0.4000"],
                    ["cnn dailymail set", "4", "0.4000"], ["on the cnn", "4", "0.4000"]]


def test_senses_table_names_the_cell_and_its_records(cli):
    out = cli("senses", "-q", cli.query, "-s", "local:small", "--cell", "CNN:summarization", "--window", "late")
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0] == "CNN:summarization in local:small: 8 matched records"
    assert "cnn model" in out.output


def test_flag_skips_stop_word_and_own_term_contexts():
    found = Senses(10, [Sense("the cnn", 5, 0.5), Sense("convolutional neural network cnn", 4, 0.4),
                        Sense("cnn dailymail", 4, 0.4), Sense("cnn model", 1, 0.1)])
    assert flagged(found, ["CNN", "convolutional neural network"]).context == "cnn dailymail"
    assert flagged(Senses(10, [Sense("cnn dailymail", 1, 0.1)]), ["CNN"]) is None


def test_contexts_are_the_words_right_before_and_after_each_match():
    text = "We use a CNN/DailyMail split."
    start = text.index("CNN")
    assert contexts_of(text, [(start, start + 3)]) == {"a cnn", "use a cnn", "cnn dailymail", "cnn dailymail split"}


@pytest.mark.parametrize("args, years", [((), range(2000, 2100)), (("--window", "late"), range(2019, 2100)),
                                         (("--year", "2019"), [2019])])
def test_matches_writes_every_record_the_count_counted_as_ris(cli, tmp_path, args, years):
    target = tmp_path / "out.ris"
    out = cli("matches", "-q", cli.query, "-s", "local:small", "--cell", "CNN:summarization", *args,
              "--format", "ris", "-o", str(target))
    assert out.exit_code == 0, out.output
    with open(target, encoding="utf-8") as f:
        entries = rispy.load(f)
    expected = {r["id"] for r in RECORDS if r["id"] != "x" and r["year"] in years}
    assert sorted(e["id"] for e in entries) == sorted(expected)
    assert out.output.strip() == f"{len(expected)} records written to {target}"
    for e in entries:
        record = next(r for r in RECORDS if r["id"] == e["id"])
        assert (e["title"], e["year"], e.get("doi"), e.get("abstract")) == (
            record["title"], str(record["year"]), record.get("doi"), record["abstract"] or None)


def test_matches_csv_has_a_header_and_one_row_a_record(cli, tmp_path):
    target = tmp_path / "out.csv"
    out = cli("matches", "-q", cli.query, "-s", "local:small", "--cell", "CNN:summarization", "--format", "csv",
              "-o", str(target))
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(open(target, encoding="utf-8")))
    assert list(rows[0]) == ["id", "title", "year", "doi", "abstract"]
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in RECORDS if r["id"] != "x")


def test_matches_csv_cells_a_spreadsheet_would_run_are_inert(home, tmp_path):
    """A title from an imported file that starts like a formula is written as text, not run."""
    query = tmp_path / "q.toml"
    query.write_text(QUERY, encoding="utf-8")
    titles = ["=HYPERLINK(\"http://x\",\"CNN summarization\")", "@SUM(1) CNN summarization", "-2+3 CNN summarization"]
    records = [{"id": f"f{i}", "title": t, "abstract": "", "year": 2019} for i, t in enumerate(titles)]
    runner = CliRunner()
    assert runner.invoke(main, ["--no-progress", "corpus", "import", str(write_jsonl(tmp_path / "f.jsonl", records)),
                                "--name", "formulas"]).exit_code == 0
    target = tmp_path / "out.csv"
    out = runner.invoke(main, ["--no-progress", "matches", "-q", str(query), "-s", "local:formulas", "--cell",
                               "CNN:summarization", "--format", "csv", "-o", str(target)])
    assert out.exit_code == 0, out.output
    written = sorted(r["title"] for r in csv.DictReader(open(target, encoding="utf-8")))
    assert written == sorted("'" + t for t in titles)


@pytest.mark.parametrize("args, message", [
    (("senses", "-s", "openalex", "--cell", "CNN:summarization"),
     "openalex: only a local corpus has its matched records at hand; local corpora: local:small"),
    (("senses", "-s", "local:small", "--cell", "GRU:summarization"),
     "no cell GRU:summarization; methods are CNN, LSTM, tasks are summarization"),
    (("matches", "-s", "local:small", "--cell", "CNN:summarization", "--window", "all", "--year", "2019", "-o", "x.ris"),
     "give --window or --year, not both"),
])
def test_refusals_are_one_line_and_exit_2(cli, args, message):
    out = cli(args[0], "-q", cli.query, *args[1:])
    assert out.exit_code == 2
    assert message in out.output and len(out.output.strip().splitlines()) == 1


def test_the_report_flags_the_cell_a_second_sense_drives_and_keeps_it_without_the_corpus(cli, tmp_path, home):
    assert cli("refresh", "-q", cli.query, "-s", "local:small").exit_code == 0
    out = tmp_path / "r" / "report.md"
    assert cli("report", "-q", cli.query, "-s", "local:small", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    section = text[re.search(r"## \d+\. Does the term mean what you think\?", text).start():]
    section = section[:section.index("\n## ", 3)]
    flags = [line for line in section.splitlines() if line.startswith("- ")]
    assert flags == ['- **CNN:summarization**: "cnn dailymail" in 4 of 10 matched records (40%); to leave them out, '
                     '`not = ["dailymail"]` for CNN.']
    # Without the corpus the kept contexts give the same line.
    (home / "corpora" / "small.sqlite").unlink()
    assert cli("report", "-q", cli.query, "-s", "local:small", "-o", str(out)).exit_code == 0
    assert flags[0] in out.read_text(encoding="utf-8")


def _contexts_by_scan(text, spans):
    """The rule of contexts_of, word by word: every word overlapping a span is part of the match."""
    words = [(m.start(), m.end(), m.group().casefold()) for m in re.finditer(r"[^\W_]+", text)]
    out = set()
    for start, end in spans:
        inside = [i for i, (a, b, _) in enumerate(words) if a < end and b > start]
        if inside:
            first, last = inside[0], inside[-1]
            match = [w for _, _, w in words[first:last + 1]]
            for size in (1, 2):
                if first - size >= 0:
                    out.add(" ".join([w for _, _, w in words[first - size:first]] + match))
                if last + size < len(words):
                    out.add(" ".join(match + [w for _, _, w in words[last + 1:last + 1 + size]]))
    return out


@given(st.text(alphabet="ab c-_.", max_size=40), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=4),
       st.integers(0, 12))
@example("aaa b bb", [(6, 8)], 5)  # the window cuts "aaa": a cut word is no word
@example("bb b aaa", [(0, 2)], 5)
@settings(max_examples=500, deadline=None)
def test_contexts_read_near_each_match_are_those_a_word_by_word_scan_of_the_whole_text_finds(text, pairs, reach):
    spans = [(min(a, b), max(a, b)) for a, b in pairs]
    assert contexts_of(text, spans, reach) == _contexts_by_scan(text, spans)
