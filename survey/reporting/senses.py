"""Senses: cells whose count one other meaning of the method's term may drive, with the exclusion to try.

For each local corpus, each cell's matched records are read for the contexts of the method's
terms (``survey senses``); a cell is flagged where one context with a word of its own, no stop
word and no word of the method's terms, shows in a fifth of the records or more. What was found
is kept beside the report, so a checkout without the corpus shows the same flags.
"""

from __future__ import annotations

import json

from survey.errors import SurveyError
from survey.reporting.context import Context
from survey.reporting.text import md, window_words


def applies(ctx: Context) -> bool:
    return any(s.startswith("local:") for s in ctx.with_data)


def render(ctx: Context) -> str:
    out = [
        "A term can mean something else in some records (\"CNN\" also names the CNN/DailyMail summarization "
        "data). For each cell counted in a local corpus, the words right before and after its method terms "
        "are tallied over the cell's records; a cell is listed here where one such context, with a word that "
        "is neither a stop word nor part of the method's terms, shows in at least a fifth of them. The "
        "exclusion suggested leaves those records out (a method written as `{ any = [...], not = [...] }`); "
        "`survey robustness` then shows the count with and without it. One cell's contexts:",
        f"```\nsurvey senses -q {ctx.query_shown} -s SOURCE --cell {ctx.matrix.cells[0].label}\n```",
    ]
    for name in ctx.with_data:
        if name.startswith("local:"):
            out.append(_block(ctx, name))
    return "\n\n".join(out)


def _block(ctx: Context, name: str) -> str:
    from survey.corpus.senses import flagged, foreign_words, senses

    src = ctx.instances.get(name)
    window = next(w for w in ctx.matrix.windows if ctx.tables[(name, w.name)].has_data)
    answers = {(i.cell.method, i.cell.task): i for i in ctx.reading.items
               if i.source == name and i.year is None and i.window.name == window.name and i.cached is not None}
    flags, unread = [], 0
    for cell in ctx.matrix.cells:
        item = answers.get((cell.method, cell.task))
        if item is None:
            continue
        terms = ctx.matrix.methods[cell.method]

        def compute(cell=cell, terms=terms):
            found = senses(src.corpus, cell.query, window.start, window.end, n=20)
            row = flagged(found, terms)
            return {"records": found.records, "flag": None if row is None else
                    {"context": row.context, "count": row.count, "words": foreign_words(row.context, terms)}}

        try:
            kept = ctx.kept.from_source("senses", [name, item.cached.corpus, item.query, window.start, window.end],
                                        src.identity() if src is not None else None, compute)
        except (SurveyError, AttributeError):  # AttributeError: a source with no corpus at hand
            kept = None
        if kept is None:
            unread += 1
        elif kept["flag"]:
            f = kept["flag"]
            flags.append(f"- **{md(cell.label)}**: \"{md(f['context'])}\" in {f['count']:,} of {kept['records']:,} "
                         f"matched records ({f['count'] / kept['records']:.0%}); to leave them out, "
                         f"`not = {json.dumps(f['words'], ensure_ascii=False)}` for {md(cell.method)}.")
    head = f"### `{name}`, {window_words(window)}"
    if unread == len(answers):
        return f"{head}\n\nThe corpus is not on this machine and no earlier report kept its contexts."
    body = "\n".join(flags) if flags else "No cell has a context of another sense in a fifth of its records."
    return f"{head}\n\n{body}"
