"""The report's figures: one function per figure, each writing one PNG and returning its path.

Every function returns None instead of drawing an empty chart, and the count figures also
instead of an all-zero one (an accuracy of 0 is a result, and is drawn). Figures are built
on ``matplotlib.figure.Figure`` (no pyplot, so no global state and no GUI backend) and saved
as PNG by the Agg renderer. Colours come from the Okabe-Ito palette, which stays distinct
under the common colour-vision deficiencies; lines also differ in marker so that a greyscale
print still separates them. Sizes are chosen for GitHub's content column (about 880 px):
10 inches at 100 dpi, scaled down a little, keeps 11 pt text legible.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",  # last: too pale for thin lines on white
}
PALETTE = list(OKABE_ITO.values())
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
DPI = 100
WIDTH = 10.0  # inches
INCOMPLETE = "#dddddd"

STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.8,
    "lines.linewidth": 2.0,
    "lines.markersize": 4.5,
    "savefig.facecolor": "white",
}


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def marker(i: int) -> str:
    return MARKERS[i % len(MARKERS)]


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # No Software/date metadata: the same data gives the same bytes, so regenerating the
    # committed report does not churn the figures in git. Written beside and renamed, so a
    # failure mid-write never leaves a partial PNG under the figure's name.
    partial = path.with_name(f".{path.name}.partial")
    try:
        fig.savefig(partial, dpi=DPI, format="png", metadata={"Software": None})
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _grid(n: int) -> tuple[int, int]:
    cols = 1 if n == 1 else 2 if n <= 4 else 3 if n <= 6 else 4
    return -(-n // cols), cols


def _ordered(values, order: list[str] | None) -> list[str]:
    """The query file's order where given (so LSTM keeps its colour in every figure), else first seen."""
    present = list(dict.fromkeys(values))
    if not order:
        return present
    return [v for v in order if v in present] + [v for v in present if v not in order]


def _year_axis(ax) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))


def _legend(ax, shaded: bool) -> tuple[list, list[str]]:
    """The axes' legend entries, plus the shading's where some years are shaded."""
    handles, labels = ax.get_legend_handles_labels()
    if shaded:
        handles.append(Patch(color=INCOMPLETE, label="year incomplete (hollow)"))
        labels.append("year incomplete (hollow)")
    return handles, labels


def draw_fit(ax, fit, c: str, inverse) -> bool:
    """A joinpoint fit's segments, dashed, with their 95% band and the joinpoints marked; nothing
    where no segment changes significantly (a flat line would read as a finding). ``inverse`` maps
    the linear predictor to the axis' scale. Returns whether anything was drawn."""
    if fit is None or not any(s.clear(fit.level) for s in fit.segments):
        return False
    xs = np.union1d(np.linspace(fit.years[0], fit.years[-1], 60), fit.joinpoints)
    low, high = fit.band(xs)
    ax.fill_between(xs, inverse(low), inverse(high), color=c, alpha=0.13, lw=0, zorder=1)
    ax.plot(xs, inverse(fit.eta(xs)), color=c, lw=1.3, ls="--", zorder=2)
    if fit.joinpoints:
        joins = np.asarray(fit.joinpoints, dtype="float64")
        ax.plot(joins, inverse(fit.eta(joins)), ls="none", marker="|", ms=14, mew=2.2, color=c, zorder=5)
    return True


FIT_LEGEND = "fitted segments,\n95% band (| joinpoint)"


def _incomplete(ax, years: Iterable[int], incomplete_from: int | None) -> bool:
    """Shade the years not yet over (or known to be partial) so a dip there is not misread."""
    years = list(years)
    if incomplete_from is None or not years or max(years) < incomplete_from:
        return False
    ax.axvspan(incomplete_from - 0.5, max(years) + 0.5, color=INCOMPLETE, zorder=0, lw=0)
    return True


def _panels(
    frame: pd.DataFrame,
    value: str,
    title: str,
    ylabel: str,
    path: Path,
    incomplete_from: int | None,
    order: tuple[list[str] | None, list[str] | None] = (None, None),
    percent: bool = False,
    fits: dict | None = None,
) -> Path | None:
    """Small multiples: one panel per task, one line per method, each panel its own y scale."""
    methods = _ordered(frame["method"], order[0])
    tasks = _ordered(frame["task"], order[1])
    rows, cols = _grid(len(tasks))
    spare = rows * cols - len(tasks)
    height = 2.4 * rows + 1.3
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, height))
        # Fixed margins in inches rather than constrained layout: the layout solver costs about a
        # second per small-multiples figure, most of the report's time budget.
        bottom = 0.75 if spare else 1.05
        fig.subplots_adjust(left=0.8 / WIDTH, right=1 - 0.2 / WIDTH, top=1 - 0.75 / height,
                            bottom=bottom / height, hspace=0.5, wspace=0.32)
        axes = fig.subplots(rows, cols, sharex=True, squeeze=False).ravel()
        shaded = fitted = False
        for ax, task in zip(axes, tasks):
            part = frame[frame["task"] == task]
            for i, method in enumerate(methods):
                series = part[part["method"] == method].sort_values("year")
                done = series if incomplete_from is None else series[series["year"] < incomplete_from]
                ax.plot(done["year"], done[value], color=colour(i), marker=marker(i), label=method)
                late = series[series["year"] >= incomplete_from] if incomplete_from is not None else series.iloc[:0]
                if not late.empty:  # the year still being indexed: hollow, joined by a dotted line
                    joined = pd.concat([done.tail(1), late])
                    ax.plot(joined["year"], joined[value], color=colour(i), ls=":", lw=1.2)
                    ax.plot(late["year"], late[value], ls="none", marker=marker(i), ms=5.5, mfc="white",
                            mec=colour(i), mew=1.3, zorder=4)
                fitted = draw_fit(ax, (fits or {}).get((task, method)), colour(i), np.exp) or fitted
            shaded = _incomplete(ax, part["year"], incomplete_from) or shaded
            ax.set_title(task)
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=not percent))
            ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}" if not percent else "{x:,g}"))
            _year_axis(ax)
        for ax in axes[len(tasks):]:
            ax.set_visible(False)
        for ax in axes[max(0, len(tasks) - cols):len(tasks)]:
            ax.xaxis.set_tick_params(labelbottom=True)
        handles, labels = _legend(axes[0], shaded)
        if fitted:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color="#555555", ls="--", lw=1.3, marker="|", ms=10, mew=2))
            labels.append(FIT_LEGEND)
        if spare:
            axes[-1].set_visible(True)
            axes[-1].axis("off")
            axes[-1].legend(handles, labels, loc="center", frameon=False, title="method")
        else:
            fig.legend(handles, labels, loc="lower center", ncols=len(labels), frameon=False,
                       bbox_to_anchor=(0.5, 0.0))
        fig.suptitle(title, fontsize=13, y=1 - 0.2 / height, va="top")
        fig.supxlabel("publication year", y=(0.45 if not spare else 0.12) / height, va="bottom")
        fig.supylabel(ylabel, x=0.12 / WIDTH, ha="left")
        return _save(fig, path)


