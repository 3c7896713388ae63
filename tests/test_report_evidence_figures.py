"""The share figure, decision by decision: which years are drawn solid, faint or hollow, where the band
and line break, which fit is drawn over which years, and the labels. Reads the Figure built (``_save``
captured), not its pixels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from figurekit import capture_figures
from survey.evidence.joinpoint import Fit, Segment
from survey.reporting import evidence_figures
from survey.reporting.figures import OKABE_ITO

BLUE, VERMILLION = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
COLUMNS = ["task", "method", "year", "share", "ci_low", "ci_high", "total"]


@pytest.fixture
def drawn(monkeypatch):
    """The figures built, instead of their PNG files (each function's return value is still the path)."""
    return capture_figures(monkeypatch, evidence_figures)


def shares(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def pts(ln):
    return ([round(float(v), 6) for v in ln.get_xdata()],
            [None if math.isnan(v) else round(float(v), 6) for v in np.asarray(ln.get_ydata(), dtype=float)])


def bands(ax):
    """Each band's pieces: the (year, bound) corners of each unbroken run, per method."""
    return [[sorted({(float(x), round(float(y), 6)) for x, y in p.vertices}) for p in c.get_paths()]
            for c in ax.collections]


def slope(a, b, start, end, p=0.01):
    """A one-segment share fit over start..end: logit share a + b (year - start)."""
    return Fit("binomial", np.arange(start, end + 1.0), (), [Segment(start, end, b, b - 0.05, b + 0.05, p)],
               np.array([a, b]), np.diag([1e-4, 1e-4]), 1.0, end - start - 1, 1.0, _x0=float(start))


QA_LSTM = [
    ("QA", "LSTM", 2016, 0.6, 0.5, 0.7, 20),
    ("QA", "LSTM", 2017, 0.5, 0.2, 0.8, 9),     # under the minimum: faint, breaks line and band
    # 2018 missing: a gap, not bridged
    ("QA", "LSTM", 2019, 0.55, 0.45, 0.65, 10),  # exactly the minimum: solid
    ("QA", "LSTM", 2020, 0.5, 0.45, 0.55, 30),
    ("QA", "LSTM", 2021, 0.4, 0.3, 0.5, 40),    # incomplete: hollow, off the line and the fit
]


def test_nothing_drawn_without_a_share(drawn):
    assert evidence_figures.share_bands(shares([]), "s", "a.png") is None
    assert evidence_figures.share_bands(shares([("QA", "LSTM", 2020, None, None, None, 0)]), "s", "b.png") is None
    assert drawn == []


def test_share_bands_two_panels(drawn):
    rows = [
        # first seen: NER and CNN; the order given puts QA and LSTM first
        ("NER", "CNN", 2018.0, 0.3, 0.2, 0.4, 12), ("NER", "CNN", 2019.0, 0.35, 0.25, 0.45, 12),
        ("NER", "CNN", 2020.0, None, None, None, 0),
        ("QA", "CNN", 2021, 0.6, 0.5, 0.7, 40),  # incomplete only: hollow, no fit though one is given
    ] + QA_LSTM
    # CNN's fit found no significant change: no curve is drawn for it
    fits = {("QA", "LSTM"): slope(0.0, 0.1, 2016, 2020), ("QA", "CNN"): slope(0.0, 0.0, 2016, 2020, p=0.5)}
    assert evidence_figures.share_bands(shares(rows), "openalex", "s.png", fits=fits, incomplete_from=2021,
                                        methods=["LSTM", "CNN"], tasks=["QA", "NER"]) == "s.png"
    (fig,) = drawn
    height = 2.5 + 1.6
    assert tuple(fig.get_size_inches()) == pytest.approx((10.0, height))
    sp = fig.subplotpars
    assert (sp.left, sp.right, sp.top, sp.bottom, sp.hspace, sp.wspace) == pytest.approx(
        (0.08, 0.98, 1 - 0.95 / height, 1.25 / height, 0.5, 0.25))
    qa, ner = fig.axes
    assert [qa.get_title(), ner.get_title()] == ["QA", "NER"]
    assert qa.get_shared_x_axes().joined(qa, ner) and qa.get_shared_y_axes().joined(qa, ner)
    parity, line, strong, faint, late, fit, cnn_line, cnn_strong, cnn_faint, cnn_late = qa.lines
    assert pts(parity) == ([0, 1], [0.5, 0.5])
    assert (parity.get_color(), parity.get_linewidth(), parity.get_linestyle(), parity.get_zorder()) == (
        "#777777", 0.8, ":", 1)
    # the line runs over every year from the first to the last, broken where a year is weak or missing
    assert pts(line) == ([2016, 2017, 2018, 2019, 2020, 2021], [0.6, None, None, 0.55, 0.5, None])
    assert (line.get_color(), line.get_linewidth(), line.get_zorder()) == (BLUE, 1.6, 3)
    assert pts(strong) == ([2016, 2019, 2020], [0.6, 0.55, 0.5])
    assert np.asarray(strong.get_xdata()).dtype.kind == "i"  # whole years, though read as floats
    assert pts(faint) == ([2017], [0.5])
    assert pts(late) == ([2021], [0.4])
    for ln in (strong, faint, late):
        assert (ln.get_linestyle(), ln.get_marker(), ln.get_zorder()) == ("None", "o", 4)
    assert (strong.get_color(), strong.get_markersize(), strong.get_alpha()) == (BLUE, 4.5, None)
    assert (faint.get_color(), faint.get_markersize(), faint.get_alpha()) == (BLUE, 4.5, 0.25)
    assert (late.get_markersize(), late.get_markerfacecolor(), late.get_markeredgecolor(),
            late.get_markeredgewidth()) == (5.5, "white", BLUE, 1.3)
    # the fit over the years fitted only, 60 points, independently evaluated
    xs = np.linspace(2016, 2020, 60)
    assert len(fit.get_xdata()) == 60
    assert (fit.get_xdata()[0], fit.get_xdata()[-1]) == (2016, 2020)
    np.testing.assert_allclose(fit.get_ydata(), 1 / (1 + np.exp(-(0.1 * (xs - 2016.0)))))
    assert (fit.get_color(), fit.get_linewidth(), fit.get_linestyle(), fit.get_zorder()) == (BLUE, 1.3, "--", 2)
    assert pts(cnn_line) == ([2021], [None])
    assert (pts(cnn_strong), pts(cnn_faint), pts(cnn_late)) == (([], []), ([], []), ([2021], [0.6]))
    assert (cnn_late.get_marker(), cnn_late.get_markeredgecolor()) == ("s", VERMILLION)
    wilson_lstm, fit_band, wilson_cnn = bands(qa)
    assert [wilson_lstm, wilson_cnn] == [
        [[(2016.0, 0.5), (2016.0, 0.7)], [(2019.0, 0.45), (2019.0, 0.65), (2020.0, 0.45), (2020.0, 0.55)]],
        [],
    ]
    (piece,) = fit_band  # the fit's 95% band: around the fitted share at either end
    assert (piece[0][0], piece[-1][0]) == (2016.0, 2020.0)
    assert piece[0][1] < 0.5 < piece[1][1]
    band = qa.collections[0]
    assert (band.get_alpha(), list(band.get_linewidth())) == (0.18, [0])
    assert tuple(band.get_facecolor()[0][:3]) == pytest.approx((0, 0x72 / 255, 0xB2 / 255))
    # NER: CNN keeps its colour (second in the order) although alone in its panel; no LSTM artists
    parity, line, strong, faint, late = ner.lines
    assert pts(line) == pts(strong) == ([2018, 2019], [0.3, 0.35])
    assert (line.get_color(), strong.get_marker()) == (VERMILLION, "s")
    assert (pts(faint), pts(late)) == (([], []), ([], []))
    assert bands(ner) == [[[(2018.0, 0.2), (2018.0, 0.4), (2019.0, 0.25), (2019.0, 0.45)]]]
    for ax in (qa, ner):
        assert ax.get_ylim() == (0, 1)
        fmt = ax.yaxis.get_major_formatter()
        assert fmt(0.456) == "46%"
        assert fmt.format_pct(0.456, 0.01) == "46%"  # whole percents even on a narrow axis
        assert list(ax.yaxis.get_major_locator().tick_values(0, 1)) == pytest.approx([0, 0.25, 0.5, 0.75, 1])
        assert list(ax.xaxis.get_major_locator().tick_values(2010, 2024)) == [2010, 2015, 2020, 2025]
        assert ax.xaxis._major_tick_kw.get("label1On", True)
        # the report's style: light grid, no top or right frame
        assert ax.xaxis._major_tick_kw["gridOn"] and ax.yaxis._major_tick_kw["gridOn"]
        assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "LSTM", "CNN", "fitted segments,\n95% band (| joinpoint)", "under 10 matches that year",
        "year incomplete (not fitted)"]
    h = legend.legend_handles
    assert [(x.get_color(), x.get_marker(), x.get_linewidth()) for x in h[:2]] == [(BLUE, "o", 1.6),
                                                                                   (VERMILLION, "s", 1.6)]
    assert (h[2].get_color(), h[2].get_linestyle(), h[2].get_linewidth(), h[2].get_marker()) == (
        "#555555", "--", 1.3, "|")
    assert (h[3].get_color(), h[3].get_marker(), h[3].get_linewidth(), h[3].get_alpha()) == ("#555555", "o", 0, 0.25)
    assert (h[4].get_color(), h[4].get_marker(), h[4].get_linewidth(), h[4].get_markerfacecolor()) == (
        "#555555", "o", 0, "white")
    assert (legend._loc, legend._ncols, legend.get_frame_on(), legend.get_texts()[0].get_fontsize()) == (8, 3, False, 9)
    assert tuple(legend.get_bbox_to_anchor().transformed(fig.transFigure.inverted()).p0) == pytest.approx((0.5, 0.0))
    assert fig._suptitle.get_text() == ("openalex: each method's share of the year's method matches,\n"
                                        "with 95% Wilson bands and the fitted segments")
    assert (fig._suptitle.get_fontsize(), fig._suptitle.get_position()[1], fig._suptitle.get_va()) == pytest.approx(
        (12, 1 - 0.15 / height, "top"))
    assert (fig._supylabel.get_text(), fig._supylabel.get_position()[0], fig._supylabel.get_ha()) == pytest.approx(
        ("share of method matches", 0.012, "left"))


def test_share_bands_without_an_incomplete_year_or_fits(drawn):
    rows = [(t, "LSTM", y, 0.5, 0.4, 0.6, n) for t in ("A", "B", "C") for y, n in ((2020, 5), (2021, 50))]
    evidence_figures.share_bands(shares(rows), "dblp", "b.png", min_total=6)
    (fig,) = drawn
    height = 2 * 2.5 + 1.2
    assert tuple(fig.get_size_inches()) == pytest.approx((10.0, height))
    assert fig.subplotpars.bottom == pytest.approx(0.55 / height)
    a, b, c, spare = fig.axes
    # 2021 is complete here: solid and marked; 2020 (5 < 6) faint; no hollow markers, no fit
    parity, line, strong, faint = a.lines
    assert (pts(line), pts(strong), pts(faint)) == (([2020, 2021], [None, 0.5]), ([2021], [0.5]), ([2020], [0.5]))
    assert [ax.xaxis._major_tick_kw.get("label1On", True) for ax in (a, b, c)] == [False, True, True]
    assert spare.get_visible() and not spare.axison
    legend = spare.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "LSTM", "under 6 matches that year", "year incomplete (not fitted)"]  # nothing fitted, no fit entry
    assert (legend._loc, legend.get_frame_on(), legend.get_texts()[0].get_fontsize()) == (10, False, 9)
    assert fig.legends == []


