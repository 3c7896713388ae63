"""The report's small text helpers, value for value: escaping, shown paths, days, slugs, anchors, lists."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from survey.matrix import Window
from survey.reporting.text import (and_, anchor, count_of, date_range, day, md, shown_path, slug, table_and_notes,
                                thousands, window_words, year_span)


def test_md_escapes_every_markdown_sign_and_folds_whitespace():
    assert md("a\\b `c` *d* _e_ [f] <g> $h #i") == r"a\\b \`c\` \*d\* \_e\_ \[f\] \<g\> \$h \#i"
    # `|` is the table helpers' to escape; runs of whitespace (newlines too) become one space
    assert md("  x |  y\n\tz  ") == "x | y z"
    assert md(2026) == "2026"


def test_shown_path_relative_stays_as_given(tmp_path):
    assert shown_path("figures/a.png") == "figures/a.png"
    assert shown_path(Path("figures") / "b.png", base=tmp_path) == "figures/b.png"


def test_shown_path_under_base_is_relative_to_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = tmp_path / "reports"
    (base / "figures").mkdir(parents=True)
    # resolved on both sides: `..` in either never leaks into the shown path
    assert shown_path(base / "x" / ".." / "figures" / "a.png", base=base) == "figures/a.png"
    assert shown_path(base / "figures" / "a.png", base=tmp_path / "reports" / "figures" / "..") == "figures/a.png"


def test_shown_path_falls_back_to_cwd_then_to_the_name(tmp_path, monkeypatch):
    work = tmp_path / "work"
    other = tmp_path / "other"
    work.mkdir()
    other.mkdir()
    monkeypatch.chdir(work)
    # not under base: relative to the working directory
    assert shown_path(work / "data" / "c.csv", base=other) == "data/c.csv"
    assert shown_path(work / "data" / "c.csv") == "data/c.csv"
    # under neither: only the file name, never this machine's layout
    assert shown_path(other / "deep" / "d.csv") == "d.csv"
    assert shown_path(str(other / "deep" / "d.csv"), base=work) == "d.csv"


def test_day_is_the_utc_date():
    east = timezone(timedelta(hours=2))
    assert day(datetime(2026, 3, 2, 1, 30, tzinfo=east)) == "2026-03-01"
    assert day(datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)) == "2026-03-02"


def test_day_is_the_utc_date_on_a_machine_in_another_zone():
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    try:
        assert day(datetime(2026, 3, 2, 20, 0, tzinfo=timezone.utc)) == "2026-03-02"  # 05:00 on the 3rd in Tokyo
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_date_range():
    t = lambda d, h: datetime(2026, 1, d, h, tzinfo=timezone.utc)  # noqa: E731
    assert date_range([]) == "never"
    assert date_range([t(5, 9), t(5, 18)]) == "2026-01-05"
    assert date_range([t(9, 1), t(3, 1), t(5, 1)]) == "2026-01-03 to 2026-01-09"


def test_slug():
    assert slug("LSTM vs. CNN (2024)!") == "lstm-vs-cnn-2024"
    assert slug("local:ACL_2020") == "local-acl-2020"
    assert slug("--") == "x"
    assert slug("") == "x"


def test_anchor_follows_github():
    assert anchor("8. Drift: counts (fetched twice)") == "8-drift-counts-fetched-twice"
    assert anchor("A_b-C  d") == "a_b-c--d"


def test_thousands():
    assert thousands(1234567) == "1,234,567"
    assert thousands(999) == "999"
    assert thousands(12.0) == "12"
    assert thousands(-4321) == "-4,321"


def test_count_of_agrees_noun_and_verb_with_the_number():
    assert count_of(1, "variant") == "1 variant"
    assert [count_of(n, "variant") for n in (0, 2)] == ["0 variants", "2 variants"]
    assert count_of(1, "record matches", "records match") == "1 record matches"
    assert count_of(1234, "record matches", "records match") == "1,234 records match"


def test_year_span_writes_one_year_once():
    assert year_span(2012, 2015) == "2012–2015"
    assert year_span(2020, 2020) == "2020"


def test_window_words_names_the_span_only_where_it_adds_something():
    assert window_words(Window("since 2006", 2006, None)) == "since 2006 (2006–now)"
    assert window_words(Window("2020", 2020, 2020)) == "2020"
    assert window_words(Window("all years")) == "all years"


def test_table_and_notes():
    frame = pd.DataFrame({"hits": ["1", "2"]}, index=pd.Index(["a", "b"], name="cell"))
    table = "| cell | hits |\n| :--- | ---: |\n| a | 1 |\n| b | 2 |"
    assert table_and_notes(frame, []) == [table]
    assert table_and_notes(frame, ["first", "second"]) == [table, "[1] first  \n[2] second  "]


def test_and_():
    assert and_([]) == ""
    assert and_(["a"]) == "a"
    assert and_(["a", "b"]) == "a and b"
    assert and_(["a", "b", "c"]) == "a, b and c"
