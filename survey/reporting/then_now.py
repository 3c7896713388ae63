"""Section 3, then and now: the published tables the query file names, beside today's counts.

Shown only when the query file names a reference file (``reference = "FILE.toml"``).
"""

from __future__ import annotations

import pandas as pd

from survey import analysis
from survey.matrix import Window
from survey.reference import ReferenceTable
from survey.reporting.context import Context
from survey.reporting.text import and_, date_range, md, shown_path, table_and_notes
from survey.sources import estimate_of
from survey.table_text import display, format_ratio


def applies(ctx: Context) -> bool:
    return bool(ctx.ref_tables)


def render(ctx: Context) -> str:
    studies = list(dict.fromkeys(r.study for r in ctx.references))
    where = and_([f"{md(r.source_label)} ({r.window.name})" for r in ctx.references])
    shown = f"`{shown_path(ctx.matrix.reference)}`" if ctx.matrix.reference else "the reference file"
    whose = "Its" if len(studies) == 1 else "Their"
    out = [f"{and_([md(s) for s in studies])} published counts from {where}. {whose} numbers are reproduced "
           f"exactly from {shown}, with their provenance; where the publication gave no query strings, today's "
           "queries are a reconstruction: compare shapes and ratios, not digits."]
    for ref, ref_table in ctx.ref_tables:
        out.append(f"### {md(ref.source_label)}, {ref.window.name}")
        # The note is our own transcription and uses code spans on purpose: not escaped.
        out.append(ref.note)
        estimate = estimate_of(ref.source)
        if estimate:
            out.append(f"These counts are estimates ({md(estimate)}), not counts of papers: no interval is put on "
                       "them and no lead is tested; a comparison with another source differs in source and in "
                       "time at once.")
        now = live_match(ctx, ref)
        if now is not None and now.has_data:
            out.append(combined_block(ctx, ref, ref_table, now))
        else:
            d = display(ref_table, ctx.pairs)
            out += table_and_notes(d.frame.rename(index=lambda i: f"{i} ({ref.label})"), d.footnotes)
            out.append(
                f"Today's `{ref.source}` counts for this window are not in the cache; "
                f"`{ctx.refresh_command([ref.source], by_year=False)}` fetches them (needs network"
                + (", and for this source a licence key" if ref.source == "wos" else "") + ")."
            )
        if ref.unplaced:
            values = "; ".join(f"{m} {', '.join(map(str, v))}" for m, v in ref.unplaced.items())
            out.append(
                f"**Unplaced {ref.label} values** ({values}): these belong to {and_(ref.unplaced_columns)} in an "
                "order the publication does not show, so they are kept out of every column rather than guessed."
            )
    return "\n\n".join(out)


def reference_for(ctx: Context, source: str, window: Window) -> tuple[ReferenceTable, analysis.StudyTable] | None:
    """The published table to compare with: the same source's, else the one over the same years, else the first."""
    span = (window.start, window.end)
    for test in (lambda r: r.source == source, lambda r: (r.window.start, r.window.end) == span, lambda r: True):
        for ref, table in ctx.ref_tables:
            if test(ref):
                return ref, table
    return None


def live_match(ctx: Context, ref: ReferenceTable) -> analysis.StudyTable | None:
    if ref.source not in ctx.names:
        return None
    for w in ctx.matrix.windows:
        if (w.start, w.end) == (ref.window.start, ref.window.end):
            return ctx.tables[(ref.source, w.name)]
    return None


def combined_block(ctx: Context, ref: ReferenceTable, then: analysis.StudyTable, now: analysis.StudyTable) -> str:
    notes: list[str] = []
    d_then = display(then, ctx.pairs, notes)
    d_now = display(now, ctx.pairs, notes)
    rows = []
    for m in ctx.methods:
        rows.append((f"{m} ({ref.label})", d_then.frame.loc[m]))
        rows.append((f"{m} (now)", d_now.frame.loc[m]))
    for a, b in ctx.pairs:
        label = f"{a}:{b}"
        rows.append((f"{label} ({ref.label})", d_then.frame.loc[label]))
        rows.append((f"{label} (now)", d_now.frame.loc[label]))
        r_then, r_now = then.ratio(a, b), now.ratio(a, b)
        change = r_now / r_then.where(r_then != 0)
        rows.append((f"{label} now ÷ {ref.label}", pd.Series(
            ["n/a" if pd.isna(v) else f"×{format_ratio(v)}" for v in change], index=change.index)))
    frame = pd.DataFrame(dict(rows)).T
    frame.index.name = "method"
    parts = table_and_notes(frame, notes)
    if now.fetched:
        parts.append(f"*Today's counts fetched {date_range(list(now.fetched))}; the published window ended in "
                     f"{ref.label}.*")
    return "\n\n".join(parts)
