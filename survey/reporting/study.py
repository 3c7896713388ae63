"""Section 2, the study-shaped tables: counts, each method's share with its interval, the ratios asked for."""

from __future__ import annotations

from survey import analysis
from survey.reporting.context import Context
from survey.reporting.text import and_, date_range, table_and_notes, window_words
from survey.table_text import display


def render(ctx: Context) -> str:
    intro = ("Methods as rows, tasks as columns, one table per source and window. Under the counts, each "
             "method's share of all method matches in the task with its 95% Wilson interval (a record that "
             "matches two methods counts for each), and the claim the headline makes (a lead only where the "
             "leader against the runner-up rejects parity after Holm's adjustment across the table's tasks, with "
             "the adjusted p-value and the number of tests)")
    if ctx.pairs:
        intro += (", then the " + and_([f"{a}:{b}" for a, b in ctx.pairs]) + " ratio"
                  + ("s" if len(ctx.pairs) > 1 else "") + " the query file asks for, with the interval that "
                  "follows from the conditional share")
    out = [intro + ". A cell without a count says n/a, with the reason as a numbered note under the table."]
    tabled, unsupported = [], []
    for s in ctx.names:
        for w in ctx.matrix.windows:
            t = ctx.tables[(s, w.name)]
            if (t.status == analysis.NOT_FETCHED).to_numpy().all():
                continue
            if (t.status == "unsupported").to_numpy().all():
                # a table of n/a only says one thing; the reasons per cell are in the provenance section
                unsupported.append(s)
                continue
            out.append(table_block(ctx, f"`{s}`, {window_words(w)}", t))
            tabled.append(s)
    # a source with a table for another window is not "without a table"
    inexpressible = [s for s in dict.fromkeys(unsupported) if s not in tabled]
    if not tabled:
        out.append("No source has counts in the cache, so there is no table of current counts.")
    if inexpressible:
        out.append(f"{and_([f'`{s}`' for s in inexpressible])} cannot express any cell of this matrix "
                   f"faithfully, so {'it has' if len(inexpressible) == 1 else 'they have'} no table; "
                   f"{ctx.link_to('provenance')} gives the reason per cell.")
    if ctx.not_fetched:
        out.append(f"Not fetched, so without a table: {and_([f'`{s}`' for s in ctx.not_fetched])} "
                   f"(the command that fetches them is under {ctx.link_to('headline')}).")
    return "\n\n".join(out)


def table_block(ctx: Context, title: str, table: analysis.StudyTable) -> str:
    d = display(table, ctx.pairs, intervals=True)
    parts = [f"### {title}", *table_and_notes(d.frame, d.footnotes)]
    if table.fetched:
        parts.append(f"*Fetched {date_range(list(table.fetched))}.*")
    return "\n\n".join(parts)
