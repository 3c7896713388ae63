"""The robustness section word for word, its cells, the cached counts it gathers, and its specification curve.

Claims follow the headline's rules (survey.evidence.claims): 80 of 100 against 20 is a clear lead, 12 against 10
is not (the head-to-head interval includes one half), 30 against 70 is a clear lead of the other method.
Intervals are 95% Wilson intervals worked out here from the formula.
"""

from __future__ import annotations

import struct
from math import sqrt
from pathlib import Path
from types import SimpleNamespace

import pytest

from survey.evidence.claims import verdict
from survey.evidence.variants import BASELINE, Row, TaskRobustness, assess
from survey.matrix import Matrix, Window, describe
from survey.reporting import robustness
from survey.reporting.robustness import SourceRobustness, changes_cell, leader_cell, section, verdict_cell
from survey.store import Observation, Store

INTRO = ("Each task's leader under variants of the query derived from the query file: each method by one "
         "term at a time, every method by the term in the same place, exact against stemmed terms where the "
         "source can search both, and the tasks without their synonyms. Each variant's claim follows the "
         "headline's rules (a lead only where the 95% interval of the head-to-head share excludes parity). A "
         "lead is robust when every variant keeps it clearly; it flips where another method clearly leads a "
         "variant, and is unclear where a variant's interval includes parity.")
HEADER = ("| window | task | leader as written | verdict | variants that change it (their claim) |\n"
          "| :--- | :--- | :--- | :--- | :--- |")


def rows(task, variant, counts, *, source="local:acl", window="all time"):
    return [Row(source, window, task, variant, m, c, None) for m, c in counts.items()]


def task_rows(task, by_variant, **kw):
    return [r for variant, counts in by_variant.items() for r in rows(task, variant, counts, **kw)]


def robust_of(claims: dict, **kw) -> TaskRobustness:
    """A TaskRobustness from variant -> counts, through the claims' own rules (``kw``: lists to set as given)."""
    v = TaskRobustness("s", "w", "t", None, {n: None for n in claims}, {n: verdict(c) for n, c in claims.items()})
    for k, value in kw.items():
        setattr(v, k, value)
    return v


# ---------------------------------------------------------------- cells


def test_verdict_cell_for_each_case():
    assert verdict_cell(TaskRobustness("s", "w", "t", None)) == "not counted"
    assert verdict_cell(robust_of({BASELINE: {"CNN": 12, "LSTM": 10}})) == "no clear leader as written"
    assert verdict_cell(robust_of({BASELINE: {"CNN": 6, "LSTM": 1}})) == "too few to say as written"
    assert verdict_cell(robust_of({BASELINE: {"CNN": 80, "LSTM": 20}})) == "only the file as written counted"
    two = {BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 90, "LSTM": 10}}
    assert verdict_cell(robust_of(two)) == "robust"
    assert verdict_cell(robust_of(two, flips=["v1"])) == "flips in 1 of 1"
    three = {**two, "v2": {"CNN": 12, "LSTM": 10}}
    assert verdict_cell(robust_of(three, weakened=["v2"])) == "lead unclear in 1 of 2"
    assert verdict_cell(robust_of(three, flips=["v1"], weakened=["v2"])) == "flips in 1 of 2; lead unclear in 1 of 2"
    assert verdict_cell(robust_of(three, flips=["v1", "v2"])) == "flips in 2 of 2"


def test_leader_cell_for_each_case():
    assert leader_cell(TaskRobustness("s", "w", "t", None)) == "no single leader"
    assert leader_cell(robust_of({BASELINE: {}})) == "no single leader"
    assert leader_cell(robust_of({BASELINE: {"CNN": 20, "LSTM": 80}})) == "LSTM"
    assert leader_cell(robust_of({BASELINE: {"CNN": 12, "LSTM": 10}})) == "no clear leader (CNN most)"


