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
from survey.evidence.variants import ALIKE, BASELINE, ONE_METHOD, Row, TaskRobustness, assess
from survey.matrix import Matrix, Window, describe
from survey.reporting import robustness
from survey.reporting.robustness import SourceRobustness, changes_cell, group_cell, leader_cell, section
from survey.observation import Observation
from survey.store import Store

HEADER = ("| window | task | claim as written | every method alike | one method only | variants that change the "
          "claim (their claim and counts) |\n| :--- | :--- | :--- | :--- | :--- | :--- |")


def rows(task, variant, counts, *, source="local:acl", window="all time"):
    group = "as written" if variant == BASELINE else ONE_METHOD if variant.startswith("one ") else ALIKE
    return [Row(source, window, task, variant, m, c, None, group) for m, c in counts.items()]


def task_rows(task, by_variant, **kw):
    return [r for variant, counts in by_variant.items() for r in rows(task, variant, counts, **kw)]


def robust_of(claims: dict, **kw) -> TaskRobustness:
    """A TaskRobustness from variant -> counts, through the claims' own rules (``kw``: lists to set as given)."""
    v = TaskRobustness("s", "w", "t", None, {n: None for n in claims}, {n: verdict(c) for n, c in claims.items()})
    for k, value in kw.items():
        setattr(v, k, value)
    return v


# ---------------------------------------------------------------- cells


def one_task(by_variant, task="t") -> TaskRobustness:
    (v,) = assess(task_rows(task, by_variant))
    return v


def test_group_cell_for_each_case():
    assert group_cell(TaskRobustness("s", "w", "t", None), ALIKE) == "not counted"
    lead = {BASELINE: {"CNN": 80, "LSTM": 20}}
    assert group_cell(one_task(lead), ALIKE) == "none counted"
    v = one_task({**lead, "v1": {"CNN": 90, "LSTM": 10}, "v2": {"CNN": 70, "LSTM": 30},
                  "one a": {"CNN": 30, "LSTM": 70}, "one b": {"CNN": 12, "LSTM": 10}})
    assert group_cell(v, ALIKE) == "robust (2 of 2 hold)"
    assert group_cell(v, ONE_METHOD) == "not robust: 2 of 2 change it"
    assert v.robust_to(ALIKE) and not v.robust_to(ONE_METHOD) and not v.robust
    unclear = one_task({BASELINE: {"CNN": 12, "LSTM": 10}, "v1": {"CNN": 90, "LSTM": 10}, "one a": {"CNN": 11, "LSTM": 10}})
    assert group_cell(unclear, ALIKE) == "no lead to hold; 1 of 1 give one"
    assert group_cell(unclear, ONE_METHOD) == "no lead to hold"
    assert not unclear.robust_to(ALIKE)


def test_leader_cell_for_each_case():
    assert leader_cell(TaskRobustness("s", "w", "t", None)) == "no single leader"
    assert leader_cell(one_task({BASELINE: {"CNN": 20, "LSTM": 80}})) == "LSTM"
    assert leader_cell(one_task({BASELINE: {"CNN": 12, "LSTM": 10}})) == "no clear leader (CNN most)"


def test_changes_cell_lists_every_change_with_its_counts():
    v = one_task({BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 30, "LSTM": 70}, "v2": {"CNN": 12, "LSTM": 10},
                  "v3": {"CNN": 90, "LSTM": 10}, "v4": {"CNN": None, "LSTM": 3}})
    assert changes_cell(v) == ("v1: LSTM leads, LSTM 70 vs CNN 30; v2: no clear leader, CNN 12 vs LSTM 10; "
                               "1 not counted")
    # where the file as written has no clear leader, a variant that gives one is a change too
    unclear = one_task({BASELINE: {"CNN": 40, "LSTM": 36}, "one a": {"CNN": 86, "LSTM": 36},
                        "v2": {"CNN": 41, "LSTM": 35}})
    assert changes_cell(unclear) == "one a: CNN leads, CNN 86 vs LSTM 36"
    assert changes_cell(one_task({BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 90, "LSTM": 10}})) == "no variant"


def test_a_variants_claims_are_adjusted_across_the_tasks_of_its_own_table():
    # Alone, 300 vs 250 is a lead (p = 0.033); in the variant's table, the smallest of five p-values, Holm
    # multiplies it by 5. The variant changes only t1: the other tasks of its table are the file's own counts.
    close = {"CNN": 300, "LSTM": 250}
    data = task_rows("t1", {BASELINE: {"CNN": 400, "LSTM": 200}, "v1": close})
    for task in ("t2", "t3", "t4", "t5"):
        data += task_rows(task, {BASELINE: {"CNN": 100, "LSTM": 95}})
    t1 = next(v for v in assess(data) if v.task == "t1")
    assert verdict(close).is_lead and not t1.claims["v1"].is_lead and t1.claims["v1"].family == 5
    assert t1.outcome("v1") == "lead lost" and t1.changes() == ["v1"]


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


