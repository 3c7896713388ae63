"""Each defect seen on real exports (issue 10, "What was seen"), on a small sample written here.

These use only ``import_corpus`` and the corpus file, so they ran against the code before the
fix too, and all but one failed there: on the unbalanced-brace sample bibtexparser already lost
only the broken entry (the swallowing seen on a real file was not reproduced by hand).
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from types import SimpleNamespace

import pytest

from corpuskit import write_jsonl
from survey.corpus import Corpus, import_corpus
from survey.errors import CorpusFormatError


def rows(target):
    with sqlite3.connect(target) as conn:
        return sorted(conn.execute("SELECT title, year, abstract FROM records").fetchall(), key=lambda r: r[0])


def ris_record(i: int) -> str:
    return f"TY  - JOUR\nTI  - Paper {i} on transformers\nPY  - {2000 + i}\nAB  - Abstract {i}.\nER  - \n"


def test_ris_with_lone_cr_line_endings(tmp_path):
    # litstudy's example.ris: CRLF inside records, lone CR between some of them
    text = "".join(ris_record(i).replace("\n", "\r\n") + ("\r" if i % 2 else "\n") for i in range(1, 6))
    path = tmp_path / "mixed.ris"
    path.write_bytes(text.encode())
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.read, report.imported, report.skipped) == (5, 5, 0)
    assert [r[1] for r in rows(tmp_path / "c.sqlite")] == [2001, 2002, 2003, 2004, 2005]


def test_ragged_csv_rows_longer_than_the_header(tmp_path):
    path = tmp_path / "scopus.csv"
    path.write_text(
        "\ufeffAuthors,Title,Year,Abstract,DOI\n"
        'A,First paper,2019,"An abstract.",10.1/a,extra funding text\n'
        'B,Second paper,2020,[No abstract available],10.1/b,more\n'
        "C,Third paper,2021,Plain.,10.1/c\n",
        encoding="utf-8",
    )
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.imported, report.skipped) == (3, 0)
    assert rows(tmp_path / "c.sqlite") == [("First paper", 2019, "An abstract."), ("Second paper", 2020, ""),
                                           ("Third paper", 2021, "Plain.")]


def test_biblatex_date_gives_the_year(tmp_path):
    path = tmp_path / "zotero.bib"
    path.write_text(
        "@article{a, title = {Dated}, date = {2017-07-26}}\n"
        "@inproceedings{b, title = {Event dated}, eventdate = {2015-05}}\n"
        "@inproceedings{c, title = {Inherits}, crossref = {proc}}\n"
        "@proceedings{proc, title = {The proceedings}, year = 2012}\n",
        encoding="utf-8",
    )
    import_corpus(path, tmp_path / "c.sqlite")
    assert [(t, y) for t, y, _ in rows(tmp_path / "c.sqlite")] == [
        ("Dated", 2017), ("Event dated", 2015), ("Inherits", 2012), ("The proceedings", 2012)]


def test_shared_doi_of_distinct_papers_is_not_a_duplicate(tmp_path):
    path = tmp_path / "chapters.jsonl"
    records = [{"title": f"Chapter {i}: a topic", "year": 2020, "doi": "10.1007/978-3-030-00000-0"} for i in range(5)]
    records.append({"title": "chapter 0 - A TOPIC", "year": 2020, "doi": "https://doi.org/10.1007/978-3-030-00000-0"})
    write_jsonl(path, records)
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.imported, report.duplicates) == (5, 1)


@pytest.mark.parametrize("document", [
    [{"type": "article-journal", "title": "CSL one", "issued": {"date-parts": [[2019, 3]]}, "DOI": "10.1/x"},
     {"type": "book", "title": "CSL two", "issued": {"date-parts": []}}],
    {"meta": {"count": 2}, "results": [
        {"display_name": "CSL one", "publication_year": 2019, "abstract_inverted_index": {"Hi": [0]}},
        {"display_name": "CSL two", "publication_year": None}]},
])
def test_json_documents_are_read_as_documents(tmp_path, document):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert report.imported == 2
    assert [(t, y) for t, y, _ in rows(tmp_path / "c.sqlite")] == [("CSL one", 2019), ("CSL two", None)]


def test_latex_in_titles_becomes_text(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(r"@article{k, title = {Fine-tuning \emph{BERT} for ranking in M{\"u}nchen}, year = 2020}" "\n",
                    encoding="utf-8")
    import_corpus(path, tmp_path / "c.sqlite")
    assert rows(tmp_path / "c.sqlite")[0][0] == "Fine-tuning BERT for ranking in München"
    with Corpus(tmp_path / "c.sqlite") as corpus:
        from survey.matrix import cell_query

        assert corpus.count(cell_query(["BERT"], [])) == 1


@pytest.mark.parametrize("header, row, expected", [
    ("Item Title,Publication Title,Item DOI,Publication Year", "A chapter,A book,10.1/c,2022", ("A chapter", 2022, "")),
    ("id,abstract,display_name,publication_year", "W1,Some text.,An OpenAlex work,2021", ("An OpenAlex work", 2021, "Some text.")),
    ("Title,Source,Abstract", 'An Embase record,"Cancer (2004) 102:4 (253-258). Date of Publication: 25 Aug 2004",Text.',
     ("An Embase record", 2004, "Text.")),
])
def test_csv_columns_of_other_databases(tmp_path, header, row, expected):
    path = tmp_path / "export.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    import_corpus(path, tmp_path / "c.sqlite")
    assert rows(tmp_path / "c.sqlite") == [expected]


@pytest.mark.parametrize("encoding", ["utf-16", "gbk", "latin-1"])
def test_encodings(tmp_path, encoding):
    title = {"utf-16": "Über Transformer", "gbk": "基于深度学习的中文文本分类方法研究", "latin-1": "Réseaux de neurones"}[encoding]
    abstract = {"gbk": "本文提出一种基于卷积神经网络的中文文本分类方法，并在多个数据集上进行了实验。"}.get(encoding, "Une étude détaillée des réseaux.")
    path = tmp_path / "refs.bib"
    path.write_bytes(f"@article{{k, title = {{{title}}}, abstract = {{{abstract}}}, year = 2018}}\n".encode(encoding))
    import_corpus(path, tmp_path / "c.sqlite")
    assert rows(tmp_path / "c.sqlite") == [(title, 2018, abstract)]


def test_a_lone_surrogate_costs_only_its_record(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "Good", "year": 2001}\n{"title": "Bad", "abstract": "x \\ud800 y"}\n'
                    '{"title": "Also good"}\n', encoding="utf-8")
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.imported, report.skipped) == (2, 1)


def test_deeply_nested_json_costs_only_its_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "Good"}\n' + '{"a":' * 200_000 + "1" + "}" * 200_000 + '\n{"title": "Also good"}\n',
                    encoding="utf-8")
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.imported, report.skipped) == (2, 1)


def test_unbalanced_brace_costs_only_its_entry(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("@article{a, title = {First}, year = 2001}\n"
                    "@article{b, title = {Broken, year = 2002}\n"
                    "@article{c, title = {Third}, year = 2003}\n", encoding="utf-8")
    report = import_corpus(path, tmp_path / "c.sqlite")
    assert (report.imported, report.skipped) == (2, 1)
    assert [r[0] for r in rows(tmp_path / "c.sqlite")] == ["First", "Third"]


def test_leftover_temp_files_of_a_killed_import_are_removed(tmp_path):
    folder = tmp_path / "corpora"
    folder.mkdir()
    # what an import killed with -9 leaves (its process, 2**22 + 1, no longer exists)
    for name in (".acl.sqlite.4194305.1.importing", ".acl.sqlite-records.4194305.1.importing", ".acl.sqlite.tmpab12.importing"):
        (folder / name).write_bytes(b"partial")
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "A"}\n', encoding="utf-8")
    import_corpus(path, folder / "other.sqlite")
    assert sorted(p.name for p in folder.iterdir()) == ["other.sqlite"]


def test_undecodable_bytes_are_named_by_offset(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"title": "A"}\n' * 300_000 + b'{"title": "\x81\x8d\x8f\x90\x9d"}\n')
    with pytest.raises(CorpusFormatError, match=r"byte offset 4500011 .*--encoding"):
        list(__import__("survey.corpus.readers", fromlist=["x"]).read_records(path, encoding="cp1252").items)


def test_a_failed_import_leaves_no_temporary_file_and_the_old_corpus(tmp_path, monkeypatch):
    from survey.corpus import loading

    folder = tmp_path / "corpora"
    good = tmp_path / "good.jsonl"
    good.write_text('{"title": "Kept", "year": 2001}\n', encoding="utf-8")
    import_corpus(good, folder / "c.sqlite")
    big = tmp_path / "big.jsonl"
    big.write_text("".join(f'{{"title": "T{i}", "year": 2002}}\n' for i in range(40_000)), encoding="utf-8")
    # the indexing thread fails on its second batch: the failure reaches the caller as itself, and
    # the reading thread stops at its next look rather than reading to the end
    statements = []
    read = []

    class Failing:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, params=()):
            if "json_each" in sql:
                statements.append(sql)
                if len(statements) == 2:
                    raise sqlite3.OperationalError("disk I/O error")
            return self.conn.execute(sql, params)

    real_fill = loading.fill
    monkeypatch.setattr(loading, "fill", lambda conn, side, *a, **k: real_fill(conn, Failing(side), *a, **k))
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        import_corpus(big, folder / "c.sqlite", mode="replace", progress=lambda done, total: read.append(done))
    assert read[-1] < 40_000
    assert sorted(p.name for p in folder.iterdir()) == ["c.sqlite"]
    assert [r[0] for r in rows(folder / "c.sqlite")] == ["Kept"]


def test_an_indexer_that_fails_behind_a_full_queue_leaves_the_reader_free(tmp_path, monkeypatch):
    """The reader may be blocked handing over a batch when the indexer fails: the indexer takes
    every batch left until the end, or the reader's last hand-over would wait for ever."""
    from survey.corpus import loading

    full = threading.Event()

    class Watched(queue.Queue):
        def put(self, item, *args, **kwargs):
            super().put(item, *args, **kwargs)
            if self.qsize() >= self.maxsize:
                full.set()

    class Failing:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, params=()):
            if "json_each" in sql:
                full.wait(20)  # fail only once the reader has filled the queue
                raise sqlite3.OperationalError("disk I/O error")
            return self.conn.execute(sql, params)

    monkeypatch.setattr(loading, "queue", SimpleNamespace(Queue=Watched))
    real_fill = loading.fill
    monkeypatch.setattr(loading, "fill", lambda conn, side, *a, **k: real_fill(conn, Failing(side), *a, **k))
    big = tmp_path / "big.jsonl"
    big.write_text("".join(f'{{"title": "T{i}", "year": 2002}}\n' for i in range(45_000)), encoding="utf-8")
    raised = []

    def run():
        try:
            import_corpus(big, tmp_path / "c.sqlite")
        except sqlite3.OperationalError as exc:
            raised.append(str(exc))

    importing = threading.Thread(target=run, daemon=True)
    importing.start()
    importing.join(20)
    assert full.is_set() and not importing.is_alive() and raised == ["disk I/O error"]
