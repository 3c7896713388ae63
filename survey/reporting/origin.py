"""Where a local corpus's counts came from, and how to count them again: one paragraph per corpus.

The paragraph reads the same whether the corpus is on this machine or only its counts are (a
fresh checkout reads them from the committed cache export), so the report says where its
numbers come from without changing between the two. It names a committed counts file only
where one exists beside the query file and holds every count shown: a user's own query is
counted in their cache, not in this repository's data.
"""

from __future__ import annotations

from pathlib import Path


def committed_counts(query_path: Path | None) -> Path | None:
    """The counts file `make counts` writes for this query file (``data/counts/STEM.csv`` beside its
    ``queries/`` folder), where there is one."""
    if query_path is None:
        return None
    path = Path(query_path).resolve().parent.parent / "data" / "counts" / f"{Path(query_path).stem}.csv"
    return path if path.is_file() else None


def _holds(path: Path | None, rows) -> bool:
    """Whether the counts file at ``path`` holds every one of ``rows`` with the same count."""
    from survey.errors import SurveyError
    from survey.observations_csv import read_observations

    if path is None:
        return False
    try:
        kept = {(o.key, o.count) for o in read_observations(path) if o.status == "ok"}
    except SurveyError:
        return False  # a damaged file holds nothing this report can promise
    return all((o.key, o.count) in kept for o in rows)


def local_origin_note(reading, refresh_command: str, query_path: Path | None = None,
                      query_shown: str = "FILE") -> str:
    """For each local corpus with counts: which corpus content gave them, when, where a checkout
    without the corpus finds them, and how to refresh.

    ``refresh_command``: the refresh that counts them again once the corpus is imported.
    """
    notes = []
    committed = committed_counts(query_path)
    for name in reading.sources:
        if not name.startswith("local:"):
            continue
        rows = [o for o in reading.observations if o.source == name and o.status == "ok"]
        if not rows:
            continue
        corpora = sorted({o.corpus for o in rows if o.corpus})
        days = sorted({o.fetched_at[:10] for o in rows})
        when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
        which = f"corpus `{corpora[0]}`" if len(corpora) == 1 else f"{len(corpora)} corpus versions"
        corpus_name = name.partition(":")[2]
        if _holds(committed, rows):
            where = ("A checkout without that corpus reads them from the cache (in this repository, the "
                     "committed `data/counts/` file that `make report` imports).")
        else:
            where = (f"They are in this machine's cache, not in a committed file: a checkout without that "
                     f"corpus has them after `survey cache export -q {query_shown} COUNTS.csv` here and "
                     "`survey cache import COUNTS.csv` there.")
        notes.append(
            f"**Where `{name}`'s counts come from:** they were counted in {which} (a hash of its records) on "
            f"{when}. {where} To count again, import the corpus "
            f"with `survey corpus import FILE --name {corpus_name}` and run `{refresh_command}`; a corpus with "
            "the same content answers from these counts, another one is counted anew."
        )
    return "\n\n".join(notes)