def intro() -> str:
    return section([], "q.toml").split("\n\n")[0]


def test_section_per_source():
    data = [
        source_data("local:acl", acl_rows()),
        source_data("openalex", rows("parsing", BASELINE, {"CNN": 1, "LSTM": 2}), variants=(BASELINE, "v1", "v2")),
        source_data("crossref", task_rows("robust", {BASELINE: {"CNN": 80, "LSTM": 20}, "one a": {"CNN": 90, "LSTM": 10}}),
                    variants=(BASELINE, "one a")),
    ]
    text = section(data, "studies/q.toml", {"local:acl": Path("figures/acl.png"), "openalex": Path("figures/o.png")},
                   lambda path, alt: f"![{alt}]({path.as_posix()})")
    assert text == "\n\n".join([
        intro(),
        # total: the file's own counts are missing, so it has no row
        "`local:acl` (4 variants: 4 every method alike, 0 one method only; of 3 leads as written, 1 robust to "
        "every method alike; 0 robust to one method only):\n\n" + HEADER + "\n"
        "| all time | parsing | CNN | not robust: 2 of 3 change it | none counted | v1: LSTM leads, LSTM 70 vs CNN 30; "
        "v2: no clear leader, CNN 12 vs LSTM 10; 1 not counted |\n"
        "| all time | tagging | LSTM | none counted | none counted | no variant; 1 not counted |\n"
        "| all time | robust | CNN | robust (1 of 1 hold) | none counted | no variant |\n"
        "| all time | unclear | no clear leader (CNN most) | no lead to hold; 1 of 1 give one | none counted | "
        "v1: CNN leads, CNN 90 vs LSTM 10 |",
        "![specification curve, local:acl](figures/acl.png)",
        "`openalex`: the variants are not counted yet; `survey robustness -q studies/q.toml -s openalex` counts and "
        "caches them (2 variants).",
        "`crossref` (1 variant: 0 every method alike, 1 one method only; of 1 lead as written, 0 robust to every "
        "method alike; 1 robust to one method only):\n\n" + HEADER + "\n"
        "| all time | robust | CNN | none counted | robust (1 of 1 hold) | no variant |",
        "Every variant's counts per method: `survey robustness -q studies/q.toml -s SOURCE --format csv`.",
    ])
    for part in ("every method alike", "one method only", "Holm", "with its counts", "same verdicts"):
        assert part in intro()


def test_section_without_figures_or_a_way_to_link_them():
    data = [source_data("crossref", task_rows("robust", {BASELINE: {"CNN": 80, "LSTM": 20},
                                                         "v1": {"CNN": 90, "LSTM": 10}}), variants=(BASELINE, "v1"))]
    plain = section(data, "q.toml")
    assert plain.split("\n\n")[2:] == [
        HEADER + "\n| all time | robust | CNN | robust (1 of 1 hold) | none counted | no variant |",
        "Every variant's counts per method: `survey robustness -q q.toml -s SOURCE --format csv`."]
    assert section(data, "q.toml", {"crossref": Path("c.png")}) == plain  # no link: nothing shown, no empty paragraph


def test_section_with_no_source_counted():
    assert section([], "q.toml") == (intro() + "\n\nNo source has counts in the cache, so there are no variants "
                                     "to compare.")


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


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def curve_rows():
    return (task_rows("parsing", {BASELINE: {"CNN": 80, "LSTM": 20}, "v1": {"CNN": 30, "LSTM": 70},
                                  "one a": {"CNN": 12, "LSTM": 10}, "v3": {"CNN": 90, "LSTM": 10},
                                  "one b": {"CNN": None, "LSTM": 10}})
            + task_rows("tagging", {BASELINE: {"CNN": 40, "LSTM": 36}, "v1": {"CNN": 10, "LSTM": 50},
                                    "one a": {"CNN": 0, "LSTM": 0}, "v3": {"CNN": 38, "LSTM": 40}})
            + task_rows("solo", {BASELINE: {"CNN": 10, "LSTM": 50}})  # nothing to compare: not drawn
            + task_rows("tie", {BASELINE: {"CNN": 10, "LSTM": 10}, "v1": {"CNN": 9, "LSTM": 10}})  # no leader
            + task_rows("parsing", {BASELINE: {"CNN": 1, "LSTM": 2}, "v1": {"CNN": 3, "LSTM": 4}}, window="old"))


