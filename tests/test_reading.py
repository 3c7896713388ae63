"""What the cache answers for a query file (survey.reading), on a small local corpus counted for real."""

from __future__ import annotations

from dataclasses import replace

import pytest

from corpuskit import write_jsonl
from survey import api
from survey.config import load_settings
from survey.corpus import import_corpus
from survey.query_file import load_matrix
from survey.reading import read, stored_history
from survey.store import Store

RECORDS = [
    {"id": "a", "title": "An LSTM for classification", "year": 2016},
    {"id": "b", "title": "A CNN for classification", "year": 2015},
    {"id": "c", "title": "CNN and LSTM features", "year": 2017},
]
QUERY = ('[methods]\nLSTM = ["LSTM"]\nCNN = ["CNN"]\n[tasks]\nclassification = ["classification"]\n'
         '[[windows]]\nname = "all time"\n[trend]\nfrom = 2015\nto = 2017\n')


@pytest.fixture
def counted(tmp_path):
    """A home whose cache holds the window and per-year counts of a two-method query on local:mini."""
    home = tmp_path / "home"
    (home / "corpora").mkdir(parents=True)
    src = tmp_path / "mini.jsonl"
    write_jsonl(src, RECORDS)
    import_corpus(src, home / "corpora" / "mini.sqlite")
    query = tmp_path / "q.toml"
    query.write_text(QUERY, encoding="utf-8")
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    api.refresh(query, sources=["local:mini"], by_year=True, home=home, config=tmp_path / "none.toml")
    settings = load_settings(home, tmp_path / "none.toml", env={})
    return load_matrix(query), settings


@pytest.fixture
def more(counted, tmp_path):
    """Beside local:mini: local:windows (window counts only), local:idle (never counted) and
    local:gone (counted, then its corpus file removed: known only from the cache)."""
    matrix, settings = counted
    src = tmp_path / "mini.jsonl"
    for name in ("windows", "idle", "gone"):
        import_corpus(src, settings.corpora_dir / f"{name}.sqlite")
    for name, by_year in (("windows", False), ("gone", True)):
        api.refresh(matrix, sources=[f"local:{name}"], by_year=by_year, home=settings.home,
                    config=tmp_path / "none.toml")
    (settings.corpora_dir / "gone.sqlite").unlink()
    return matrix, settings


def cells(items):
    return sorted((i.source, i.cell.method, i.cell.task, i.window.name, i.year, i.cached.count if i.cached else None)
                  for i in items)


def test_read_gives_window_and_year_answers_of_sources_with_data(counted):
    matrix, settings = counted
    with Store(settings.cache_path) as store:
        reading = read(matrix, store, settings)
        try:
            assert reading.matrix is matrix
            # every configured source is read, and those with nothing cached are named as such
            assert list(reading.sources)[-1] == "local:mini" and reading.with_data == ["local:mini"]
            assert reading.without_data == list(reading.sources)[:-1] and "openalex" in reading.without_data
            assert {i.source for i in reading.items if i.year is not None} == {"local:mini"}  # years only where answered
            windows = [c for c in cells(reading.items) if c[4] is None and c[0] == "local:mini"]
            assert windows == [("local:mini", "CNN", "classification", "all time", None, 1),
                               ("local:mini", "LSTM", "classification", "all time", None, 1)]
            totals = ("(all works)", "(works with an abstract)")
            years = [c for c in cells(reading.items) if c[4] is not None and c[1] not in totals]
            for method in totals:
                assert sorted(c[4] for c in cells(reading.items) if c[1] == method) == [2015, 2016, 2017]
            assert years == [("local:mini", m, "classification", "trend", y, n) for m, y, n in
                             [("CNN", 2015, 1), ("CNN", 2016, 0), ("CNN", 2017, 0),
                              ("LSTM", 2015, 0), ("LSTM", 2016, 1), ("LSTM", 2017, 0)]]
            assert len(reading.observations) == len([i for i in reading.items if i.cached is not None])
            assert all(o.status == "ok" for o in reading.observations)
        finally:
            reading.close()
        windows_only = read(matrix, store, settings, by_year=False)
        assert all(i.year is None for i in windows_only.items)
        assert len([i for i in windows_only.items if i.source == "local:mini"]) == 2
        windows_only.close()
        untrended = read(replace(matrix, trend=None), store, settings)
        assert all(i.year is None for i in untrended.items)
        untrended.close()


