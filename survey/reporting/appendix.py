"""Report section: the search appendix, in the terms of PRISMA-S (Rethlefsen et al. 2021).

Per source: the database and its interface, the exact queries (in the plan CSV, one per cell,
window and year), the fields searched, the year limits, the dates searched, the counts used,
and for a local corpus the import file with its checksum, the records read and imported, and
the deduplication. ``gather`` collects that as plain data; ``section`` writes it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from survey.reporting.text import year_span
from survey.table_text import markdown_rows

INTERFACES = {
    "openalex": "OpenAlex, REST API (`https://api.openalex.org/works`, `search` over title and abstract)",
    "semanticscholar": "Semantic Scholar Academic Graph API (`https://api.semanticscholar.org/graph/v1`, paper search)",
    "arxiv": "arXiv API (`https://export.arxiv.org/api/query`)",
    "crossref": "Crossref REST API (`https://api.crossref.org/works`, bibliographic query)",
    "dblp": "dblp search API (`https://dblp.org/search/publ/api`)",
    "scholar": "Google Scholar web search (`https://scholar.google.com`, through the scholarly package)",
    "wos": "Web of Science Starter API (Clarivate, `https://api.clarivate.com/apis/wos-starter/v1`)",
}
LOCAL = ("a local corpus imported with `survey corpus import` and searched offline with SQLite FTS5 "
         "(whole words, case and diacritics folded, Porter stemming)")


@dataclass
class CorpusImport:
    # Each import file's name (its folder is this machine's business) and the SHA-256 of the file
    # as it is on disk now (None: no longer where it was imported from).
    files: list[tuple[str, str | None]]
    format: str | None
    imported_at: str | None
    read: int | None
    imported: int | None
    duplicates: int | None
    skipped: int | None


@dataclass
class SourceSearch:
    source: str
    interface: str
    fields: str
    windows: list[str]
    years: str | None  # per-year counts' range
    first: str | None  # first and last fetch of the counts used
    last: str | None
    counts: int  # ok observations used
    not_ok: int  # failed, blocked or unsupported cells among the latest
    corpus: CorpusImport | None = None
    corpus_identity: str | None = None


@dataclass
class Appendix:
    sources: list[SourceSearch] = field(default_factory=list)
    plan_csv: str | None = None  # relative link
    manifest: str | None = None  # relative link
    query_shown: str = ""


def _corpus(src) -> CorpusImport | None:
    from survey.reporting.manifest import sha256

    corpus = getattr(src, "corpus", None)
    if corpus is None:
        return None
    stats = corpus.stats()
    paths = [Path(p) for p in stats.get("sources") or ([stats["source"]] if stats.get("source") else [])]
    return CorpusImport([(p.name, sha256(p)) for p in paths], stats.get("format"), stats.get("imported_at"),
                        stats.get("read"), stats.get("records"), stats.get("duplicates"), stats.get("skipped"))


def gather(matrix, reading, *, plan_csv: str | None, manifest: str | None, query_shown: str, kept=None) -> Appendix:
    out = Appendix(plan_csv=plan_csv, manifest=manifest, query_shown=query_shown)
    for name in reading.with_data:
        src = reading.sources.get(name)
        used = [i.cached for i in reading.items if i.source == name and i.cached is not None]
        ok = [o for o in used if o.status == "ok"]
        times = sorted(o.fetched_at for o in ok)
        years = sorted({o.year for o in ok if o.year is not None})
        interface = LOCAL if name.startswith("local:") else INTERFACES.get(name, name)
        fields = src.capabilities.fields if src is not None else "unknown"
        windows = [f"{w.name}: {w.span}" for w in matrix.windows]
        identity = src.identity() if src is not None else None
        corpus_identity = identity or (ok[0].corpus if ok and ok[0].corpus else None)
        corpus = _corpus(src)  # only a local source has a corpus
        if name.startswith("local:") and kept is not None:
            # what the corpus says where it is here, else what the last report kept from it
            found = kept.from_corpus("imports", [name, corpus_identity or ""], corpus is not None,
                                     lambda: asdict(corpus), stable=True)
            if found is not None:
                corpus = CorpusImport(**{**found, "files": [tuple(f) for f in found["files"]]})
        out.sources.append(SourceSearch(
            name, interface, fields, windows, year_span(years[0], years[-1]) if years else None,
            times[0][:10] if times else None, times[-1][:10] if times else None, len(ok), len(used) - len(ok),
            corpus, corpus_identity))
    return out


def _n(x) -> str:
    return "unknown" if x is None else f"{x:,}"


def section(data: Appendix) -> str:
    if not data.sources:
        return "No source has counts in the cache, so no search was run for this report."
    out = [
        "Every search behind this report, in the items of PRISMA-S (the PRISMA extension for reporting literature "
        f"searches). The query matrix is `{data.query_shown}`; each cell is (any method term) AND (any task term)."
        + (f" The exact query sent to each source for every cell, window and year, with its count and fetch time: "
           f"[{data.plan_csv}]({data.plan_csv})." if data.plan_csv else "")
        + (f" Every count used, with the query file's checksum, for `survey replay`: "
           f"[{data.manifest}]({data.manifest})." if data.manifest else ""),
    ]
    body = []
    for s in data.sources:
        dates = ("none sent (no cell could be expressed)" if s.first is None and s.not_ok else "not fetched"
                 if s.first is None else s.first if s.first == s.last else f"{s.first} to {s.last}")
        limits = "; ".join(s.windows) + (f"; per year {s.years}" if s.years else "")
        body.append([f"`{s.source}`", s.interface, s.fields, limits, dates,
                     f"{s.counts:,}" + (f" ({s.not_ok} without a count)" if s.not_ok else "")])
    out.append(markdown_rows(["source", "database and interface", "fields searched", "year limits",
                              "date(s) searched", "counts used"], body, "lllllr"))
    for s in data.sources:
        if not s.source.startswith("local:"):
            continue
        c = s.corpus
        if c is None:
            out.append(f"`{s.source}`: the corpus is not on this machine; its counts come from the cache"
                       + (f" (corpus identity `{s.corpus_identity}`)." if s.corpus_identity else "."))
            continue
        files = "; ".join(f"`{name}` (" + (f"SHA-256 `{digest}`" if digest else
                                           "no longer where it was imported from, so no checksum") + ")"
                          for name, digest in c.files) or "files not recorded"
        out.append(
            f"`{s.source}` was imported from {files}, format {c.format or 'unknown'}, imported "
            f"{(c.imported_at or 'unknown')[:10]}: {_n(c.read)} records read, {_n(c.duplicates)} duplicates "
            f"merged (same DOI, else the same normalised title and year), {_n(c.skipped)} skipped as unusable, "
            f"{_n(c.imported)} records searched"
            + (f"; corpus identity `{s.corpus_identity}`." if s.corpus_identity else "."))
    out.append("No search filters beyond the year limits, no language limits and no peer-review filter were "
               "applied; counts are of records, not deduplicated across sources.")
    return "\n\n".join(out)


def render(ctx) -> str:
    def shown(path):
        return path.relative_to(ctx.out_path.parent).as_posix() if path else None

    manifest = ctx.out_path.with_name(f"{ctx.stem}.manifest.json")
    return section(gather(ctx.matrix, ctx.reading, plan_csv=shown(ctx.plan_csv), manifest=shown(manifest),
                          query_shown=ctx.query_shown, kept=ctx.kept))
