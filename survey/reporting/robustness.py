"""Report section: does each task's leader survive the query variants? With a specification curve.

``gather`` reads the variants' counts from the cache (the report counts nothing; ``survey
robustness`` does); ``section`` writes the Markdown; ``specification_curve`` draws, per task,
the share of the leader (as the file is written) under every counted variant, sorted, with
95% Wilson intervals. The figure lives here rather than in ``figures.py`` because it is this
section's alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from survey.evidence.intervals import wilson
from survey.evidence.variants import BASELINE, Row, TaskRobustness, assess, count, derive, leader_shares
from survey.reporting.text import count_of, slug
from survey.table_text import markdown_rows


@dataclass
class SourceRobustness:
    source: str
    variants: list[str]
    rows: list[Row]
    verdicts: list[TaskRobustness]
    items: list = field(default_factory=list)  # the variants' plan items with their cached counts

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


def verdict_cell(v: TaskRobustness) -> str:
    written = v.written
    if written is None:
        return "not counted"
    if not written.is_lead:
        return f"{written.kind} as written"
    if len(v.claims) < 2:
        return "only the file as written counted"
    n = len(v.claims) - 1
    parts = [f"flips in {len(v.flips)} of {n}"] if v.flips else []
    if v.weakened:
        parts.append(f"lead unclear in {len(v.weakened)} of {n}")
    return "; ".join(parts) or "robust"


def leader_cell(v: TaskRobustness) -> str:
    written = v.written
    if written is None or written.leader is None:
        return "no single leader"
    return written.leader if written.is_lead else f"{written.kind} ({written.leader} most)"


def changes_cell(v: TaskRobustness) -> str:
    changes = [f"{f} ({v.claims[f].leader})" for f in v.flips]
    changes += [f"{w} ({v.claims[w].kind})" for w in v.weakened if w not in v.flips]
    text = "; ".join(changes) or "no variant"
    if v.missing:
        text += f"; {len(v.missing)} not counted"
    return text


def section(data: list[SourceRobustness], query_shown: str, figures: dict[str, Path | None] | None = None,
            link=lambda path, alt: "") -> str:
    """Markdown: per source and window, each task's leader, whether it is robust, and what flips it."""
    out = ["Each task's leader under variants of the query derived from the query file: each method by one "
           "term at a time, every method by the term in the same place, exact against stemmed terms where the "
           "source can search both, and the tasks without their synonyms. Each variant's claim follows the "
           "headline's rules (a lead only where the 95% interval of the head-to-head share excludes parity). A "
           "lead is robust when every variant keeps it clearly; it flips where another method clearly leads a "
           "variant, and is unclear where a variant's interval includes parity."]
    if not data:
        return "\n\n".join(out + ["No source has counts in the cache, so there are no variants to compare."])
    for d in data:
        variants = count_of(len(d.variants) - 1, "variant")
        if not d.counted:
            out.append(f"`{d.source}`: the variants are not counted yet; `survey robustness -q {query_shown} "
                       f"-s {d.source}` counts and caches them ({variants}).")
            continue
        body = []
        for v in d.verdicts:
            if BASELINE not in v.leaders:
                continue  # the file's own counts are missing: nothing to compare against
            body.append([v.window, v.task, leader_cell(v), verdict_cell(v), changes_cell(v)])
        robust = sum(1 for v in d.verdicts if v.robust)
        out.append(f"`{d.source}` ({variants}; {robust} of {len(d.verdicts)} task verdicts "
                   "robust):\n\n" + markdown_rows(
                       ["window", "task", "leader as written", "verdict", "variants that change it (their claim)"],
                       body, "lllll"))
        figure = (figures or {}).get(d.source)
        shown = link(figure, f"specification curve, {d.source}") if figure is not None else ""
        if shown:  # no way to link it: no empty paragraph
            out.append(shown)
    out.append(f"Every variant's counts per method: `survey robustness -q {query_shown} -s SOURCE --format csv`.")
    return "\n\n".join(out)


def specification_curve(d: SourceRobustness, window: str, path: Path) -> Path | None:
    """Per task, the leader's share under each counted variant, sorted, with 95% intervals; None if nothing to draw.

    One axis, the tasks side by side: three errorbar calls in all, as one per point is slow to draw.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    verdicts = [v for v in d.verdicts if v.window == window and v.leader is not None and len(v.leaders) > 1]
    if not verdicts:
        return None
    totals: dict[tuple, int] = {}
    for r in d.rows:
        if r.count is not None:
            totals[(r.window, r.task, r.variant)] = totals.get((r.window, r.task, r.variant), 0) + r.count
    # Each variant coloured by its own claim (the headline's rules), from the file's leader's side.
    groups = {"as written": ([], [], [], "black"), "this method leads clearly": ([], [], [], "#0072B2"),
              "no clear leader": ([], [], [], "#999999"), "another method leads clearly": ([], [], [], "#D55E00")}
    ticks, labels, x = [], [], 0
    fig, ax = plt.subplots(figsize=(max(6.0, 0.28 * sum(len(v.leaders) + 1 for v in verdicts)), 3.4))
    for v in verdicts:
        points = []
        for r in leader_shares(v, d.rows):
            n = totals[(r.window, r.task, r.variant)]
            low, high = wilson(r.count, n)
            points.append((r.count / n, low, high, r.variant))
        points.sort()
        ticks.append(x + (len(points) - 1) / 2)
        labels.append(f"{v.task}\n({v.leader})")
        for share, low, high, variant in points:
            claim = v.claims.get(variant)
            kind = ("as written" if variant == BASELINE else
                    "no clear leader" if claim is None or not claim.is_lead else
                    "this method leads clearly" if claim.leader == v.leader else "another method leads clearly")
            xs, ys, err, _ = groups[kind]
            xs.append(x)
            ys.append(share)
            err.append((max(0.0, share - low), max(0.0, high - share)))  # a bound at 1 may be 1 - 1e-16
            x += 1
        ax.axvline(x, color="lightgrey", lw=0.6)
        x += 1
    for kind, (xs, ys, err, color) in groups.items():
        if xs:
            ax.errorbar(xs, ys, yerr=list(zip(*err)), fmt="o", ms=3.5, capsize=1.5, color=color, label=kind, lw=0.8)
    methods = len({r.method for r in d.rows})
    ax.axhline(1 / max(1, methods), color="grey", lw=0.8, ls="--")
    ax.set_xticks(ticks, labels, fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of the most-matched\nmethod as written")
    ax.set_title(f"{d.source}, {window}: each task's leader across query variants (sorted, 95% intervals)",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


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
