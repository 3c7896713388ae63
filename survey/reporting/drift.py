"""Section 8, drift: counts fetched more than once with the same query, and how they moved."""

from __future__ import annotations

import pandas as pd

from survey import analysis
from survey.reporting.context import Context
from survey.reporting.text import day, thousands
from survey.table_text import markdown_rows


def render(ctx: Context) -> str:
    frame = analysis.drift(ctx.history, top=None)
    if frame.empty:
        return ("No count has been fetched more than once yet, so there is no drift to show. A later refresh "
                "after `--max-age` (or with `--force`) records a second count beside the first.")
    changed = frame[frame["change"] != 0]
    moved = changed.head(10)
    intro = (f"{len(frame)} counts were fetched more than once with the same query; {len(changed)} "
             "changed between the last two fetches.")
    if moved.empty:
        return intro + " None moved."
    body = []
    for r in moved.itertuples():
        where = r.window if pd.isna(r.year) else f"{int(r.year)}"
        rel = "n/a (was 0)" if pd.isna(r.relative) else (
            f"{100 * r.relative:+.1f}%" if abs(r.relative) < 0.1 else f"{100 * r.relative:+,.0f}%")
        body.append([f"`{r.source}`", f"{r.method}:{r.task}", where, thousands(r.previous), day(r.previous_at),
                     thousands(r.latest), day(r.latest_at), f"{int(r.change):+,}", rel])
    return intro + " The largest relative moves:\n\n" + markdown_rows(
        ["source", "cell", "window or year", "previous", "fetched", "latest", "fetched", "change", "relative"],
        body, "lllrlrlrr")
