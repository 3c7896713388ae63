"""The report's figures, decision by decision: what is drawn from which numbers, how it is labelled and
styled, and when nothing is drawn. Each test reads the Figure the function built (``_save`` captured),
not its pixels; one test saves a real PNG."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from figurekit import capture_figures
from survey.reporting import figures
from survey.reporting.figures import INCOMPLETE, OKABE_ITO, PALETTE

BLUE, VERMILLION, GREEN = OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish green"]


@pytest.fixture
def drawn(monkeypatch):
    """The figures built, instead of their PNG files (each function's return value is still the path)."""
    return capture_figures(monkeypatch, figures)


def line(ln):
    """A Line2D as plain values: x, y, and the style that carries meaning."""
    return {"x": [float(v) for v in ln.get_xdata()], "y": [float(v) for v in ln.get_ydata()],
            "label": ln.get_label(), "color": ln.get_color(), "marker": ln.get_marker(), "ls": ln.get_linestyle(),
            "lw": ln.get_linewidth(), "ms": ln.get_markersize()}


def hollow(ln):
    return (ln.get_markerfacecolor(), ln.get_markeredgecolor(), ln.get_markeredgewidth(), ln.get_zorder())


def labels_below(ax):
    return ax.xaxis._major_tick_kw.get("label1On", True)


def legend_texts(legend):
    return [t.get_text() for t in legend.get_texts()]


def counts(rows):
    return pd.DataFrame(rows, columns=["method", "task", "year", "count"])


# ------------------------------------------------------------------ small helpers


def test_colour_and_marker_cycle():
    assert [figures.colour(i) for i in (0, 1, 7, 8, 9)] == ["#0072B2", "#D55E00", "#F0E442", "#0072B2", "#D55E00"]
    assert [figures.marker(i) for i in (0, 1, 7, 8, 9)] == ["o", "s", "*", "o", "s"]
    assert len(PALETTE) == 8


def test_grid_for_each_panel_count():
    assert [figures._grid(n) for n in range(1, 10)] == [
        (1, 1), (1, 2), (2, 2), (2, 2), (2, 3), (2, 3), (2, 4), (2, 4), (3, 4)]


def test_ordered_follows_the_query_file_then_first_seen():
    values = ["CNN", "GRU", "CNN", "LSTM"]
    assert figures._ordered(values, None) == ["CNN", "GRU", "LSTM"]
    assert figures._ordered(values, []) == ["CNN", "GRU", "LSTM"]
    # BERT is not present: left out; GRU is not in the order: after the ordered ones
    assert figures._ordered(values, ["LSTM", "BERT", "CNN"]) == ["LSTM", "CNN", "GRU"]


def test_year_axis_ticks_are_whole_years_about_six():
    ax = Figure().subplots()
    figures._year_axis(ax)
    loc = ax.xaxis.get_major_locator()
    assert list(loc.tick_values(2019, 2021)) == [2019, 2020, 2021]
    assert list(loc.tick_values(2010, 2024)) == [2010, 2015, 2020, 2025]


def test_incomplete_years_shaded_from_the_first_incomplete_one():
    ax = Figure().subplots()
    assert figures._incomplete(ax, [2019, 2020], None) is False
    assert figures._incomplete(ax, [], 2020) is False
    assert figures._incomplete(ax, (y for y in [2018, 2019]), 2020) is False
    assert len(ax.patches) == 0
    assert figures._incomplete(ax, (y for y in [2018, 2020, 2019]), 2020) is True  # the last year is the first incomplete
    assert figures._incomplete(ax, [2018, 2022], 2020) is True
    spans = [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches]
    assert spans == [(2019.5, 2020.5), (2019.5, 2022.5)]
    p = ax.patches[0]
    assert (p.get_facecolor(), p.get_zorder(), p.get_linewidth()) == ((221 / 255,) * 3 + (1.0,), 0, 0)


def test_legend_adds_the_shading_only_where_shaded():
    ax = Figure().subplots()
    ax.plot([1], [1], label="LSTM")
    handles, labels = figures._legend(ax, False)
    assert labels == ["LSTM"] and len(handles) == 1
    handles, labels = figures._legend(ax, True)
    assert labels == ["LSTM", "year incomplete (hollow)"]
    assert handles[1].get_label() == "year incomplete (hollow)"
    assert handles[1].get_facecolor() == (221 / 255,) * 3 + (1.0,)
    assert INCOMPLETE == "#dddddd"


def test_save_writes_a_png_at_100_dpi_without_software_stamp(tmp_path):
    fig = Figure(figsize=(2.0, 1.5), dpi=50)
    fig.subplots().plot([0, 1], [0, 1])
    out = figures._save(fig, str(tmp_path / "new" / "dir" / "figure"))  # folders made; PNG whatever the name
    assert out == tmp_path / "new" / "dir" / "figure"
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (200, 150)  # the figure's inches at 100 dpi, not its own 50
    assert b"Software" not in data and b"matplotlib" not in data
    again = figures._save(fig, tmp_path / "new" / "dir" / "second.png")  # the folder exists already
    assert again.read_bytes() == data


# ------------------------------------------------------------------ counts per year


def test_counts_by_year_draws_nothing_without_a_positive_count(tmp_path, drawn):
    empty = counts([])
    assert figures.counts_by_year(empty, "s", tmp_path / "a.png") is None
    assert figures.counts_by_year(counts([["LSTM", "QA", 2020, 0], ["CNN", "QA", 2021, 0]]), "s", "b.png") is None
    assert figures.counts_by_year(counts([["LSTM", "QA", 2020, None], ["CNN", "QA", 2021, None]]), "s", "c.png") is None
    assert drawn == []
    # one record is enough, wherever it is
    assert figures.counts_by_year(counts([["LSTM", "QA", 2020, 0], ["CNN", "QA", 2021, 1]]), "s", "d.png") == "d.png"
    assert len(drawn) == 1


def test_counts_by_year_drops_only_rows_without_a_count(drawn):
    frame = counts([["LSTM", "QA", 2019, 2], ["LSTM", "QA", 2020, 3]]).assign(note=[None, "revised"])
    figures.counts_by_year(frame, "s", "a.png")
    assert line(drawn[0].axes[0].lines[0])["x"] == [2019, 2020]


def test_counts_by_year_two_panels_legend_below(drawn):
    frame = counts([
        ["LSTM", "QA", 2020.0, 5], ["LSTM", "QA", 2019.0, 3], ["CNN", "QA", 2019.0, 4], ["CNN", "QA", 2020.0, None],
        ["LSTM", "NER", 2019.0, 7], ["CNN", "NER", 2019.0, 1], ["CNN", "NER", 2020.0, 2],
    ])
    assert figures.counts_by_year(frame, "openalex", "out.png", methods=["CNN", "BERT", "LSTM"],
                                  tasks=["NER", "QA"]) == "out.png"
    (fig,) = drawn
    height = 2.4 + 1.3
    assert tuple(fig.get_size_inches()) == pytest.approx((10.0, height))
    sp = fig.subplotpars
    assert (sp.left, sp.right, sp.top, sp.bottom, sp.hspace, sp.wspace) == pytest.approx(
        (0.08, 0.98, 1 - 0.75 / height, 1.05 / height, 0.5, 0.32))
    ner, qa = fig.axes
    assert [ner.get_title(), qa.get_title()] == ["NER", "QA"]
    assert ner.get_shared_x_axes().joined(ner, qa)
    assert ner.get_title(loc="center") == "NER" and ner.title.get_fontsize() == 12
    # CNN first (the query file's order), blue circles; LSTM vermillion squares; no dotted part
    assert [line(ln) for ln in ner.lines] == [
        {"x": [2019, 2020], "y": [1, 2], "label": "CNN", "color": BLUE, "marker": "o", "ls": "-", "lw": 2.0, "ms": 4.5},
        {"x": [2019], "y": [7], "label": "LSTM", "color": VERMILLION, "marker": "s", "ls": "-", "lw": 2.0, "ms": 4.5},
    ]
    # the missing count is left out, years sorted
    assert [line(ln)["x"] for ln in qa.lines] == [[2019], [2019, 2020]]
    assert [line(ln)["y"] for ln in qa.lines] == [[4], [3, 5]]
    assert np.asarray(qa.lines[1].get_xdata()).dtype.kind == "i"
    assert np.asarray(qa.lines[1].get_ydata()).dtype.kind == "i"  # whole counts although one was missing
    assert not qa.patches  # nothing shaded
    for ax in (ner, qa):
        assert ax.get_ylim()[0] == 0
        assert labels_below(ax)
        fmt, loc = ax.yaxis.get_major_formatter(), ax.yaxis.get_major_locator()
        assert fmt(12345.4) == "12,345"
        assert list(loc.tick_values(0, 2)) == [0, 1, 2]
        assert list(loc.tick_values(0, 100)) == [0, 25, 50, 75, 100]
        assert list(ax.xaxis.get_major_locator().tick_values(2010, 2024)) == [2010, 2015, 2020, 2025]
    (legend,) = fig.legends
    assert legend_texts(legend) == ["CNN", "LSTM"]
    assert (legend._loc, legend._ncols, legend.get_frame_on()) == (8, 2, False)  # 8: lower center
    assert tuple(legend.get_bbox_to_anchor().transformed(fig.transFigure.inverted()).p0) == pytest.approx((0.5, 0.0))
    assert fig._suptitle.get_text() == "openalex: records matching each method per year, by task"
    assert (fig._suptitle.get_fontsize(), fig._suptitle.get_position()[1], fig._suptitle.get_va()) == pytest.approx(
        (13, 1 - 0.2 / height, "top"))
    assert (fig._supxlabel.get_text(), fig._supxlabel.get_position()[1], fig._supxlabel.get_va()) == pytest.approx(
        ("publication year", 0.45 / height, "bottom"))
    assert (fig._supylabel.get_text(), fig._supylabel.get_position()[0], fig._supylabel.get_ha()) == pytest.approx(
        ("matching records per year", 0.012, "left"))


def test_counts_by_year_legend_below_keys_the_shading(drawn):
    frame = counts([["LSTM", "QA", 2019, 1], ["LSTM", "QA", 2020, 2], ["LSTM", "NER", 2019, 3], ["LSTM", "NER", 2020, 4]])
    figures.counts_by_year(frame, "s", "a.png", incomplete_from=2020)
    (legend,) = drawn[0].legends
    assert legend_texts(legend) == ["LSTM", "year incomplete (hollow)"]
    lstm, shading = legend.legend_handles
    assert (lstm.get_color(), lstm.get_marker()) == (BLUE, "o")
    assert shading.get_facecolor() == (221 / 255,) * 3 + (1.0,)
    assert legend._ncols == 2


def test_counts_by_year_five_panels_incomplete_year_hollow(drawn):
    rows = []
    for task in ("A", "B", "C", "D"):
        rows += [["LSTM", task, 2018, 1], ["LSTM", task, 2019, 2]]
    # E: two finished years, then two incomplete ones (the first incomplete year counts as incomplete)
    rows += [["LSTM", "E", 2017, 3], ["LSTM", "E", 2018, 4], ["LSTM", "E", 2019, 5], ["LSTM", "E", 2020, 6],
             ["GRU", "E", 2019, 8]]
    figures.counts_by_year(counts(rows), "dblp", "f.png", incomplete_from=2019)
    (fig,) = drawn
    height = 2 * 2.4 + 1.3
    assert tuple(fig.get_size_inches()) == pytest.approx((10.0, height))
    assert (fig.subplotpars.top, fig.subplotpars.bottom) == pytest.approx((1 - 0.75 / height, 0.75 / height))
    axes = fig.axes
    assert len(axes) == 6
    assert [ax.get_title() for ax in axes] == ["A", "B", "C", "D", "E", ""]
    # the panels with none below them show their years: C (top right), D and E (bottom row)
    assert [labels_below(ax) for ax in axes[:5]] == [False, False, True, True, True]
    e = axes[4]
    lstm, joined, late, gru, gru_joined, gru_late = e.lines
    assert line(lstm) == {"x": [2017, 2018], "y": [3, 4], "label": "LSTM", "color": BLUE, "marker": "o", "ls": "-",
                          "lw": 2.0, "ms": 4.5}
    # dotted from the last finished year only
    assert (line(joined)["x"], line(joined)["y"], joined.get_color(), joined.get_linestyle(),
            joined.get_linewidth()) == ([2018, 2019, 2020], [4, 5, 6], BLUE, ":", 1.2)
    assert (line(late)["x"], line(late)["y"], late.get_linestyle(), late.get_marker(), late.get_markersize()) == (
        [2019, 2020], [5, 6], "None", "o", 5.5)
    assert hollow(late) == ("white", BLUE, 1.3, 4)
    assert (line(gru)["x"], line(gru_joined)["x"], line(gru_late)["x"]) == ([], [2019], [2019])
    assert (gru_late.get_marker(), hollow(gru_late)) == ("s", ("white", VERMILLION, 1.3, 4))
    # shaded in every panel that reaches 2019; the legend says so although the last panel is E
    assert [[(p.get_x(), p.get_width()) for p in ax.patches] for ax in axes[:5]] == [[(2018.5, 1.0)]] * 4 + [[(2018.5, 2.0)]]
    spare = axes[5]
    assert spare.get_visible() and not spare.axison
    legend = spare.get_legend()
    assert legend_texts(legend) == ["LSTM", "GRU", "year incomplete (hollow)"]
    assert (legend.get_title().get_text(), legend._loc, legend.get_frame_on()) == ("method", 10, False)  # 10: center
    assert fig.legends == []
    assert fig._supxlabel.get_position()[1] == pytest.approx(0.12 / height)


def test_counts_by_year_seven_panels_hides_the_unused_one(drawn):
    rows = [["LSTM", t, 2020, 1] for t in "ABCDEFG"]
    figures.counts_by_year(counts(rows), "s", "g.png", incomplete_from=2021)  # nothing incomplete yet
    (fig,) = drawn
    axes = fig.axes
    assert [ax.get_visible() for ax in axes] == [True] * 7 + [True]  # the eighth holds the legend
    assert legend_texts(axes[7].get_legend()) == ["LSTM"]
    assert [labels_below(ax) for ax in axes[:7]] == [False, False, False, True, True, True, True]
    assert all(ax.patches == [] or len(ax.patches) == 0 for ax in axes)


def test_counts_by_year_hides_panels_beyond_the_legend(drawn):
    # 9 tasks: a 3 x 4 grid, three spare; the two before the last are hidden, the last holds the legend
    figures.counts_by_year(counts([["LSTM", t, 2020, 1] for t in "ABCDEFGHI"]), "s", "h.png")
    axes = drawn[0].axes
    assert [ax.get_visible() for ax in axes[9:]] == [False, False, True]
    assert [labels_below(ax) for ax in axes[:9]] == [False] * 5 + [True] * 4


# ------------------------------------------------------------------ per 1,000 records


def test_normalised_by_year_rates_only_where_the_year_total_is_known(drawn):
    frame = counts([
        ["LSTM", "QA", 2019.0, 5], ["LSTM", "QA", 2020.0, 7], ["LSTM", "QA", 2021.0, 3], ["LSTM", "QA", 2022.0, 9],
        ["CNN", "QA", 2019.0, 1], ["CNN", "QA", 2021.0, None],
    ]).assign(note=None)
    totals = {2019: 2000, 2020: 0, 2021: 500, "2022": None}
    assert figures.normalised_by_year(frame, totals, "crossref", "n.png", methods=["CNN", "LSTM"]) == "n.png"
    (fig,) = drawn
    (ax,) = fig.axes
    # the query file's order: CNN first, in blue
    assert [(line(ln)["label"], line(ln)["color"], line(ln)["x"], line(ln)["y"]) for ln in ax.lines] == [
        ("CNN", BLUE, [2019], [0.5]), ("LSTM", VERMILLION, [2019, 2021], [2.5, 6.0])]
    assert np.asarray(ax.lines[1].get_xdata()).dtype.kind == "i"
    assert fig._suptitle.get_text() == "crossref: matches per 1,000 records of the same year, by task"
    assert fig._supylabel.get_text() == "matching records per 1,000 records"
    fmt, loc = ax.yaxis.get_major_formatter(), ax.yaxis.get_major_locator()
    assert fmt(1234.5) == "1,234.5"  # rates keep their decimals
    assert list(loc.tick_values(0, 2)) == [0, 0.5, 1, 1.5, 2]


def test_normalised_by_year_other_base_and_nothing_to_draw(drawn):
    # a single record per year is enough
    assert figures.normalised_by_year(counts([["LSTM", "QA", 2019, 1]]), {2019: 100}, "s", "one.png") == "one.png"
    drawn.clear()
    frame = counts([["LSTM", "QA", 2019, 0], ["LSTM", "QA", 2022, 4]])
    # the only positive count has no year total: nothing to draw
    assert figures.normalised_by_year(frame, {2019: 100}, "s", "a.png") is None
    assert figures.normalised_by_year(frame, {2023: 100}, "s", "b.png") is None
    assert figures.normalised_by_year(counts([]), {2019: 100}, "s", "c.png") is None
    assert drawn == []
    figures.normalised_by_year(frame, {2022: 8000, 2019: 100}, "s", "d.png", per=10_000, incomplete_from=2022,
                               methods=["LSTM"], tasks=["QA"])
    (fig,) = drawn
    assert fig._suptitle.get_text() == "s: matches per 10,000 records of the same year, by task"
    ax = fig.axes[0]
    assert [(line(ln)["x"], line(ln)["y"]) for ln in ax.lines] == [([2019], [0.0]), ([2019, 2022], [0.0, 5.0]),
                                                                   ([2022], [5.0])]


# ------------------------------------------------------------------ experiment


def summary(task, model, mean, std=None, seeds=None):
    return {"task": task, "model": model, "accuracy_mean": mean, "accuracy_std": std, "n_seeds": seeds}


def errorbars(ax):
    out = []
    for c in ax.containers:
        data, caps, bars = c.lines
        segs = bars[0].get_segments()
        out.append((c.get_label(), [round(float(x), 9) for x in data.get_xdata()],
                    [round(float(y), 9) for y in data.get_ydata()], [round(float(s[1][1] - s[0][1]) / 2, 9) for s in segs]))
    return out


def test_experiment_accuracy_nothing_without_a_mean(drawn):
    assert figures.experiment_accuracy([], "a.png") is None
    assert figures.experiment_accuracy([summary("QA", "LSTM", None)], "b.png") is None
    assert drawn == []


def test_experiment_accuracy_points_bars_and_labels(drawn):
    rows = [summary("QA", "LSTM", 0.8, 0.02, 3), summary("QA", "CNN", 0.7, None, 5),
            summary("NER", "LSTM", 0.9, 0.01, 3), summary("NER", "GRU", None), summary("POS", "CNN", 0.6, 0.0, None)]
    assert figures.experiment_accuracy(rows, "e.png", device="cuda") == "e.png"
    (fig,) = drawn
    assert tuple(fig.get_size_inches()) == (10.0, 5.0)
    ax = fig.axes[0]
    # two models: width 0.4; LSTM left of each task's centre, CNN right; a missing pair leaves no point
    assert errorbars(ax) == [
        ("LSTM", [-0.2, 0.8], [80.0, 90.0], [2.0, 1.0]),
        ("CNN", [0.2, 2.2], [70.0, 60.0], [0.0, 0.0]),
    ]
    lstm, cnn = ax.containers
    data, caps, bars = lstm.lines
    assert (data.get_marker(), data.get_color(), data.get_markersize(), data.get_linewidth()) == ("o", BLUE, 8, 0)
    assert (cnn.lines[0].get_marker(), cnn.lines[0].get_color()) == ("s", VERMILLION)
    assert caps[0].get_markersize() == 8  # capsize 4
    assert bars[0].get_linewidth() == pytest.approx([1.5])
    assert [(ln.get_xdata()[0], ln.get_color(), ln.get_linewidth(), ln.get_zorder()) for ln in ax.lines
            if ln.get_linestyle() == "-" and len(ln.get_xdata()) == 2 and ln.get_xdata()[0] == ln.get_xdata()[1]] == [
        (0.5, "#cccccc", 1, 0), (1.5, "#cccccc", 1, 0)]
    assert list(ax.get_xticks()) == [0, 1, 2]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["QA", "NER", "POS"]
    assert ax.get_xlim() == (-0.5, 2.5)
    assert not any(g.get_visible() for g in ax.get_xgridlines())
    assert all(g.get_visible() for g in ax.get_ygridlines())
    fmt = ax.yaxis.get_major_formatter()
    assert fmt(87.5) == "88%"
    assert fmt.format_pct(87.46, 1) == "87%"  # whole percents even on a narrow axis
    assert type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("task", "test accuracy (%, mean over seeds)")
    assert ax.get_title() == ("Reference experiment: test accuracy per task and model on cuda\n"
                              "error bars: ±1 standard deviation over 3/5 seeds")
    (legend,) = fig.legends
    assert legend_texts(legend) == ["LSTM", "CNN"]
    assert (legend.get_title().get_text(), legend.get_frame_on()) == ("model", False)
    assert (legend._loc, legend._outside_loc) == (1, "right")  # outside, right, upper


def test_experiment_accuracy_one_model_no_seeds_no_device(drawn):
    figures.experiment_accuracy([summary("QA", "LSTM", 0.5)], "e.png")
    ax = drawn[0].axes[0]
    assert errorbars(ax) == [("LSTM", [0.0], [50.0], [0.0])]
    assert ax.get_title() == "Reference experiment: test accuracy per task and model"
    assert ax.get_xlim() == (-0.5, 0.5)
    assert [ln for ln in ax.lines if ln.get_color() == "#cccccc"] == []