def test_changes_cell_names_each_variant_with_its_claim():
    three = {BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 30, "LSTM": 70}, "v2": {"CNN": 12, "LSTM": 10}}
    assert changes_cell(robust_of(three, flips=["v1"], weakened=["v2"])) == "v1 (LSTM); v2 (no clear leader)"
    # a variant both flipped and weakened is named once, as a flip
    assert changes_cell(robust_of(three, flips=["v1"], weakened=["v1", "v2"])) == "v1 (LSTM); v2 (no clear leader)"
    assert changes_cell(robust_of(three)) == "no variant"
    assert changes_cell(robust_of(three, missing=["v3", "v4"])) == "no variant; 2 not counted"
    assert changes_cell(robust_of(three, flips=["v1"], missing=["v3"])) == "v1 (LSTM); 1 not counted"


# ---------------------------------------------------------------- the section


def acl_rows():
    return (task_rows("parsing", {BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 30, "LSTM": 70},
                                  "v2": {"CNN": 12, "LSTM": 10}, "v3": {"CNN": 90, "LSTM": 10},
                                  "v4": {"CNN": None, "LSTM": 10}})
            + task_rows("tagging", {BASELINE: {"CNN": 10, "LSTM": 50}, "v1": {"CNN": None, "LSTM": 3}})
            + task_rows("total", {BASELINE: {"CNN": None, "LSTM": 5}, "v1": {"CNN": 40, "LSTM": 10}})
            + task_rows("robust", {BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 90, "LSTM": 10}})
            + task_rows("unclear", {BASELINE: {"CNN": 12, "LSTM": 10}, "v1": {"CNN": 90, "LSTM": 10}}))


def source_data(name, all_rows, variants=(BASELINE, "v1", "v2", "v3", "v4")):
    return SourceRobustness(name, list(variants), all_rows, assess(all_rows))


def test_counted_needs_a_variant_beyond_the_file():
    assert source_data("s", acl_rows()).counted is True
    only_file = rows("parsing", BASELINE, {"CNN": 1, "LSTM": 2}) + rows("parsing", "v1", {"CNN": None, "LSTM": 2})
    assert source_data("s", only_file).counted is False
    assert source_data("s", []).counted is False


def test_section_per_source():
    data = [
        source_data("local:acl", acl_rows()),
        source_data("openalex", rows("parsing", BASELINE, {"CNN": 1, "LSTM": 2}), variants=(BASELINE, "v1", "v2")),
        source_data("crossref", task_rows("robust", {BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 90, "LSTM": 10}}),
                    variants=(BASELINE, "v1")),
    ]
    text = section(data, "studies/q.toml", {"local:acl": Path("figures/acl.png"), "openalex": Path("figures/o.png")},
                   lambda path, alt: f"![{alt}]({path.as_posix()})")
    assert text == "\n\n".join([
        INTRO,
        # total: the file's own counts are missing, so it has no row
        "`local:acl` (4 variants; 1 of 5 task verdicts robust):\n\n" + HEADER + "\n"
        "| all time | parsing | CNN | flips in 1 of 3; lead unclear in 1 of 3 | v1 (LSTM); v2 (no clear leader); "
        "1 not counted |\n"
        "| all time | tagging | LSTM | only the file as written counted | no variant; 1 not counted |\n"
        "| all time | robust | CNN | robust | no variant |\n"
        "| all time | unclear | no clear leader (CNN most) | no clear leader as written | no variant |",
        "![specification curve, local:acl](figures/acl.png)",
        "`openalex`: the variants are not counted yet; `survey robustness -q studies/q.toml -s openalex` counts and "
        "caches them (2 variants).",
        "`crossref` (1 variant; 1 of 1 task verdicts robust):\n\n" + HEADER + "\n"
        "| all time | robust | CNN | robust | no variant |",
        "Every variant's counts per method: `survey robustness -q studies/q.toml -s SOURCE --format csv`.",
    ])


