"""Where a report's counts came from when a source is not here to ask: one paragraph, or nothing."""

from __future__ import annotations

from survey.sources.stored import StoredLocalSource


def cache_only_note(reading, refresh_command: str) -> str:
    """For each local corpus known only from the cache: which corpus gave its counts, when, and how to refresh.

    ``refresh_command``: the refresh that would count them again once the corpus is imported.
    """
    notes = []
    for name, source in reading.sources.items():
        if not isinstance(source, StoredLocalSource):
            continue
        rows = [o for o in reading.observations if o.source == name and o.status == "ok"]
        if not rows:
            continue
        corpora = sorted({o.corpus for o in rows if o.corpus})
        days = sorted({o.fetched_at[:10] for o in rows})
        when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
        which = f"corpus `{corpora[0]}`" if len(corpora) == 1 else f"{len(corpora)} corpus versions"
        corpus_name = name.partition(":")[2]
        notes.append(
            f"**`{name}`'s counts are read from the cache:** its corpus is not on this machine. They were "
            f"counted in {which} on {when} (in a checkout of this repository, the committed "
            f"`data/counts/` file that `make report` imports). To count again, import the corpus with "
            f"`survey corpus import FILE --name {corpus_name}` and run `{refresh_command}`; a corpus with "
            "the same content answers from these counts, another one is counted anew."
        )
    return "\n\n".join(notes)