def test_read_of_named_sources_keeps_them_once_and_says_which_have_nothing(counted):
    matrix, settings = counted
    with Store(settings.cache_path) as store:
        reading = read(matrix, store, settings, ["local:mini", "dblp", "local:mini"])
        try:
            assert list(reading.sources) == ["local:mini", "dblp"]
            assert (reading.with_data, reading.without_data) == (["local:mini"], ["dblp"])
            # a source named but never fetched is still planned per year, so its gaps show
            assert {i.source for i in reading.items if i.year is not None} == {"local:mini", "dblp"}
        finally:
            reading.close()
        empty = read(matrix, store, settings, [])  # an empty list is no list: every source with an answer
        assert list(empty.sources)[-1] == "local:mini" and empty.with_data == ["local:mini"]
        assert not any(i.year is not None for i in empty.items if i.source != "local:mini")
        empty.close()


def test_default_order_is_the_registry_then_corpora_by_name(counted, tmp_path):
    matrix, settings = counted
    with Store(settings.cache_path) as store:
        reading = read(matrix, store, settings)
        names = list(reading.sources)
        reading.close()
    assert names == sorted(names, key=lambda n: (n.startswith("local:"), names.index(n)))
    assert names[0] == "openalex" and names[-1] == "local:mini"


def test_stored_history_gives_every_fetch_of_the_items_labelled_as_the_file_says(counted):
    matrix, settings = counted
    with Store(settings.cache_path) as store:
        reading = read(matrix, store, settings, ["local:mini"], by_year=False)
        try:
            items = reading.items
            history = stored_history(store, items)
            assert sorted((o.method, o.task, o.count) for o in history) == [
                ("CNN", "classification", 1), ("LSTM", "classification", 1)]
            relabelled = [replace(i, cell=replace(i.cell, method=i.cell.method.lower(), task="sorting")) for i in items]
            assert sorted((o.method, o.task) for o in stored_history(store, relabelled)) == [
                ("cnn", "sorting"), ("lstm", "sorting")]
            assert sorted(o.method for o in stored_history(store, relabelled, relabel=False)) == ["CNN", "LSTM"]
            # an item whose corpus is not on this machine takes the fetches of any corpus
            anywhere = [replace(i, corpus=None) for i in items]
            assert len(stored_history(store, anywhere)) == 2
            elsewhere = [replace(i, corpus="another-corpus") for i in items]
            assert stored_history(store, elsewhere) == []
            assert stored_history(store, []) == []
        finally:
            reading.close()


def test_read_when_the_configured_sources_cannot_be_listed(counted, monkeypatch):
    import survey.sources

    def unreadable(settings):
        raise PermissionError("corpora: permission denied")

    monkeypatch.setattr(survey.sources, "source_names", unreadable)
    matrix, settings = counted
    with Store(settings.cache_path) as store:
        reading = read(matrix, store, settings)  # the cache is still read: its own sources
        try:
            assert list(reading.sources) == ["local:mini"] and reading.with_data == ["local:mini"]
        finally:
            reading.close()


def test_read_of_sources_with_windows_only_never_counted_or_gone(more):
    matrix, settings = more
    with Store(settings.cache_path) as store:
        reading = read(matrix, store, settings)
        try:
            names = list(reading.sources)
            # the registry, the corpora here by name, then what only the cache knows
            assert names[-4:] == ["local:idle", "local:mini", "local:windows", "local:gone"]
            assert reading.with_data == ["local:mini", "local:windows", "local:gone"]
            assert "local:idle" in reading.without_data
            gone = [i for i in reading.items if i.source == "local:gone" and i.cached is not None]
            assert gone and all(i.corpus is None for i in gone)  # answered from the cache alone
        finally:
            reading.close()
        one = read(matrix, store, settings, ["local:windows"])
        assert list(one.sources) == ["local:windows"] and one.with_data == ["local:windows"]
        one.close()


def test_read_takes_answers_however_old(counted):
    from datetime import datetime, timezone

    matrix, settings = counted
    with Store(settings.cache_path) as store:
        reading = read(matrix, store, settings, ["local:mini"], now=datetime(2100, 1, 1, tzinfo=timezone.utc))
        try:
            answered = [i for i in reading.items if i.cached is not None]
            assert answered and all(i.fresh for i in answered)
        finally:
            reading.close()


def test_an_open_trend_runs_to_the_year_of_reading(counted):
    from datetime import datetime, timezone

    matrix, settings = counted
    open_trend = replace(matrix, trend=replace(matrix.trend, end=None))
    with Store(settings.cache_path) as store:
        reading = read(open_trend, store, settings, ["local:mini"], now=datetime(2016, 6, 1, tzinfo=timezone.utc))
        try:
            assert sorted({i.year for i in reading.items if i.year is not None}) == [2015, 2016]
        finally:
            reading.close()
