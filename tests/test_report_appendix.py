"""The search appendix (PRISMA-S) word for word: what is gathered per source, and the text written from it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from types import SimpleNamespace

import pytest

from survey.matrix import Window
from survey.reporting.appendix import Appendix, CorpusImport, SourceSearch, gather, render, section
from survey.reporting.kept import Kept

WINDOWS = [Window("all", None, None), Window("2010s", 2010, 2019)]
SPANS = ["all: all years", "2010s: 2010–2019"]
LOCAL = ("a local corpus imported with `survey corpus import` and searched offline with SQLite FTS5 "
         "(whole words, case and diacritics folded, Porter stemming)")


def item(source, status="ok", day="2026-01-01", year=None, corpus=""):
    cached = None if status is None else SimpleNamespace(
        status=status, fetched_at=f"{day}T10:11:12.000000Z", year=year, corpus=corpus)
    return SimpleNamespace(source=source, cached=cached)


def online(fields="title and abstract"):
    return SimpleNamespace(capabilities=SimpleNamespace(fields=fields), identity=lambda: "")


def local(identity, stats):
    corpus = None if stats is None else SimpleNamespace(stats=lambda: stats)
    return SimpleNamespace(capabilities=SimpleNamespace(fields="title and abstract"), identity=lambda: identity,
                           corpus=corpus)


def reading(sources, items, with_data=None):
    return SimpleNamespace(sources=sources, items=items, with_data=with_data or list(sources))


def test_gather_an_online_source_dates_years_and_counts_from_its_answers():
    items = [
        item("openalex", day="2026-02-10", year=2015), item("openalex", day="2026-01-05"),
        item("openalex", day="2026-01-20", year=2012), item("openalex", day="2026-01-21", year=2015),
        item("openalex", day="2026-01-22", year=2013),  # the range runs from the first year to the last
        item("openalex", "error", day="2025-12-01"), item("openalex", "unsupported", day="2026-03-01"),
        item("openalex", None), item("arxiv", day="2024-01-01", year=2001),  # not an answer; another source
    ]
    data = gather(SimpleNamespace(windows=WINDOWS), reading({"openalex": online()}, items),
                  plan_csv="r.plan.csv", manifest="r.manifest.json", query_shown="queries/q.toml")
    assert data == Appendix([SourceSearch(
        "openalex", "OpenAlex, REST API (`https://api.openalex.org/works`, `search` over title and abstract)",
        "title and abstract", SPANS, "2012–2015", "2026-01-05", "2026-02-10", 5, 2, None, None,
    )], "r.plan.csv", "r.manifest.json", "queries/q.toml")


def test_gather_a_source_only_the_cache_knows_one_year_and_its_corpus_from_the_answer():
    items = [item("mystery", day="2026-04-04", year=2020, corpus="9-zz"), item("mystery", corpus="8-yy")]
    data = gather(SimpleNamespace(windows=WINDOWS[:1]), reading({}, items, ["mystery"]),
                  plan_csv=None, manifest=None, query_shown="q.toml")
    assert data.sources == [SourceSearch("mystery", "mystery", "unknown", ["all: all years"], "2020",
                                         "2026-01-01", "2026-04-04", 2, 0, None, "9-zz")]


def test_gather_nothing_ok_no_dates_no_years():
    items = [item("dblp", "unsupported"), item("dblp", "blocked")]
    data = gather(SimpleNamespace(windows=[]), reading({"dblp": online("titles")}, items),
                  plan_csv=None, manifest=None, query_shown="q.toml")
    assert data.sources == [SourceSearch("dblp", "dblp search API (`https://dblp.org/search/publ/api`)", "titles",
                                         [], None, None, None, 0, 2, None, None)]


@pytest.mark.parametrize("name, interface", [
    ("semanticscholar",
     "Semantic Scholar Academic Graph API (`https://api.semanticscholar.org/graph/v1`, paper search)"),
    ("arxiv", "arXiv API (`https://export.arxiv.org/api/query`)"),
    ("crossref", "Crossref REST API (`https://api.crossref.org/works`, bibliographic query)"),
    ("scholar", "Google Scholar web search (`https://scholar.google.com`, through the scholarly package)"),
    ("wos", "Web of Science Starter API (Clarivate, `https://api.clarivate.com/apis/wos-starter/v1`)"),
    ("local:acl", LOCAL),
])
def test_gather_names_each_database_and_its_interface(name, interface):
    data = gather(SimpleNamespace(windows=[]), reading({}, [item(name)], [name]), plan_csv=None, manifest=None,
                  query_shown="q.toml")
    assert data.sources[0].interface == interface


def test_gather_a_local_corpus_here_its_files_with_checksums(tmp_path):
    bib = tmp_path / "in" / "acl.bib"
    bib.parent.mkdir()
    bib.write_bytes(b"@article{a, title={T}}\n")
    stats = {"sources": [str(bib), str(tmp_path / "gone.bib")], "source": "ignored.bib", "format": "bibtex",
             "imported_at": "2026-01-02T03:04:05+00:00", "read": 10, "records": 8, "duplicates": 1, "skipped": 0}
    data = gather(SimpleNamespace(windows=[]), reading({"local:acl": local("8-ab", stats)}, [item("local:acl")]),
                  plan_csv=None, manifest=None, query_shown="q.toml")
    digest = hashlib.sha256(b"@article{a, title={T}}\n").hexdigest()
    assert data.sources[0].corpus == CorpusImport([("acl.bib", digest), ("gone.bib", None)], "bibtex",
                                                  "2026-01-02T03:04:05+00:00", 10, 8, 1, 0)
    assert data.sources[0].corpus_identity == "8-ab"


def test_gather_a_local_corpus_single_file_or_none_recorded(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("x", encoding="utf-8")
    for stats, files in (({"sources": [], "source": str(one)}, [("one.csv", hashlib.sha256(b"x").hexdigest())]),
                         ({}, [])):
        data = gather(SimpleNamespace(windows=[]), reading({"local:c": local("1-a", stats)}, [item("local:c")]),
                      plan_csv=None, manifest=None, query_shown="q.toml")
        assert data.sources[0].corpus == CorpusImport(files, None, None, None, None, None, None)


def test_gather_a_local_corpus_first_import_kept_and_recalled(tmp_path):
    kept_path = tmp_path / "r.corpus.json"
    first = {"sources": [], "format": "csv", "imported_at": "2026-01-01T00:00:00+00:00", "read": 3, "records": 3,
             "duplicates": 0, "skipped": 0}
    here = reading({"local:c": local("3-aa", first)}, [item("local:c", corpus="3-aa")])
    kept = Kept(kept_path)
    data = gather(SimpleNamespace(windows=[]), here, plan_csv=None, manifest=None, query_shown="q", kept=kept)
    was = CorpusImport([], "csv", "2026-01-01T00:00:00+00:00", 3, 3, 0, 0)
    assert data.sources[0].corpus == was
    kept.save()
    # the same records imported again later: the first import stays what the appendix says
    again = reading({"local:c": local("3-aa", {**first, "imported_at": "2026-06-06T00:00:00+00:00"})},
                    [item("local:c", corpus="3-aa")])
    data = gather(SimpleNamespace(windows=[]), again, plan_csv=None, manifest=None, query_shown="q",
                  kept=Kept(kept_path))
    assert data.sources[0].corpus == was
    # the corpus is not here (identity unknown): the kept import, under the identity its answers carry
    absent = reading({"local:c": local(None, None)}, [item("local:c", corpus="3-aa")])
    data = gather(SimpleNamespace(windows=[]), absent, plan_csv=None, manifest=None, query_shown="q",
                  kept=Kept(kept_path))
    assert data.sources[0].corpus == was and data.sources[0].corpus_identity == "3-aa"
    # another corpus's answers borrow nothing
    other = reading({"local:c": local(None, None)}, [item("local:c", corpus="4-bb")])
    data = gather(SimpleNamespace(windows=[]), other, plan_csv=None, manifest=None, query_shown="q",
                  kept=Kept(kept_path))
    assert data.sources[0].corpus is None and data.sources[0].corpus_identity == "4-bb"


def test_gather_files_from_a_kept_file_are_pairs(tmp_path):
    kept_path = tmp_path / "r.corpus.json"
    kept = Kept(kept_path)
    kept.from_corpus("imports", ["local:c", "5-ee"], True,
                     lambda: asdict(CorpusImport([("a.bib", "ff00")], "bibtex", None, 1, 1, 0, 0)))
    kept.save()
    absent = reading({"local:c": local(None, None)}, [item("local:c", corpus="5-ee")])
    data = gather(SimpleNamespace(windows=[]), absent,
                  plan_csv=None, manifest=None, query_shown="q", kept=Kept(kept_path))
    assert data.sources[0].corpus.files == [("a.bib", "ff00")]  # JSON lists back to (name, digest)


def test_section_without_sources():
    assert section(Appendix()) == "No source has counts in the cache, so no search was run for this report."


INTRO = ("Every search behind this report, in the items of PRISMA-S (the PRISMA extension for reporting literature "
         "searches). The query matrix is `queries/q.toml`; each cell is (any method term) AND (any task term).")
CLOSING = ("No search filters beyond the year limits, no language limits and no peer-review filter were applied; "
           "counts are of records, not deduplicated across sources.")
HEADER = ("| source | database and interface | fields searched | year limits | date(s) searched | counts used |\n"
          "| :--- | :--- | :--- | :--- | :--- | ---: |\n")


def search(name, first=None, last=None, counts=0, not_ok=0, years=None, windows=("all: all years",), corpus=None,
           identity=None):
    return SourceSearch(name, "db", "titles", list(windows), years, first, last, counts, not_ok, corpus, identity)


def test_section_dates_limits_and_counts_per_source():
    data = Appendix([
        search("openalex", "2026-01-05", "2026-02-10", 1234, 2, "2012–2015", SPANS),
        search("arxiv", "2026-03-01", "2026-03-01", 5),
        search("dblp", not_ok=3),
        search("scholar"),
    ], "r.plan.csv", "r.manifest.json", "queries/q.toml")
    assert section(data) == "\n\n".join([
        INTRO + " The exact query sent to each source for every cell, window and year, with its count and fetch "
        "time: [r.plan.csv](r.plan.csv). Every count used, with the query file's checksum, for `survey replay`: "
        "[r.manifest.json](r.manifest.json).",
        HEADER
        + "| `openalex` | db | titles | all: all years; 2010s: 2010–2019; per year 2012–2015 | 2026-01-05 to "
          "2026-02-10 | 1,234 (2 without a count) |\n"
        "| `arxiv` | db | titles | all: all years | 2026-03-01 | 5 |\n"
        "| `dblp` | db | titles | all: all years | none sent (no cell could be expressed) | 0 (3 without a count) |\n"
        "| `scholar` | db | titles | all: all years | not fetched | 0 |",
        CLOSING,
    ])


def test_section_local_corpora_imported_here_kept_or_absent():
    full = CorpusImport([("acl.bib", "ab12"), ("old.bib", None)], "bibtex", "2026-01-02T03:04:05+00:00",
                        12345, 12000, 300, 0)
    bare = CorpusImport([], None, None, None, None, None, None)
    data = Appendix([
        search("local:acl", "2026-01-05", "2026-01-05", 7, corpus=full, identity="12000-ab12"),
        search("local:bare", "2026-01-05", "2026-01-05", 1, corpus=bare),
        search("local:lib", "2026-01-05", "2026-01-05", 1, identity="7-cd"),
        search("local:gone", "2026-01-05", "2026-01-05", 1),
    ], None, None, "queries/q.toml")
    merged = "merged (same DOI, else the same normalised title and year)"
    assert section(data).split("\n\n") == [
        INTRO,
        HEADER + "\n".join(f"| `local:{n}` | db | titles | all: all years | 2026-01-05 | {c} |"
                           for n, c in (("acl", 7), ("bare", 1), ("lib", 1), ("gone", 1))),
        "`local:acl` was imported from `acl.bib` (SHA-256 `ab12`); `old.bib` (no longer where it was imported "
        "from, so no checksum), format bibtex, imported 2026-01-02: 12,345 records read, 300 duplicates "
        f"{merged}, 0 skipped as unusable, 12,000 records searched; corpus identity `12000-ab12`.",
        "`local:bare` was imported from files not recorded, format unknown, imported unknown: unknown records "
        f"read, unknown duplicates {merged}, unknown skipped as unusable, unknown records searched.",
        "`local:lib`: the corpus is not on this machine; its counts come from the cache (corpus identity `7-cd`).",
        "`local:gone`: the corpus is not on this machine; its counts come from the cache.",
        CLOSING,
    ]


def test_render_links_the_plan_and_manifest_beside_the_report(tmp_path):
    out = tmp_path / "reports" / "r.md"
    ctx = SimpleNamespace(out_path=out, stem="r", plan_csv=out.with_name("r.plan.csv"),
                          matrix=SimpleNamespace(windows=WINDOWS[:1]), query_shown="queries/q.toml",
                          reading=reading({"arxiv": online("titles")}, [item("arxiv", day="2026-03-01")]),
                          kept=Kept(tmp_path / "r.corpus.json"))
    row = "| `arxiv` | arXiv API (`https://export.arxiv.org/api/query`) | titles | all: all years | 2026-03-01 | 1 |"
    text = render(ctx)
    assert text == "\n\n".join([
        INTRO + " The exact query sent to each source for every cell, window and year, with its count and fetch "
        "time: [r.plan.csv](r.plan.csv). Every count used, with the query file's checksum, for `survey replay`: "
        "[r.manifest.json](r.manifest.json).", HEADER + row, CLOSING])
    ctx.plan_csv = None
    assert render(ctx).split("\n\n")[0] == (
        INTRO + " Every count used, with the query file's checksum, for `survey replay`: "
        "[r.manifest.json](r.manifest.json).")


def test_section_import_paragraphs_only_for_local_sources_in_any_order():
    bare = CorpusImport([("a.csv", None)], "csv", "2026-01-01", 1, 1, 0, 0)
    data = Appendix([search("openalex", "2026-01-05", "2026-01-05", 1, corpus=bare),
                     search("local:a", "2026-01-05", "2026-01-05", 1, corpus=bare)], None, None, "queries/q.toml")
    assert section(data).split("\n\n")[2:] == [
        "`local:a` was imported from `a.csv` (no longer where it was imported from, so no checksum), format csv, "
        "imported 2026-01-01: 1 records read, 0 duplicates merged (same DOI, else the same normalised title and "
        "year), 0 skipped as unusable, 1 records searched.",
        CLOSING,
    ]


def test_render_recalls_a_corpus_import_the_last_report_kept(tmp_path):
    out = tmp_path / "reports" / "r.md"
    out.parent.mkdir()
    kept = Kept(out.with_name("r.corpus.json"))
    kept.from_corpus("imports", ["local:c", "3-aa"], True,
                     lambda: asdict(CorpusImport([("a.bib", "ff00")], "bibtex", "2026-01-01T00:00:00.000000Z", 3, 3,
                                                 0, 0)))
    kept.save()
    ctx = SimpleNamespace(out_path=out, stem="r", plan_csv=None, matrix=SimpleNamespace(windows=WINDOWS[:1]),
                          query_shown="q.toml", kept=Kept(out.with_name("r.corpus.json")),
                          reading=reading({"local:c": local(None, None)}, [item("local:c", corpus="3-aa")]))
    assert render(ctx).split("\n\n")[2] == (
        "`local:c` was imported from `a.bib` (SHA-256 `ff00`), format bibtex, imported 2026-01-01: 3 records read, "
        "0 duplicates merged (same DOI, else the same normalised title and year), 0 skipped as unusable, 3 records "
        "searched; corpus identity `3-aa`.")
