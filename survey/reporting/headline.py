"""Section 1, the headline: per source, window and task, who leads, by how much, and how sure.

A lead is claimed only where the evidence supports it (``survey.evidence.claims``); every
sentence carries the share and its 95% interval, and every method's count.
"""

from __future__ import annotations

from survey import analysis
from survey.evidence.claims import ESTIMATE, LEAD, MIN_MATCHES, NO_DATA, TOO_FEW, UNCLEAR, Verdict, is_flip
from survey.evidence.intervals import LEVEL, ratio_interval
from survey.reporting.context import Context
from survey.table_text import p_words
from survey.reporting.text import and_, md, pct, ratio_words, share_words, shown_path, thousands, window_words

RULE = ("A method leads a task only where the score test of its count against the runner-up's (the test the "
        "95% Wilson interval inverts) rejects parity after Holm's adjustment for the tasks of its table, the "
        "total included (each claim names how many comparisons it was adjusted for); otherwise there is no clear "
        f"leader, and where the two together match under {MIN_MATCHES} there are too few to say (those tasks are "
        "not tested). Printed bounds are rounded outward.")
MULTIPLE = ("Shares are of method matches: a record that names two methods counts once for each, so a "
            "share is not a share of papers.")


def render(ctx: Context) -> str:
    lines = []
    for s in ctx.with_data:
        for t in ctx.source_tables(s):
            if t.has_data:
                lines.append(block(ctx, f"`{s}`, {window_words(t.window)}", t, compare=True))
    if not lines:
        lines = ["- No source has counts in the cache yet, so there are no current figures to quote"
                 + ("; the published numbers follow." if ctx.ref_tables else ".")]
    for ref, table in ctx.ref_tables:
        lines.append(block(ctx, f"{ref.label} study, {md(ref.source_label)}, {ref.window.name}", table, compare=False))
    out = "\n".join(lines)
    if any(t.has_data for _, t in ctx.ref_tables) or ctx.with_data:
        out += (f"\n\n{RULE} {MULTIPLE}")
    statement = not_fetched_statement(ctx)
    failed = [s for s in ctx.names if s not in ctx.with_data and s not in ctx.not_fetched]
    if failed:
        reasons = []
        for s in failed:
            why = sorted({" ".join((o.error or o.status).split()) for o in ctx.latest if o.source == s})
            reasons.append(f"`{s}` ({md(why[0])}{' and other reasons' if len(why) > 1 else ''})")
        statement += ("\n\n" if statement else "") + (
            f"**Fetched, but without a count:** {and_(reasons)}; {ctx.link_to('provenance')} lists every cell. "
            f"`{ctx.refresh_command(failed)}` tries again.")
    return recent_lead(ctx) + out + ("\n\n" + statement if statement else "")


def recent_lead(ctx: Context) -> str:
    """What changed recently, before the counts' claims (``survey.reporting.recent``)."""
    from survey.reporting.recent import headline_lines

    lines = headline_lines(ctx)
    return "\n".join(lines) + "\n\n" if lines else ""


def not_fetched_statement(ctx: Context) -> str:
    missing = ctx.not_fetched
    if not missing:
        return ""
    names = ", ".join(f"`{s}`" for s in missing)
    return (
        f"**Not fetched:** {names} {'has' if len(missing) == 1 else 'have'} no counts in the cache, "
        f"so {'its' if len(missing) == 1 else 'their'} tables are absent here. Live-source tables appear after a refresh with network:\n\n"
        f"```\n{ctx.refresh_command(missing)}\nsurvey report -q {ctx.query_shown} -o {shown_path(ctx.out_path)}\n```"
    )


def block(ctx: Context, who: str, table: analysis.StudyTable, compare: bool) -> str:
    from survey.sources import estimate_of

    verdicts = ctx.verdicts(table)
    head = f"- **{who}:** {summary(ctx, verdicts)}"
    estimate = estimate_of(table.source)
    if estimate:
        head += (f" These counts are estimates ({md(estimate)}): shown as they are, with no interval and no "
                 "tested lead.")
    if compare:
        head += flips(ctx, table, verdicts)
    items = [f"  - {task_sentence(ctx, task, v)}" for task, v in verdicts.items()]
    return "\n".join([head, *items])


def summary(ctx: Context, verdicts: dict[str, Verdict]) -> str:
    tasks = {t: v for t, v in verdicts.items() if not ctx.is_total(t) and v.kind != NO_DATA}
    if not tasks:
        return "no task has every method's count." if len(ctx.methods) > 1 else ""
    parts = []
    for m in ctx.methods:
        led = [t for t, v in tasks.items() if v.kind == LEAD and v.leader == m]
        if led:
            parts.append(f"{m} leads in {len(led)} of {len(tasks)} tasks ({and_(led)})")
        most = [t for t, v in tasks.items() if v.kind == ESTIMATE and v.leader == m]
        if most:
            parts.append(f"{m} has most in {len(most)} of {len(tasks)} tasks ({and_(most)})")
    unclear = [t for t, v in tasks.items() if v.kind == UNCLEAR]
    few = [t for t, v in tasks.items() if v.kind == TOO_FEW]
    if unclear:
        parts.append(f"no clear leader in {len(unclear)} ({and_(unclear)})")
    if few:
        parts.append(f"too few matches to say in {len(few)} ({and_(few)})")
    missing = [t for t, v in verdicts.items() if v.kind == NO_DATA]
    text = "; ".join(parts) + "."
    if missing:
        text += f" No claim for {and_(missing)} (a method's count is missing)."
    return text[0].upper() + text[1:]


