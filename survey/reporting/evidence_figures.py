"""Figures that show the evidence: shares per task and year, Wilson bands, fitted joinpoint segments.

Same conventions as ``figures``: Okabe-Ito colours and distinct markers per method, sized for
GitHub's content column, no pyplot. Years where a task's methods together match fewer than the
minimum are drawn faint rather than dropped; years not yet complete are drawn hollow and
are not part of any fit.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from survey.reporting.figures import FIT_LEGEND, STYLE, WIDTH, _grid, _ordered, _save, _year_axis, colour, draw_fit, marker

FAINT = 0.25


def _logistic(eta):
    return 1 / (1 + np.exp(-eta))


def share_bands(
    shares: pd.DataFrame, source: str, path: Path, *, fits: dict | None = None, min_total: int = 10,
    incomplete_from: int | None = None, methods: list[str] | None = None, tasks: list[str] | None = None,
) -> Path | None:
    """One panel per task: each method's share of the year's method matches, its 95% band, its fit.

    ``shares``: task, method, year, share, ci_low, ci_high, total (the year's method matches).
    ``fits``: (task, method) -> the share's joinpoint fit, drawn where it found a change.
    """
    frame = shares.dropna(subset=["share"])
    if frame.empty:
        return None
    frame = frame.assign(year=frame["year"].astype("int64"))
    methods = _ordered(frame["method"], methods)
    tasks = _ordered(frame["task"], tasks)
    rows, cols = _grid(len(tasks))
    spare = rows * cols - len(tasks)
    height = 2.5 * rows + (1.2 if spare else 1.6)
    fits = fits or {}
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, height))
        fig.subplots_adjust(left=0.8 / WIDTH, right=1 - 0.2 / WIDTH, top=1 - 0.95 / height,
                            bottom=(0.55 if spare else 1.25) / height, hspace=0.5, wspace=0.25)
        axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
        fitted = False
        for ax, task in zip(axes, tasks):
            part = frame[frame["task"] == task]
            ax.axhline(0.5, color="#777777", lw=0.8, ls=":", zorder=1)
            for i, method in enumerate(methods):
                s = part[part["method"] == method].sort_values("year")
                if s.empty:
                    continue
                c = colour(i)
                # Years under the minimum (and the incomplete one) break the line and band instead of
                # being bridged, so a run of faint points never reads as a measured trend.
                years = pd.RangeIndex(int(s["year"].min()), int(s["year"].max()) + 1)
                solid = s.set_index("year").reindex(years)
                weak = (solid["total"] < min_total) | solid["total"].isna()
                if incomplete_from is not None:
                    weak |= solid.index >= incomplete_from
                solid = solid.mask(weak, axis=0)
                ax.fill_between(solid.index, solid["ci_low"].astype(float), solid["ci_high"].astype(float), color=c,
                                alpha=0.18, lw=0)
                ax.plot(solid.index, solid["share"].astype(float), color=c, lw=1.6, zorder=3)
                complete = s if incomplete_from is None else s[s["year"] < incomplete_from]
                strong = complete["total"] >= min_total
                # Markers as marker-only lines, not scatter: a tenth of the drawing time.
                ax.plot(complete["year"][strong], complete["share"][strong], ls="none", color=c, marker=marker(i),
                        ms=4.5, zorder=4)
                ax.plot(complete["year"][~strong], complete["share"][~strong], ls="none", color=c, marker=marker(i),
                        ms=4.5, alpha=FAINT, zorder=4)
                if incomplete_from is not None:
                    late = s[s["year"] >= incomplete_from]
                    ax.plot(late["year"], late["share"], ls="none", marker=marker(i), ms=5.5, mfc="white", mec=c,
                            mew=1.3, zorder=4)
                fitted = draw_fit(ax, fits.get((task, method)), c, _logistic) or fitted
            ax.set_title(task)
            ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            _year_axis(ax)
        for ax in axes[len(tasks):]:
            ax.set_visible(False)
        for ax in axes[max(0, len(tasks) - cols):len(tasks)]:
            ax.xaxis.set_tick_params(labelbottom=True)
        handles = [Line2D([], [], color=colour(i), marker=marker(i), lw=1.6, label=m) for i, m in enumerate(methods)]
        handles += [
            *([Line2D([], [], color="#555555", ls="--", lw=1.3, marker="|", ms=10, mew=2, label=FIT_LEGEND)]
              if fitted else []),
            Line2D([], [], color="#555555", marker="o", lw=0, alpha=FAINT, label=f"under {min_total} matches that year"),
            Line2D([], [], color="#555555", marker="o", lw=0, markerfacecolor="white", label="year incomplete (not fitted)"),
        ]
        if spare:
            axes[-1].set_visible(True)
            axes[-1].axis("off")
            axes[-1].legend(handles=handles, loc="center", frameon=False, fontsize=9)
        else:
            fig.legend(handles=handles, loc="lower center", ncols=min(len(handles), 3), frameon=False,
                       bbox_to_anchor=(0.5, 0.0), fontsize=9)
        fig.suptitle(f"{source}: each method's share of the year's method matches,\n"
                     "with 95% Wilson bands and the fitted segments", fontsize=12, y=1 - 0.15 / height, va="top")
        fig.supylabel("share of method matches", x=0.12 / WIDTH, ha="left")
        return _save(fig, path)
