"""The last section, method and provenance: sources, cache hits against the plan, failures, exact queries."""

from __future__ import annotations

import io
from pathlib import Path

from survey.csv_cells import Writer
from survey.reporting.text import date_range, md, shown_path

from survey.reporting.context import Context
from survey.observation import Observation
from survey.table_text import markdown_rows


def render(ctx: Context) -> str:
    out = [
        sources_table(ctx), biases(ctx), cache_hits(ctx), failures(ctx), queries(ctx), inputs(ctx),
    ]
    return "\n\n".join(x for x in out if x)


def sources_table(ctx: Context) -> str:
    if not ctx.names:
        return "No source is configured or cached."
    by_source: dict[str, list[Observation]] = {}
    for o in ctx.history:
        by_source.setdefault(o.source, []).append(o)
    body = []
    for s in ctx.names:
        obs = by_source.get(s, [])
        c = ctx.instances[s].capabilities  # every name the report shows is a source object of the reading
        how = [md(c.fields), *("yes" if v else "no" for v in (c.boolean, c.phrases, c.stemming))]
        body.append([f"`{s}`", *how, date_range([o.fetched for o in obs]),
                     *(str(sum(1 for o in obs if o.status == k)) for k in ("ok", "unsupported", "error", "blocked"))])
    return ("What each source searches and how, and what the cache holds from it (every fetch, history "
            "included):\n\n" + markdown_rows(
                ["source", "searches", "AND/OR", "phrases", "stems", "fetched", "ok", "unsupported", "failed",
                 "blocked"], body, "llllllrrrr"))


def biases(ctx: Context) -> str:
    lines = []
    for s in ctx.names:
        notes = ctx.instances[s].capabilities.notes
        if notes:
            lines.append(f"- `{s}`: {md(notes)}")
    return ("Known biases:\n\n" + "\n".join(lines)) if lines else ""


def cache_hits(ctx: Context) -> str:
    if not ctx.instances:
        return ""
    by_year = ctx.matrix.trend is not None
    ctx.plan_csv = write_plan(ctx, ctx.reading.items)
    body = []
    for s in ctx.instances:
        mine = [i for i in ctx.reading.items if i.source == s]
        planned = len(mine)
        fresh = sum(1 for i in mine if i.fresh)
        stale = sum(1 for i in mine if not i.fresh and i.cached is not None and i.cached.status == "ok")
        failed = sum(1 for i in mine if not i.fresh and i.cached is not None and i.cached.status != "ok")
        missing = planned - fresh - stale - failed
        body.append([f"`{s}`", str(planned), str(fresh), str(stale), str(failed), str(missing)])
    link = ctx.plan_csv.relative_to(ctx.out_path.parent).as_posix()
    return (f"Cache hits against the plan (`survey plan -q {ctx.query_shown}`, window totals"
            + (" and per-year counts" if by_year else "") + ", fresh within 30 days):\n\n"
            + markdown_rows(["source", "counts planned", "cached and fresh", "stale", "failed last time",
                             "never fetched"], body)
            + "\n\nThe exact query each source is sent for every cell and window"
            + (" (and year, for the sources with counts)" if by_year else "")
            + f", with the cached count and its fetch time: [{link}]({link}).")


def write_plan(ctx: Context, items) -> Path:
    path = ctx.out_path.with_name(f"{ctx.stem}.plan.csv")
    buf = io.StringIO()
    writer = Writer(buf)
    writer.writerow(["source", "window", "year_from", "year_to", "year", "method", "task", "query",
                     "unsupported", "status", "count", "fetched_at"])
    for i in items:
        c = i.cached
        # csv writes None as an empty field: an open window end, a window total's year, no count
        writer.writerow([
            i.source, i.window.name, i.window.start, i.window.end, i.year, i.cell.method, i.cell.task, i.query,
            i.unsupported, c.status if c else "not fetched", c.count if c else None, c.fetched_at if c else None,
        ])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def failures(ctx: Context) -> str:
    bad = [o for o in ctx.latest if o.status != "ok" and o.source in ctx.names]
    if not bad:
        if ctx.with_data:
            return "No cell failed, was blocked or is unsupported among the cached counts."
        return ""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for o in bad:
        label = f"{o.method}:{o.task} {o.window if o.year is None else o.year}"
        groups.setdefault((o.source, o.status, " ".join((o.error or o.status).split())), []).append(label)
    body = []
    for (s, status, reason), labels in sorted(groups.items()):
        shown = ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")
        body.append([f"`{s}`", status, str(len(labels)), shown, reason])
    return ("Cells without a count (their latest fetch), by source and reason:\n\n"
            + markdown_rows(["source", "status", "counts", "cells", "reason"], body, "llrll"))


def queries(ctx: Context) -> str:
    # The plan has compiled every window query already; shown window by window, then cell by cell.
    order = {w.name: i for i, w in enumerate(ctx.matrix.windows)}
    blocks = []
    for s in ctx.with_data:
        if s not in ctx.instances:
            continue
        items = sorted((i for i in ctx.reading.items if i.source == s and i.year is None),
                       key=lambda i: order[i.window.name])
        body = [[i.window.name, i.cell.label, f"unsupported: {md(i.unsupported)}" if i.unsupported is not None else f"`{i.query}`"]
                for i in items]
        blocks.append(f"<details><summary>Queries sent to <code>{s}</code></summary>\n\n"
                      + markdown_rows(["window", "cell", "query"], body, "lll") + "\n\n</details>")
    if not blocks:
        return ""
    return ("The exact query per cell and window for each source with counts (per-year queries, and those of "
            "the sources not fetched, are in the plan CSV):\n\n" + "\n\n".join(blocks))


def inputs(ctx: Context) -> str:
    """The files this report read, as its query file names them."""
    parts = [f"The query file: `{ctx.query_shown}`."]
    if ctx.references:
        studies = list(dict.fromkeys(md(r.study) for r in ctx.references))
        parts.append(f"The published numbers ({', '.join(studies)}): transcribed in "
                     f"`{shown_path(ctx.matrix.reference)}` with their provenance.")
    if ctx.results_path:
        parts.append(f"The experiment results: `{shown_path(ctx.results_path, ctx.out_path.parent.parent)}`.")
    return " ".join(parts)