def test_section_without_figures_or_a_way_to_link_them():
    data = [source_data("crossref", task_rows("robust", {BASELINE: {"CNN": 80, "LSTM": 20},
                                                         "v1": {"CNN": 90, "LSTM": 10}}), variants=(BASELINE, "v1"))]
    plain = section(data, "q.toml")
    assert plain.split("\n\n")[1:] == [
        "`crossref` (1 variant; 1 of 1 task verdicts robust):",
        HEADER + "\n| all time | robust | CNN | robust | no variant |",
        "Every variant's counts per method: `survey robustness -q q.toml -s SOURCE --format csv`."]
    assert section(data, "q.toml", {"crossref": Path("c.png")}) == plain  # no link: nothing shown, no empty paragraph


def test_section_with_no_source_counted():
    assert section([], "q.toml") == (INTRO + "\n\nNo source has counts in the cache, so there are no variants to "
                                     "compare.")


# ---------------------------------------------------------------- gathering from the cache


def fake_source(stemming=False):
    caps = SimpleNamespace(stemming=stemming, exact=stemming, title_only=False)
    return SimpleNamespace(capabilities=caps, identity=lambda: "", compile=lambda q, a, b: describe(q),
                           rate_limit=None)


def observation(method, query, count):
    return Observation("openalex", method, "total", "all time", None, None, None, query, count, "ok",
                       fetched_at="2026-01-01T00:00:00+00:00")


def test_gather_reads_each_variant_from_the_cache_and_counts_nothing(tmp_path):
    m = Matrix("m", "M", {"CNN": ("CNN", "convnet"), "LSTM": ("LSTM",)}, {"total": ()}, [Window("all time")])
    store = Store(tmp_path / "cache.sqlite")
    for method, query, count in (("CNN", "(CNN OR convnet)", 50), ("LSTM", "(LSTM)", 20), ("CNN", "(CNN)", 45)):
        store.record(observation(method, query, count))
    before = store.latest()
    data = robustness.gather(m, {"openalex": fake_source(), "crossref": fake_source(stemming=True),
                                 "dblp": fake_source()}, store, ["local:gone", "openalex", "crossref"])
    assert store.latest() == before  # nothing counted: the uncached variant stays uncached
    assert [(d.source, d.variants) for d in data] == [
        ("openalex", [BASELINE, "CNN by 'CNN' only", "CNN by 'convnet' only"]),
        ("crossref", [BASELINE, "CNN by 'CNN' only", "CNN by 'convnet' only", "every term exact (unstemmed)"])]
    d = data[0]
    assert [(r.variant, r.method, r.count) for r in d.rows] == [
        (BASELINE, "CNN", 50), (BASELINE, "LSTM", 20),
        ("CNN by 'CNN' only", "CNN", 45), ("CNN by 'CNN' only", "LSTM", 20),
        ("CNN by 'convnet' only", "CNN", None), ("CNN by 'convnet' only", "LSTM", 20)]
    assert d.verdicts == assess(d.rows)
    # the variants' cached counts, for the manifest: the file's own are left out
    assert [(i.cell.method, i.query, i.cached.count) for i in d.items] == [
        ("CNN", "(CNN)", 45), ("LSTM", "(LSTM)", 20), ("LSTM", "(LSTM)", 20)]


def test_applies_only_with_counts():
    assert robustness.applies(SimpleNamespace(with_data=["openalex"])) is True
    assert robustness.applies(SimpleNamespace(with_data=[])) is False


# ---------------------------------------------------------------- the specification curve

Z = 1.959963984540054


def wilson(k, n):
    p, d = k / n, 1 + Z * Z / n
    centre, half = p + Z * Z / (2 * n), Z * sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - half) / d, (centre + half) / d


