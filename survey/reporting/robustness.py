"""Report section: does each task's leader survive the query variants? With a specification curve.

``gather`` reads the variants' counts from the cache (the report counts nothing; ``survey
robustness`` does); ``section`` writes the Markdown; ``specification_curve`` draws, one panel
per task, the share of the leader (as the file is written) under every counted variant with
95% Wilson intervals, coloured by the same verdicts the table lists (``curve_points``). The
figure lives here rather than in ``figures.py`` because it is this section's alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from survey.evidence.intervals import wilson
from survey.evidence.variants import (ALIKE, BASELINE, CHANGES, GROUPS, ONE_METHOD, Row, TaskRobustness, assess,
                                      count, derive, leader_shares)
from survey.reporting.text import count_of, slug, thousands
from survey.table_text import markdown_rows


@dataclass
class SourceRobustness:
    source: str
    variants: list[str]
    rows: list[Row]
    verdicts: list[TaskRobustness]
    items: list = field(default_factory=list)  # the variants' plan items with their cached counts

    @property
    def groups(self) -> dict[str, str]:
        """Each variant with rows (one that changes some task's query) -> its group; the file as written left out."""
        return {r.variant: r.group for r in self.rows if r.variant != BASELINE}

    @property
    def counted(self) -> bool:
        return any(v.leaders.keys() - {BASELINE} for v in self.verdicts)


def gather(matrix, sources: dict, store, names: list[str]) -> list[SourceRobustness]:
    """The cached counts of every variant, for each named source (name -> Source instance)."""
    out = []
    for name in names:
        src = sources.get(name)
        if src is None:
            continue
        variants = derive(matrix, src.capabilities)
        rows, items = count(variants, name, src, store, fetch=False)
        out.append(SourceRobustness(name, [v.name for v in variants], rows, assess(rows), items))
    return out


def leader_cell(v: TaskRobustness) -> str:
    written = v.written
    if written is None or written.leader is None:
        return "no single leader"
    return written.leader if written.is_lead else f"{written.kind} ({written.leader} most)"


def group_cell(v: TaskRobustness, group: str) -> str:
    """Whether the claim as written survives every counted variant of ``group``, and how many change it."""
    written, n = v.written, len(v.counted(group))
    if written is None:
        return "not counted"
    if not n:
        return "none counted"
    changed = len(v.changes(group))
    if written.is_lead:
        return f"robust ({n} of {n} hold)" if not changed else f"not robust: {changed} of {n} change it"
    return "no lead to hold" + (f"; {changed} of {n} give one" if changed else "")


def claim_words(claim) -> str:
    """A variant's claim with its counts: "CNN leads, CNN 86 vs LSTM 36"."""
    what = f"{claim.leader} leads" if claim.is_lead else claim.kind
    if claim.runner_up is None:
        return f"{what}, {claim.leader} {thousands(claim.counts.get(claim.leader, 0))}"
    return (f"{what}, {claim.leader} {thousands(claim.counts[claim.leader])} vs {claim.runner_up} "
            f"{thousands(claim.counts[claim.runner_up])}")


def changes_cell(v: TaskRobustness) -> str:
    """Every counted variant under which another method clearly leads, or the lead as written is lost."""
    text = "; ".join(f"{name}: {claim_words(v.claims[name])}" for name in v.changes()) or "no variant"
    if v.missing:
        text += f"; {len(v.missing)} not counted"
    return text


def section(data: list[SourceRobustness], query_shown: str, figures: dict[str, Path | None] | None = None,
            link=lambda path, alt: "") -> str:
    """Markdown: per source and window, each task's claim as written, its robustness to each group of
    variants, and every variant that changes it."""
    out = ["Each task's claim under variants of the query derived from the query file, in two groups reported "
           f"apart: variants applied to **{ALIKE}** (every method by the term in the same place, exact "
           "against stemmed terms where the source can search both, titles only, the tasks without their "
           f"synonyms) and variants that change **{ONE_METHOD}** (one method by one of its terms, the others "
           "whole; these move close comparisons mechanically). Each variant's claim follows the headline's "
           "rule (Holm across the tasks of the variant's table). A lead is robust to a group when it holds, "
           "clearly, under every variant of the group. The last column lists every variant under which "
           "another method clearly leads, a lead as written is lost, or a method clearly leads where the file "
           "as written has no clear leader, with its counts; the specification curve colours the same variants "
           "from the same verdicts."]
    if not data:
        return "\n\n".join(out + ["No source has counts in the cache, so there are no variants to compare."])
    for d in data:
        variants = count_of(len(d.variants) - 1, "variant")
        if not d.counted:
            out.append(f"`{d.source}`: the variants are not counted yet; `survey robustness -q {query_shown} "
                       f"-s {d.source}` counts and caches them ({variants}).")
            continue
        body = []
        shown = [v for v in d.verdicts if BASELINE in v.leaders]  # the file's own counts missing: nothing to compare
        for v in shown:
            body.append([v.window, v.task, leader_cell(v), *(group_cell(v, g) for g in GROUPS), changes_cell(v)])
        leads = [v for v in shown if v.written.is_lead]
        per_group = "; ".join(f"{sum(1 for v in leads if v.robust_to(g))} robust to {g}" for g in GROUPS)
        sizes = ", ".join(f"{sum(1 for g2 in d.groups.values() if g2 == g)} {g}" for g in GROUPS)
        out.append(f"`{d.source}` ({variants}: {sizes}; of {count_of(len(leads), 'lead')} as written, "
                   f"{per_group}):\n\n" + markdown_rows(
                       ["window", "task", "claim as written", ALIKE, ONE_METHOD,
                        "variants that change the claim (their claim and counts)"], body, "llllll"))
        figure = (figures or {}).get(d.source)
        link_text = link(figure, f"specification curve, {d.source}") if figure is not None else ""
        if link_text:  # no way to link it: no empty paragraph
            out.append(link_text)
    out.append(f"Every variant's counts per method: `survey robustness -q {query_shown} -s SOURCE --format csv`.")
    return "\n\n".join(out)


# The curve's colours, from the side of the method most matched as written.
AS_WRITTEN, THIS_LEADS, NO_LEAD, OTHER_LEADS = ("as written", "this method leads clearly", "no clear leader",
                                                 "another method leads clearly")
COLOURS = {AS_WRITTEN: "black", THIS_LEADS: "#0072B2", NO_LEAD: "#999999", OTHER_LEADS: "#D55E00"}


@dataclass(frozen=True)
class Point:
    """One variant's point on one task's panel of the curve."""

    variant: str
    group: str
    share: float | None  # the written leader's share of the task's method matches; None: no match at all
    low: float | None
    high: float | None
    colour: str  # AS_WRITTEN, THIS_LEADS, NO_LEAD or OTHER_LEADS: from the variant's claim
    change: bool  # whether the table lists the variant as changing the claim (the same verdict)


def curve_points(d: SourceRobustness, window: str) -> dict[str, list[Point]]:
    """Per task with a leader as written and a counted variant, a point per counted variant in the order of
    ``d.variants``, coloured from the claims the table reads."""
    totals: dict[tuple, int] = {}
    for r in d.rows:
        if r.count is not None:
            totals[(r.window, r.task, r.variant)] = totals.get((r.window, r.task, r.variant), 0) + r.count
    order = {name: i for i, name in enumerate(d.variants)}
    out = {}
    for v in d.verdicts:
        if v.window != window or v.leader is None or len(v.leaders) < 2:
            continue
        points = []
        for r in sorted(leader_shares(v, d.rows), key=lambda r: order.get(r.variant, len(order))):
            claim = v.claims[r.variant]
            colour = (AS_WRITTEN if r.variant == BASELINE else OTHER_LEADS if claim.is_lead and
                      claim.leader != v.leader else THIS_LEADS if claim.is_lead else NO_LEAD)
            n = totals[(r.window, r.task, r.variant)]
            share, low, high = (r.count / n, *wilson(r.count, n)) if n else (None, None, None)
            points.append(Point(r.variant, v.groups.get(r.variant, ALIKE), share, low, high, colour,
                                r.variant != BASELINE and v.outcome(r.variant) in CHANGES))
        out[v.task] = points
    return out


def specification_curve(d: SourceRobustness, window: str, path: Path) -> Path | None:
    """One panel per task: the written leader's share under each counted variant with its 95% interval,
    variants named on the shared axis and grouped; None if nothing to draw. Sized for an A4 page."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    from survey.reporting.figures import _save

    panels = curve_points(d, window)
    if not panels:
        return None
    names = [n for n in d.variants if any(p.variant == n for ps in panels.values() for p in ps)]
    # A long name keeps the part before its colon ("every method by term 2 only"); the table has it whole.
    shown = [n.partition(":")[0] if len(n) > 40 else n for n in names]
    y = {n: i for i, n in enumerate(names)}
    cols = 1 if len(panels) == 1 else 2 if len(panels) <= 4 else 3
    rows = -(-len(panels) // cols)
    label_width = min(3.4, 0.4 + 0.062 * max(len(n) for n in shown))  # inches for the variant names at 8 pt
    width = 8.0
    # An A4 page holds about 10.4 inches of panels under the title and legend: rows shrink to fit, not below 7 pt.
    row = min(0.17, (9.9 / rows - 0.75) / len(names))
    panel_height = 0.75 + row * len(names)  # the panel's title takes two lines
    height = rows * panel_height + 1.5
    tick_size = 8 if row >= 0.14 else 7
    methods = len({r.method for r in d.rows})
    with matplotlib.rc_context({"font.size": 8, "axes.titlesize": 8.5, "xtick.labelsize": 8,
                                "ytick.labelsize": tick_size, "axes.spines.top": False,
                                "axes.spines.right": False}):
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(left=label_width / width, right=1 - 0.15 / width, top=1 - 0.9 / height,
                            bottom=1.1 / height, hspace=0.75 / (panel_height - 0.75), wspace=0.2)
        axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
        for ax, (task, points) in zip(axes, panels.items()):
            leader = next(v.leader for v in d.verdicts if v.window == window and v.task == task)
            ax.set_title(f"{task}\n({leader} as written)")
            ax.axvline(1 / max(1, methods), color="grey", lw=0.8, ls="--")
            for group_start in [i for i, n in enumerate(names) if i and d.groups.get(n) != d.groups.get(names[i - 1])]:
                ax.axhline(group_start - 0.5, color="#cccccc", lw=0.6)
            for p in points:
                at = y[p.variant]
                if p.share is None:
                    ax.text(0.02, at, "no match", va="center", fontsize=7, color="#666666")
                    continue
                ax.errorbar([p.share], [at], xerr=[[max(0.0, p.share - p.low)], [max(0.0, p.high - p.share)]],
                            fmt="o" if p.group != ONE_METHOD else "^", ms=4, capsize=1.5, lw=0.9,
                            color=COLOURS[p.colour], mfc=COLOURS[p.colour] if not p.change else "white")
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        axes[0].set_yticks(range(len(names)), shown)
        axes[0].set_ylim(len(names) - 0.5, -0.5)
        axes[0].set_xlim(0, 1)
        axes[0].set_xticks([0, 0.5, 1])  # three labels: panels side by side must not run into each other
        axes[0].set_xticks([0.25, 0.75], minor=True)
        axes[0].xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0, symbol=""))
        for ax in axes[max(0, len(panels) - cols):len(panels)]:
            ax.xaxis.set_tick_params(labelbottom=True)
        fig.supxlabel("% of the task's method matches that are the method most matched as written "
                      f"(dashed: an equal share, 1 in {methods})", y=0.78 / height, fontsize=8)
        handles = [Line2D([], [], color=COLOURS[k], marker="o", lw=0, label=k) for k in COLOURS]
        handles += [Line2D([], [], color="#555555", marker="o", lw=0, mfc="white", label="changes the claim (listed)"),
                    Line2D([], [], color="#555555", marker="^", lw=0, label=ONE_METHOD)]
        fig.legend(handles=handles, loc="lower center", ncols=3, frameon=False, fontsize=8)
        fig.suptitle(f"{d.source}, {window}: each task's leader across query variants\n(95% intervals; colour: "
                     "the variant's Holm-adjusted claim)", fontsize=9, y=1 - 0.1 / height, va="top")
        return _save(fig, path)


def applies(ctx) -> bool:
    """Only with counts: variants are compared against the file's own."""
    return bool(ctx.with_data)


def render(ctx) -> str:
    """The section from the report's context; the variants' plan items go to the manifest (``ctx.variant_items``)."""
    data = gather(ctx.matrix, ctx.instances, ctx.store, ctx.with_data)
    ctx.variant_items = [i for d in data for i in d.items]
    curves = {}
    for d in data:
        if d.counted:
            curves[d.source] = specification_curve(d, ctx.matrix.windows[0].name,
                                                   ctx.figure(f"{slug(d.source)}_specification_curve"))
    return section(data, ctx.query_shown, curves, ctx.link)