def counts_by_year(
    frame: pd.DataFrame, source: str, path: Path, *, incomplete_from: int | None = None,
    methods: list[str] | None = None, tasks: list[str] | None = None, fits: dict | None = None,
) -> Path | None:
    """Per-year matches per task for each method (``frame``: method, task, year, count); ``fits``:
    (task, method) -> the count's joinpoint fit, drawn where it found a change."""
    frame = frame.dropna(subset=["count"])
    if frame.empty or not frame["count"].astype("int64").gt(0).any():
        return None
    frame = frame.assign(count=frame["count"].astype("int64"), year=frame["year"].astype("int64"))
    return _panels(
        frame, "count", f"{source}: records matching each method per year, by task",
        "matching records per year", path, incomplete_from, (methods, tasks), fits=fits,
    )


def normalised_by_year(
    frame: pd.DataFrame, totals: dict[int, int], source: str, path: Path, *, per: int = 1000,
    incomplete_from: int | None = None, methods: list[str] | None = None, tasks: list[str] | None = None,
    fits: dict | None = None,
) -> Path | None:
    """Matches per ``per`` records of that year, where the source gives the year's total; ``fits``:
    (task, method) -> the rate's joinpoint fit (per ``per`` records), drawn where it found a change."""
    frame = frame.dropna(subset=["count"])
    totals = {int(y): int(n) for y, n in totals.items() if n}
    frame = frame[frame["year"].astype("int64").isin(list(totals))]
    if frame.empty or not frame["count"].astype("int64").gt(0).any():
        return None
    year = frame["year"].astype("int64")
    frame = frame.assign(year=year, rate=frame["count"].astype("float64") * per / year.map(totals))
    return _panels(
        frame, "rate", f"{source}: matches per {per:,} records of the same year, by task",
        f"matching records per {per:,} records", path, incomplete_from, (methods, tasks), percent=True, fits=fits,
    )


def experiment_accuracy(summary: list[dict], path: Path, *, device: str | None = None) -> Path | None:
    """Mean test accuracy per task and model over seeds, with one standard deviation as bars.

    ``summary``: the summary rows of one device (the caller splits them); ``device`` names it in the title.
    """
    rows = [r for r in summary if r.get("accuracy_mean") is not None]
    if not rows:
        return None
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    models = list(dict.fromkeys(r["model"] for r in rows))
    width = 0.8 / len(models)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH, 5.0), layout="constrained")
        ax = fig.subplots()
        for i, model in enumerate(models):
            xs, ys, errs = [], [], []
            for j, task in enumerate(tasks):
                r = next((r for r in rows if r["task"] == task and r["model"] == model), None)
                if r is None:
                    continue
                xs.append(j - 0.4 + width * (i + 0.5))
                ys.append(100 * r["accuracy_mean"])
                errs.append(100 * (r.get("accuracy_std") or 0.0))
            ax.errorbar(xs, ys, yerr=errs, fmt=marker(i), color=colour(i), ms=8, capsize=4, elinewidth=1.5,
                        lw=0, label=model)
        for j in range(len(tasks) - 1):
            ax.axvline(j + 0.5, color="#cccccc", lw=1, zorder=0)  # keeps each task's models together
        ax.set_xticks(range(len(tasks)), tasks)
        ax.set_xlim(-0.5, len(tasks) - 0.5)
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_xlabel("task")
        ax.set_ylabel("test accuracy (%, mean over seeds)")
        seeds = sorted({r.get("n_seeds") for r in rows if r.get("n_seeds")})
        spread = f"error bars: ±1 standard deviation over {'/'.join(map(str, seeds))} seeds" if seeds else ""
        where = f" on {device}" if device else ""
        ax.set_title(f"Reference experiment: test accuracy per task and model{where}\n{spread}".strip())
        fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", frameon=False, title="model")
        return _save(fig, path)
