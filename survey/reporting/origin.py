"""Where a local corpus's counts came from, and how to count them again: one paragraph per corpus.

The paragraph reads the same whether the corpus is on this machine or only its counts are (a
fresh checkout reads them from the committed cache export), so the report says where its
numbers come from without changing between the two.
"""

from __future__ import annotations


def local_origin_note(reading, refresh_command: str) -> str:
    """For each local corpus with counts: which corpus content gave them, when, and how to refresh.

    ``refresh_command``: the refresh that counts them again once the corpus is imported.
    """
    notes = []
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
        notes.append(
            f"**Where `{name}`'s counts come from:** they were counted in {which} (a hash of its records) on "
            f"{when}. A checkout without that corpus reads them from the cache (in this repository, the "
            f"committed `data/counts/` file that `make report` imports). To count again, import the corpus "
            f"with `survey corpus import FILE --name {corpus_name}` and run `{refresh_command}`; a corpus with "
            "the same content answers from these counts, another one is counted anew."
        )
    return "\n\n".join(notes)
