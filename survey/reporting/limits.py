"""What these counts cannot tell you: coverage, stemming and matches shared between methods, from the data.

Each paragraph is computed for the sources this report covers: the years each source holds
works for (where it says), whether it stems the query file's terms, and, for a source that
counts locally, how many records match two methods at once (one local count per pair, no
request).
"""

from __future__ import annotations

from survey.errors import SurveyError
from survey.matrix import AllOf, describe
from survey.reporting.context import Context
from survey.reporting.text import and_, count_of, md, pct, thousands, window_words, year_span


def render(ctx: Context) -> str:
    out = [
        "A count is of records whose searched text matches the query terms: a paper that names a method as a "
        "baseline counts the same as one built on it, and a term can mean something else (the precision audit "
        "shows samples). Beyond that:",
    ]
    out.append(coverage(ctx))
    out.append(stemming(ctx))
    out.append(words(ctx))
    out.append(shared_matches(ctx))
    return "\n\n".join(x for x in out if x)


def coverage(ctx: Context) -> str:
    if not ctx.with_data:
        return "**Coverage.** No source has counts, so nothing is covered yet."
    lines = []
    for s in ctx.with_data:
        src = ctx.instances.get(s)
        fields = md(src.capabilities.fields) if src is not None else "unknown fields"
        text = f"- `{s}` searches {fields}"
        # the yearly totals are fetched over the trend's years; without a trend no start was asked
        since = f"from {ctx.matrix.trend.start} " if ctx.matrix.trend else ""
        totals = ctx.year_totals(s)
        held = sorted(y for y, n in totals.items() if n)
        if held:
            gaps = [y for y in range(held[0], held[-1] + 1) if not totals.get(y)]
            works = thousands(sum(totals.values()))
            text += (f"; {since}it holds {works} works published {year_span(held[0], held[-1])}"
                     + (f", none for {and_([str(y) for y in gaps])}" if gaps else "")
                     + ". What it does not hold is not counted, so its counts describe its own collection")
        else:
            text += "; it gives no yearly total, so its coverage is known only from its documentation"
        lines.append(text + ".")
    return "**Coverage.** Each source counts only what it indexes:\n\n" + "\n".join(lines)


def _terms(ctx: Context) -> list[str]:
    out = []
    for group in (ctx.matrix.methods, ctx.matrix.tasks):
        for terms in group.values():
            for t in terms:
                if not str(t).startswith("="):
                    out.append(str(t))
    return list(dict.fromkeys(out))


def stemming(ctx: Context) -> str:
    stems = [s for s in ctx.with_data if s in ctx.instances and ctx.instances[s].capabilities.stemming]
    plain = [s for s in ctx.with_data if s in ctx.instances and not ctx.instances[s].capabilities.stemming]
    if not stems and not plain:
        return ""
    parts = []
    if stems:
        terms = _terms(ctx)
        quoted = [f"“{md(t)}”" for t in terms]
        more = len(quoted) - 6
        shown = and_(quoted) if more <= 0 else ", ".join(quoted[:6]) + f" and {count_of(more, 'more term')}"
        parts.append(f"{and_([f'`{s}`' for s in stems])} stem{'s' if len(stems) == 1 else ''} words, so "
                     f"{shown} also match their other forms (a plural matches its singular, "
                     "“networks” matches “network”); "
                     "a term written `{ term = ..., exact = true }` in the query file is matched as written where "
                     "the source can do so")
    if plain:
        parts.append(f"{and_([f'`{s}`' for s in plain])} match{'es' if len(plain) == 1 else ''} words as written, "
                     "so a plural or another form of a term is missed unless the query file lists it")
    return "**Stemming.** " + "; ".join(parts) + "."


def words(ctx: Context) -> str:
    """What a local corpus takes for a word: the rule behind every local count, CJK text included."""
    local = [s for s in ctx.with_data if s.startswith("local:")]
    if not local:
        return ""
    return (f"**What counts as a word.** In {and_([f'`{s}`' for s in local])} a word is a run of letters or "
            "digits: any other character ends it (“LSTM-based” holds the word “LSTM”), and so does the meeting of a "
            "Chinese, Japanese or Korean character with a letter or digit of another script (“基于LSTM的” and "
            "“LSTMを用いた” hold “LSTM”). A run of CJK characters stays one word, so a CJK term matches only a "
            "whole run, never part of one. Online sources split words by their own rules.")


def _pairs(ctx: Context) -> list[tuple[str, str]]:
    if ctx.pairs:
        return ctx.pairs
    return [(a, b) for i, a in enumerate(ctx.methods) for b in ctx.methods[i + 1:]][:3]


def shared_matches(ctx: Context) -> str:
    if len(ctx.methods) < 2:
        return ""
    head = ("**Records that match two methods.** Such a record counts once for each, so method matches add up to "
            "more than the records; a share is of matches, not of papers.")
    total = next((t for t in ctx.tasks if ctx.is_total(t)), None)
    lines, unknown = [], []
    for s in ctx.with_data:
        src = ctx.instances.get(s)
        if src is None or not src.capabilities.records or total is None:
            unknown.append(s)
            continue
        w = ctx.matrix.windows[0]
        table = ctx.tables[(s, w.name)]
        corpus = next((o.corpus for o in ctx.latest if o.source == s and o.status == "ok"), "")
        for a, b in _pairs(ctx):
            qa, qb = ctx.matrix.cell(a, total).query, ctx.matrix.cell(b, total).query
            both_query = AllOf(qa.items + qb.items, qa.field)  # the query file's fields, as each method's count
            key = [s, corpus, describe(both_query), w.start, w.end]
            try:
                both = ctx.kept.from_source("shared", key, src.identity(),
                                            lambda: src.count(both_query, w.start, w.end))
            except (SurveyError, NotImplementedError):
                both = None
            if both is None:
                unknown.append(s)
                break
            ca, cb = table.counts.loc[a, total], table.counts.loc[b, total]
            share = [f"{pct(both / c)} of {m}'s" for m, c in ((a, ca), (b, cb)) if c == c and c]
            matching = count_of(both, "record matches", "records match")
            lines.append(f"- `{s}`, {window_words(w)}: {matching} both {a} and {b}"
                         + (f" ({and_(share)} matches)" if share else "") + ".")
    if unknown:
        names = list(dict.fromkeys(unknown))
        verb = "returns" if len(names) == 1 else "return"
        lines.append(f"- {and_([f'`{s}`' for s in names])}: {verb} counts only, so how many "
                     "records match two methods is unknown here.")
    return head + ("\n\n" + "\n".join(lines) if lines else "")


