"""The precision audit: a fixed sample of matched titles per cell, for sources that return records.

The samples drawn are kept beside the report (``survey.reporting.kept``), so a checkout without the
corpus, whose counts come from the committed cache export, shows the same samples instead of
none: a sample is reused only for the same source, query, window, size and corpus as its count.
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from survey.errors import SurveyError
from survey.matrix import Window
from survey.reporting.audit import sample_cell, supports_records
from survey.reporting.context import Context
from survey.reporting.text import md, thousands, window_words
from survey.sources.base import Record


def render(ctx: Context) -> str:
    out = [
        "A count says nothing about what was matched. For sources that return records, here is a fixed "
        f"sample of up to {ctx.audit_n} matched titles per cell (the same sample each run), so a reader can "
        "judge false positives. For a larger sample of one cell:",
        f"```\nsurvey audit -q {ctx.query_shown} -s SOURCE --cell {ctx.matrix.cells[0].label} -n 20\n```",
    ]
    for s in ctx.with_data:
        src = ctx.instances.get(s)
        if src is None or not supports_records(src):
            out.append(f"`{s}` returns counts only, not records, so its matches cannot be sampled.")
            continue
        if not s.startswith("local") and not ctx.online_samples:
            out.append(f"`{s}` returns records, but sampling them takes requests, which the report does not "
                       f"send by default: `survey audit -q {ctx.query_shown} -s {s} --cell CELL` fetches a "
                       "sample, and `survey report --online-samples` puts them here.")
            continue
        window = next(w for w in ctx.matrix.windows if ctx.tables[(s, w.name)].has_data)
        out.append(audit_block(ctx, s, src, window))
    if not ctx.with_data:
        out.append("No source has counts in the cache, so there is nothing to sample. A local corpus "
                   "(`survey corpus import PATH --name NAME`, then refresh with `-s local:NAME`) or OpenAlex "
                   "returns records.")
    return "\n\n".join(out)


def audit_block(ctx: Context, name: str, src, window: Window) -> str:
    table = ctx.tables[(name, window.name)]
    answers = {(i.cell.method, i.cell.task): i for i in ctx.reading.items
               if i.source == name and i.year is None and i.window.name == window.name and i.cached is not None}
    out = [f"### `{name}`, {window_words(window)}"]
    for cell in ctx.matrix.cells:
        count = table.counts.loc[cell.method, cell.task]
        item = answers.get((cell.method, cell.task))
        if pd.isna(count) or item is None:
            out.append(f"**{md(cell.label)}**: no count cached, so no sample.")
            continue
        key = [name, item.cached.corpus, item.query, window.start, window.end, ctx.audit_n]
        def draw():
            sample = sample_cell(src, cell, window, ctx.audit_n, matched=int(count))
            return {"matched": sample.matched, "records": [
                {k: v for k, v in asdict(r).items() if k in ("title", "year", "id", "doi")} for r in sample.records]}

        try:
            stored = ctx.kept.from_source("samples", key, src.identity(), draw)
        except (SurveyError, NotImplementedError) as exc:
            out.append(f"**{md(cell.label)}**: sampling failed ({md(exc)}).")
            continue
        if stored is None:
            out.append(f"**{md(cell.label)}**: no sample here: the corpus is not on this machine (its counts "
                       "are read from the cache).")
            continue
        records = [Record(**r) for r in stored["records"]]
        if not records:
            out.append(f"**{md(cell.label)}**: no matched record.")
            continue
        head = f"**{md(cell.label)}**: {len(records)} of {thousands(stored['matched'])} matched records"
        items = [f"- {r.year if r.year is not None else 'year unknown'} · {record_id(r)} · {md(r.title)}"
                 for r in records]
        out.append(head + "\n\n" + "\n".join(items))
    return "\n\n".join(out)


def record_id(record) -> str:
    if record.doi:
        return f"[doi:{md(record.doi)}](https://doi.org/{record.doi})"
    return f"`{record.id}`" if record.id else "no id"