@pytest.fixture
def drawn(monkeypatch):
    """The figures specification_curve draws, kept for inspection after it closes them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    subplots = plt.subplots

    def keep(*a, **kw):
        made.append(subplots(*a, **kw))
        return made[-1]

    monkeypatch.setattr(plt, "subplots", keep)
    return made


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def curve_rows():
    return (task_rows("parsing", {BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 30, "LSTM": 70},
                                  "v2": {"CNN": 12, "LSTM": 10}, "v3": {"CNN": 90, "LSTM": 10},
                                  "v4": {"CNN": None, "LSTM": 10}})
            + task_rows("tagging", {BASELINE: {"CNN": 10, "LSTM": 50}, "v1": {"CNN": 40, "LSTM": 40}})
            + task_rows("solo", {BASELINE: {"CNN": 10, "LSTM": 50}})  # nothing to compare: not drawn
            + task_rows("tie", {BASELINE: {"CNN": 10, "LSTM": 10}, "v1": {"CNN": 9, "LSTM": 10}})  # no leader
            + task_rows("parsing", {BASELINE: {"CNN": 1, "LSTM": 2}, "v1": {"CNN": 3, "LSTM": 4}}, window="old"))


def test_specification_curve_draws_each_leaders_share_by_claim(tmp_path, drawn):
    import matplotlib.pyplot as plt

    import matplotlib

    d = source_data("local:acl", curve_rows())
    path = tmp_path / "new" / "figures" / "curve.png"
    with matplotlib.rc_context({"figure.dpi": 50}):  # a matplotlibrc of its own does not change the file
        assert robustness.specification_curve(d, "all time", path) == path
    [(fig, ax)] = drawn
    assert fig.number not in plt.get_fignums()  # closed
    assert png_size(path) == (600, 340)  # 6 by 3.4 inches at 100 dpi
    assert tuple(fig.get_size_inches()) == (6.0, 3.4)

    # parsing (leader CNN), sorted: v1 0.30, v2 12/22, as written 0.80, v3 0.90 at x 0-3; a rule at 4;
    # tagging (leader LSTM): v1 40/80 (a tie: no clear leader), as written 50/60 at x 5-6; a rule at 7
    expected = {
        "as written": ([2, 6], [(80, 100), (50, 60)], "black"),
        "this method leads clearly": ([3], [(90, 100)], "#0072B2"),
        "no clear leader": ([1, 5], [(12, 22), (40, 80)], "#999999"),
        "another method leads clearly": ([0], [(30, 100)], "#D55E00"),
    }
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(expected)
    assert len(ax.containers) == 4
    for container, (kind, (xs, points, color)) in zip(ax.containers, expected.items()):
        line, caps, (bars,) = container.lines
        assert container.get_label() == kind
        assert list(line.get_xdata()) == xs
        assert list(line.get_ydata()) == pytest.approx([k / n for k, n in points])
        assert (line.get_color(), line.get_marker(), line.get_markersize(), line.get_linestyle()) == (
            color, "o", 3.5, "None")
        assert [c.get_markersize() for c in caps] == [3.0, 3.0]  # capsize 1.5
        assert list(bars.get_linewidths()) == [0.8]
        segments = [float(v) for segment in bars.get_segments() for point in segment for v in point]
        assert segments == pytest.approx([v for x, (k, n) in zip(xs, points) for v in (x, wilson(k, n)[0], x,
                                                                                        wilson(k, n)[1])])
    assert list(ax.get_xticks()) == [1.5, 5.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["parsing\n(CNN)", "tagging\n(LSTM)"]
    assert [t.get_fontsize() for t in ax.get_xticklabels()] == [7, 7]
    rules = [(list(ln.get_xdata()), list(ln.get_ydata()), ln.get_color(), ln.get_linewidth(), ln.get_linestyle())
             for ln in ax.lines if ln.get_linestyle() != "None"]  # not the points or their caps
    assert rules == [([4, 4], [0, 1], "lightgrey", 0.6, "-"), ([7, 7], [0, 1], "lightgrey", 0.6, "-"),
                     ([0, 1], [0.5, 0.5], "grey", 0.8, "--")]  # parity of two methods
    assert ax.get_ylim() == (0, 1)
    assert ax.get_ylabel() == "share of the most-matched\nmethod as written"
    assert ax.get_title() == ("local:acl, all time: each task's leader across query variants (sorted, 95% "
                              "intervals)")
    assert ax.title.get_fontsize() == 9
    legend = ax.get_legend()
    assert (legend._loc, [t.get_fontsize() for t in legend.get_texts()]) == (4, [7, 7, 7, 7])  # 4: lower right


def test_specification_curve_widens_with_the_points_and_marks_parity_of_three(tmp_path, drawn):
    counts = {BASELINE: {"A": 60, "B": 30, "C": 10}}
    counts.update({f"v{i}": {"A": 60 + i, "B": 30, "C": 10} for i in range(1, 24)})
    d = source_data("s", task_rows("t", counts), variants=list(counts))
    path = tmp_path / "wide.png"
    assert robustness.specification_curve(d, "all time", path) == path
    [(fig, ax)] = drawn
    assert tuple(fig.get_size_inches()) == pytest.approx((0.28 * 25, 3.4))  # 24 points and a gap
    assert png_size(path) == (700, 340)
    assert list(ax.lines[-1].get_ydata()) == pytest.approx([1 / 3, 1 / 3])
    assert [c.get_label() for c in ax.containers] == ["as written", "this method leads clearly"]


def test_specification_curve_of_one_method_marks_parity_at_the_whole(tmp_path, drawn):
    d = source_data("s", task_rows("t", {BASELINE: {"A": 20}, "v1": {"A": 30}}), variants=(BASELINE, "v1"))
    assert robustness.specification_curve(d, "all time", tmp_path / "one.png") == tmp_path / "one.png"
    [(fig, ax)] = drawn
    assert list(ax.lines[-1].get_ydata()) == [1, 1]
    # every match the leader's: 30 of 30, whose upper Wilson bound computes a hair under 1, is drawn up to 1
    assert [(c.get_label(), list(c.lines[0].get_ydata())) for c in ax.containers] == [
        ("as written", [1.0]), ("this method leads clearly", [1.0])]
    [[(_, low), (_, high)]] = ax.containers[1].lines[2][0].get_segments()
    assert (low, high) == (pytest.approx(wilson(30, 30)[0]), 1.0)


def test_specification_curve_without_anything_to_draw(tmp_path, drawn):
    d = source_data("s", curve_rows())
    path = tmp_path / "none.png"
    assert robustness.specification_curve(d, "recent", path) is None
    assert robustness.specification_curve(source_data("s", task_rows("solo", {BASELINE: {"A": 3, "B": 1}})),
                                           "all time", path) is None
    assert drawn == [] and not path.exists()


# ---------------------------------------------------------------- render


def test_render_draws_a_curve_per_counted_source_and_keeps_the_variants_items(tmp_path, monkeypatch):
    crossref = source_data("crossref", task_rows("robust", {BASELINE: {"CNN": 80, "LSTM": 20},
                                                             "v1": {"CNN": 90, "LSTM": 10}}), variants=(BASELINE, "v1"))
    crossref.items = ["item 1", "item 2"]
    uncounted = source_data("local:my lib", rows("t", BASELINE, {"CNN": 1, "LSTM": 2}), variants=(BASELINE, "v1"))
    uncounted.items = ["item 3"]
    asked, drawn = [], []
    monkeypatch.setattr(robustness, "gather", lambda *a: asked.append(a) or [crossref, uncounted])
    monkeypatch.setattr(robustness, "specification_curve",
                        lambda d, window, path: drawn.append((d.source, window, path)) or path)
    m = Matrix("m", "M", {"CNN": ("CNN",), "LSTM": ("LSTM",)}, {"robust": ()}, [Window("all time"), Window("old")])
    ctx = SimpleNamespace(matrix=m, instances={"crossref": "src"}, store="store", with_data=["crossref"],
                          query_shown="q.toml", figure=lambda name: tmp_path / f"r_{name}.png",
                          link=lambda path, alt: f"![{alt}]({path.name})")
    text = robustness.render(ctx)
    assert asked == [(m, {"crossref": "src"}, "store", ["crossref"])]
    assert ctx.variant_items == ["item 1", "item 2", "item 3"]
    assert drawn == [("crossref", "all time", tmp_path / "r_crossref_specification_curve.png")]
    curve = tmp_path / "r_crossref_specification_curve.png"
    assert text == section([crossref, uncounted], "q.toml", {"crossref": curve}, ctx.link)
    assert "![specification curve, crossref](r_crossref_specification_curve.png)" in text
