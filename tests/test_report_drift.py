"""Section 8 (drift) word for word: which counts moved between their last two fetches, and by how much."""

from __future__ import annotations

from types import SimpleNamespace

from survey.reporting.drift import render
from survey.observation import Observation

HEADER = ("| source | cell | window or year | previous | fetched | latest | fetched | change | relative |\n"
          "| :--- | :--- | :--- | ---: | :--- | ---: | :--- | ---: | ---: |\n")
INTRO = " changed between the last two fetches."


def obs(source, cell, year, count, day, window="trend"):
    method, task = cell.split(":")
    return Observation(source=source, method=method, task=task, window=window, year_from=2006, year_to=None,
                       year=year, query=f"{method} AND {task}", count=count, status="ok",
                       fetched_at=f"2026-{day}T10:00:00.000000Z")


def ctx(*observations):
    return SimpleNamespace(history=list(observations))


def test_nothing_fetched_twice():
    assert render(ctx(obs("openalex", "LSTM:QA", 2020, 5, "01-01"))) == (
        "No count has been fetched more than once yet, so there is no drift to show. A later refresh "
        "after `--max-age` (or with `--force`) records a second count beside the first.")


def test_fetched_twice_but_none_moved():
    assert render(ctx(
        obs("openalex", "LSTM:QA", 2020, 5, "01-01"), obs("openalex", "LSTM:QA", 2020, 5, "02-01"),
        obs("openalex", "CNN:QA", 2020, 0, "01-01"), obs("openalex", "CNN:QA", 2020, 0, "02-01"),
        obs("openalex", "CNN:NER", 2020, 7, "01-01"),  # once only: not counted
    )) == "2 counts were fetched more than once with the same query; 0" + INTRO + " None moved."


def test_moves_in_words_and_percentages():
    text = render(ctx(
        # three fetches: the last two count; a window's total is shown by its window's name
        obs("openalex", "LSTM:QA", None, 50, "01-01", window="since 2006"),
        obs("openalex", "LSTM:QA", None, 100, "01-15", window="since 2006"),
        obs("openalex", "LSTM:QA", None, 250, "02-20", window="since 2006"),
        obs("crossref", "CNN:NER", 2020, 2000, "01-02"), obs("crossref", "CNN:NER", 2020, 1990, "03-03"),
        # exactly +10%: whole percents from there up
        obs("dblp", "LSTM:NER", 2021, 100, "01-03"), obs("dblp", "LSTM:NER", 2021, 110, "03-04"),
        # just under 10%: one decimal
        obs("dblp", "CNN:QA", 2019, 1000, "01-04"), obs("dblp", "CNN:QA", 2019, 901, "03-05"),
        obs("arxiv", "GRU:QA", 2018, 0, "01-05"), obs("arxiv", "GRU:QA", 2018, 1234, "03-06"),
        obs("wos", "GRU:NER", 2022, 1000, "01-06"), obs("wos", "GRU:NER", 2022, 20500, "03-07"),
        obs("scholar", "LSTM:QA", 2020, 5, "01-07"), obs("scholar", "LSTM:QA", 2020, 5, "03-08"),
    ))
    assert text == ("7 counts were fetched more than once with the same query; 6" + INTRO
                    + " The largest relative moves:\n\n" + HEADER
                    + "| `wos` | GRU:NER | 2022 | 1,000 | 2026-01-06 | 20,500 | 2026-03-07 | +19,500 | +1,950% |\n"
                    "| `openalex` | LSTM:QA | since 2006 | 100 | 2026-01-15 | 250 | 2026-02-20 | +150 | +150% |\n"
                    "| `dblp` | LSTM:NER | 2021 | 100 | 2026-01-03 | 110 | 2026-03-04 | +10 | +10% |\n"
                    "| `dblp` | CNN:QA | 2019 | 1,000 | 2026-01-04 | 901 | 2026-03-05 | -99 | -9.9% |\n"
                    "| `crossref` | CNN:NER | 2020 | 2,000 | 2026-01-02 | 1,990 | 2026-03-03 | -10 | -0.5% |\n"
                    "| `arxiv` | GRU:QA | 2018 | 0 | 2026-01-05 | 1,234 | 2026-03-06 | +1,234 | n/a (was 0) |")


def test_at_most_ten_moves_are_listed():
    history = []
    for i in range(12):  # +1 .. +12 on 100: the twelfth moved most
        history += [obs("openalex", "LSTM:QA", 2000 + i, 100, "01-01"),
                    obs("openalex", "LSTM:QA", 2000 + i, 101 + i, "02-01")]
    text = render(ctx(*history))
    intro, table = text.split("\n\n")
    assert intro == "12 counts were fetched more than once with the same query; 12" + INTRO + " The largest relative moves:"
    rows = table.splitlines()[2:]
    assert [r.split(" | ")[2] for r in rows] == [str(2000 + i) for i in range(11, 1, -1)]
    assert rows[0] == "| `openalex` | LSTM:QA | 2011 | 100 | 2026-01-01 | 112 | 2026-02-01 | +12 | +12% |"
    assert rows[-1] == "| `openalex` | LSTM:QA | 2002 | 100 | 2026-01-01 | 103 | 2026-02-01 | +3 | +3.0% |"