def test_share_bands_hides_the_unused_panels(drawn):
    rows = [(t, "LSTM", 2020, 0.5, 0.4, 0.6, 50) for t in "ABCDEFGHI"]
    evidence_figures.share_bands(shares(rows), "s", "c.png")
    axes = drawn[0].axes
    assert len(axes) == 12
    assert [ax.get_visible() for ax in axes[9:]] == [False, False, True]
    assert [ax.xaxis._major_tick_kw.get("label1On", True) for ax in axes[:9]] == [False] * 5 + [True] * 4


def test_share_bands_one_panel_keeps_rows_with_other_gaps(drawn):
    # a missing value elsewhere than the share (here a note) keeps the row
    frame = shares([("QA", "LSTM", 2020, 0.5, 0.4, 0.6, 50), ("QA", "LSTM", 2021, 0.6, 0.5, 0.7, 50)])
    evidence_figures.share_bands(frame.assign(note=[None, "x"]), "s", "d.png")
    (fig,) = drawn
    (ax,) = fig.axes
    assert pts(ax.lines[2]) == ([2020, 2021], [0.5, 0.6])
    assert tuple(fig.get_size_inches()) == pytest.approx((10.0, 2.5 + 1.6))


def test_draw_fit_marks_each_joinpoint_and_draws_nothing_without_a_significant_change():
    from matplotlib.figure import Figure

    from survey.reporting.figures import draw_fit

    years = np.arange(2010, 2021.0)
    two = Fit("poisson", years, (2015,), [Segment(2010, 2015, 0.3, 0.2, 0.4, 0.001), Segment(2015, 2020, -0.2, -0.3, -0.1, 0.01)],
              np.array([1.0, 0.3, -0.5]), np.diag([1e-3, 1e-4, 1e-4]), 1.0, 8, 1.0, _x0=2010.0)
    ax = Figure().subplots()
    assert draw_fit(ax, two, BLUE, np.exp)
    curve, joins = ax.lines
    assert (curve.get_linestyle(), curve.get_color()) == ("--", BLUE)
    assert 2015.0 in list(curve.get_xdata())  # the kink is drawn at the joinpoint itself, not between samples
    assert list(joins.get_xdata()) == [2015.0] and joins.get_marker() == "|"
    assert joins.get_ydata()[0] == pytest.approx(math.exp(1.0 + 0.3 * 5))
    (band,) = ax.collections
    assert band.get_alpha() == 0.13
    flat = Fit("poisson", years, (), [Segment(2010, 2020, 0.01, -0.02, 0.04, 0.4)], np.array([1.0, 0.01]),
               np.diag([1e-3, 1e-4]), 1.0, 9, 1.0, _x0=2010.0)
    ax = Figure().subplots()
    assert not draw_fit(ax, flat, BLUE, np.exp) and not draw_fit(ax, None, BLUE, np.exp)
    assert len(ax.lines) == 0 and len(ax.collections) == 0
