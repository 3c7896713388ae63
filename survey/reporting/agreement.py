"""Section 5, agreement between sources: rank correlation of the cells two tables share."""

from __future__ import annotations

from survey import analysis
from survey.reporting.context import Context
from survey.reporting.text import and_, md
from survey.table_text import markdown_rows


def render(ctx: Context) -> str:
    live = [(s, w) for s in ctx.with_data for w in ctx.matrix.windows if ctx.tables[(s, w.name)].has_data]
    rows = []
    for i, (s1, w1) in enumerate(live):
        for s2, w2 in live[i + 1:]:
            if s1 != s2 and w1 == w2:
                rows.append(analysis.agreement(ctx.tables[(s1, w1.name)], ctx.tables[(s2, w2.name)],
                                               f"`{s1}`", f"`{s2}`"))
    ref_rows = []
    for s, w in live:
        for ref, ref_table in ctx.ref_tables:
            if (w.start, w.end) == (ref.window.start, ref.window.end):
                ref_rows.append(analysis.agreement(ctx.tables[(s, w.name)], ref_table, f"`{s}`",
                                                   f"{ref.label} {md(ref.source_label)}"))
    out = [
        "Counts from different sources differ in scale, so they are compared by rank: Spearman's ρ over the "
        "cells both have counts for (1: the same order, 0: unrelated, −1: reversed). The last column lists "
        "the cells whose rank differs most (#1 is the largest count)."
    ]
    if rows:
        out.append(agreement_table(rows))
    else:
        if ctx.with_data:
            have = and_([f"`{s}`" for s in ctx.with_data])
            why = (f"Only {have} has counts" if len(ctx.with_data) == 1
                   else f"{have} have counts, but no window has counts from two of them")
        else:
            why = "No source has counts in the cache"
        out.append(f"{why}, so there is no pair of current sources to compare. Refreshing a second source "
                   "fills this in.")
    if ref_rows:
        out.append("Against the published tables (which differ in date as well as in source):")
        out.append(agreement_table(ref_rows))
    return "\n\n".join(out)


def agreement_table(rows: list[analysis.Agreement]) -> str:
    body = []
    for ag in rows:
        worst = "; ".join(
            f"{r.method}:{r.task} #{r.rank_a} vs #{r.rank_b}" for r in ag.disagreements.itertuples()
        ) or "none: same order"
        rho = "n/a (fewer than 3 shared cells)" if ag.rho is None and ag.cells < 3 else (
            "n/a (no spread)" if ag.rho is None else f"{ag.rho:.2f}")
        body.append([ag.a, ag.b, ag.window, str(ag.cells), rho, worst if ag.cells else "n/a"])
    return markdown_rows(["source", "compared with", "window", "shared cells", "Spearman ρ", "ranked most differently"],
                         body, "lllrrl")