CURVE_VARIANTS = (BASELINE, "v1", "v3", "one a", "one b")


def test_the_curve_and_the_table_are_drawn_from_the_same_verdicts():
    d = source_data("local:acl", curve_rows(), variants=CURVE_VARIANTS)
    points = robustness.curve_points(d, "all time")
    assert list(points) == ["parsing", "tagging"]
    # parsing, CNN leads as written: v1 gives LSTM a clear lead, one a loses it, v3 keeps it
    assert [(p.variant, p.colour, p.change) for p in points["parsing"]] == [
        (BASELINE, "as written", False), ("v1", "another method leads clearly", True),
        ("v3", "this method leads clearly", False), ("one a", "no clear leader", True)]
    # tagging, no clear leader as written (CNN most): v1 gives LSTM a clear lead; one a matches nothing
    assert [(p.variant, p.colour, p.change, p.share) for p in points["tagging"]] == [
        (BASELINE, "as written", False, 40 / 76), ("v1", "another method leads clearly", True, 10 / 60),
        ("v3", "no clear leader", False, 38 / 78), ("one a", "no clear leader", False, None)]
    listed = {v.task: changes_cell(v) for v in d.verdicts if v.window == "all time"}
    for task, ps in points.items():
        named = {part.split(":")[0] for part in listed[task].split("; ") if ":" in part}
        assert named == {p.variant for p in ps if p.change}, task
    # the drawn bounds are the Wilson interval of the leader's count out of the task's method matches
    p = points["parsing"][1]
    assert (p.share, p.low, p.high) == pytest.approx((0.3, *wilson(30, 100)))


def test_specification_curve_draws_a_panel_per_task_with_the_variants_named(tmp_path, monkeypatch):
    from figurekit import capture_figures

    from survey.reporting import figures

    saved = capture_figures(monkeypatch, figures)
    d = source_data("local:acl", curve_rows(), variants=CURVE_VARIANTS)
    path = tmp_path / "curve.png"
    assert robustness.specification_curve(d, "all time", path) == path
    [fig] = saved
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["parsing\n(CNN as written)", "tagging\n(CNN as written)"]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [BASELINE, "v1", "v3", "one a"]
    assert min(t.get_fontsize() for t in axes[0].get_yticklabels()) >= 8
    width, height = fig.get_size_inches()
    assert width <= 8.27 and height <= 11.69  # an A4 page
    points = robustness.curve_points(d, "all time")
    for ax, task in zip(axes, points):
        drawn = [(c.lines[0].get_color(), c.lines[0].get_markerfacecolor(), float(c.lines[0].get_xdata()[0]))
                 for c in ax.containers]
        expected = [(robustness.COLOURS[p.colour], "white" if p.change else robustness.COLOURS[p.colour], p.share)
                    for p in points[task] if p.share is not None]
        assert drawn == [(c, f, pytest.approx(x)) for c, f, x in expected]
    assert [t.get_text() for t in axes[1].texts] == ["no match"]  # one a matches nothing in tagging


def test_specification_curve_is_readable_at_six_methods_and_eight_tasks(tmp_path):
    methods = ["LSTM", "CNN", "GRU", "Transformer", "TCN", "RNN"]
    variants = [BASELINE] + [f"every method by term {i} only" for i in (1, 2)] + ["titles only",
                                                                                 "tasks by their first term only"]
    variants += [f"one {m} by '{m.lower()} network' only" for m in methods for _ in (0,)]
    variants += [f"one {m} by its acronym only" for m in methods]
    data = []
    for t in range(8):
        for i, name in enumerate(variants):
            data += task_rows(f"task {t}", {name: {m: 40 + 7 * j + (i * t) % 11 for j, m in enumerate(methods)}})
    d = source_data("local:acl", data, variants=variants)
    path = tmp_path / "curve.png"
    assert robustness.specification_curve(d, "all time", path) == path
    w, h = png_size(path)
    assert w <= 827 and h <= 1169  # A4 at 100 dpi
    assert h / 3 / len(variants) >= 10  # at least 10 px (at 100 dpi, 7 pt) per variant row in each panel


def test_specification_curve_without_anything_to_draw(tmp_path):
    d = source_data("s", curve_rows())
    path = tmp_path / "none.png"
    assert robustness.specification_curve(d, "recent", path) is None
    assert robustness.specification_curve(source_data("s", task_rows("solo", {BASELINE: {"A": 3, "B": 1}})),
                                           "all time", path) is None
    assert not path.exists()


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