def adjusted_words(v: Verdict) -> str:
    """How sure, and for how many comparisons the claim was adjusted."""
    if v.family <= 1:
        return f"{p_words(v.p_value)} (the table's one comparison: nothing to adjust for)"
    return f"{p_words(v.p_holm)} adjusted for {v.family} comparisons (Holm; {p_words(v.p_value)} alone)"


def estimate_sentence(name: str, v: Verdict) -> str:
    counts = ", ".join(f"{m} about {thousands(c)}" for m, c in v.counts.items())
    return f"{name}: {v.leader} has most, about {pct(v.share)} of about {thousands(v.total)} ({counts})."


def task_sentence(ctx: Context, task: str, v: Verdict) -> str:
    name = "overall" if ctx.is_total(task) and task == "total" else task
    if v.kind == NO_DATA:
        lacking = [m for m, c in v.counts.items() if c is None]
        return f"{name}: no claim ({and_(lacking)} without a count)."
    if v.kind == ESTIMATE:
        return estimate_sentence(name, v)
    counts = ", ".join(f"{m} {thousands(c)}" for m, c in v.counts.items())
    total = f"{thousands(v.total)} method match{'es' if v.total != 1 else ''}"
    two = len(v.counts) == 2  # the share is the head-to-head share: its interval is the tested one
    if v.kind == TOO_FEW:
        if v.total == 0:
            return f"{name}: too few to say (no method matches)."
        pair = v.counts[v.leader] + (v.counts[v.runner_up] if v.runner_up else 0)
        between = "" if two or v.runner_up is None else f" between {v.leader} and {v.runner_up}"
        text = (f"{name}: too few to say: {thousands(pair)} method match{'es' if pair != 1 else ''}{between}, under "
                f"{MIN_MATCHES} ({v.leader} has {share_words(v.share, v.share_ci.low, v.share_ci.high)}; {counts})")
    elif v.kind == LEAD:
        parity = 0.5 if two else None
        text = (f"{name}: **{v.leader} leads** with "
                f"{share_words(v.share, v.share_ci.low, v.share_ci.high, parity)} of {total} ({counts})")
        if not two and v.head_to_head_ci is not None:
            text += (f"; against {v.runner_up}, "
                     f"{share_words(v.head_to_head, v.head_to_head_ci.low, v.head_to_head_ci.high, 0.5)}")
        if v.p_value is not None:
            text += f"; {adjusted_words(v)}"
    else:
        alone = v.p_value < 1 - LEVEL  # a lead alone, lost to the adjustment: its interval excludes parity
        includes = "" if alone else ", an interval that includes parity"
        parity = 0.5 if alone else None  # "a lead alone" says the interval excludes parity: print it so
        text = (f"{name}: no clear leader: {v.leader} has "
                f"{share_words(v.share, v.share_ci.low, v.share_ci.high, parity if two else None)} of {total}")
        if two:
            text += f"{includes} ({counts})"
        else:
            text += (f" ({counts}); against {v.runner_up}, "
                     f"{share_words(v.head_to_head, v.head_to_head_ci.low, v.head_to_head_ci.high, parity)}{includes}")
        if alone:
            text += f"; a lead alone, not after adjusting: {adjusted_words(v)}"
    return text + ratios_text(ctx, v) + "."


def ratios_text(ctx: Context, v: Verdict) -> str:
    parts = []
    for a, b in ctx.pairs:
        x, y = v.counts.get(a), v.counts.get(b)
        if x is None or y is None or x + y == 0:
            continue
        if y == 0:
            parts.append(f"{a}:{b} n/a ({b} is 0)")
            continue
        r = ratio_interval(x, y)
        parts.append(f"{a}:{b} {ratio_words(r.value, r.low, r.high)}")
    return "; " + ", ".join(parts) if parts else ""


def flips(ctx: Context, table: analysis.StudyTable, now: dict[str, Verdict]) -> str:
    """Against the published table for the same source (else window): where a clear lead changed hands.

    Only a table of the same source can show a change over time; against another source, source and
    time both differ and the text says so. Published estimates carry no tested lead, so nothing is
    said to have changed hands against them.
    """
    from survey.reporting.then_now import reference_for

    found = reference_for(ctx, table.source, table.window)
    if not found:
        return ""
    ref, ref_table = found
    then = ctx.verdicts(ref_table)
    against = f"the {ref.label} {md(ref.source_label)} counts ({ref.window.name})"
    if any(w.kind == ESTIMATE for w in then.values()):
        return (f" Against {against}: those are the source's estimates, with no tested lead, so no change of "
                "lead is claimed.")
    flipped, same, unclear = [], 0, 0
    for task, v in now.items():
        w = then.get(task)
        if w is None or w.kind == NO_DATA or v.kind == NO_DATA:
            continue
        if is_flip(w, v):
            flipped.append(f"{task} (then {w.leader} {share_words(w.share, w.share_ci.low, w.share_ci.high)}, "
                           f"now {v.leader} {share_words(v.share, v.share_ci.low, v.share_ci.high)})")
        elif w.is_lead and v.is_lead:
            same += 1
        else:
            unclear += 1
    other = ref.source != table.source
    if other:
        against += ", another source at another time (source and time both differ, so no change over time is claimed)"
    text = ""
    if flipped:
        changed = "the clear lead differs" if other else "a clear lead changed hands"
        text = f" Against {against}, {changed} in {and_(flipped)}"
        text += f"; the same method leads in {same} other{'s' if same != 1 else ''}." if same else "."
    elif same:
        text = f" Against {against}, the same method leads in all {same} tasks where both show a clear lead."
    if unclear:
        text += (f" In {unclear} task{'s' if unclear != 1 else ''} one side has no clear leader, so no change is "
                 "claimed there.")
    return text
