from __future__ import annotations

import csv
from datetime import datetime, timezone
import io
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import survey
from survey import __version__
from survey.cli import main, parse_max_age
from survey.errors import BadInput
from survey.observation import Observation
from survey.store import Store

REPO = Path(__file__).resolve().parents[1]
STUDY = str(REPO / "queries" / "lstm_vs_cnn.toml")


@pytest.fixture
def cli(home):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, ["--no-progress", *args], input=input, catch_exceptions=False)

    return invoke


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in _commands(main)], ids=" ".join)
def test_every_command_has_help(cli, path):
    result = cli(*path, "--help")
    assert result.exit_code == 0
    cmd = dict(_commands(main))[path]
    assert cmd.help and cmd.help.strip(), f"{' '.join(path)} has no help text"
    assert "Usage:" in result.output


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from click.testing import CliRunner; from survey.cli import main; "
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0; "
        "print(','.join(m for m in ('pandas', 'matplotlib', 'torch', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_imports_no_part_of_the_library_a_command_needs():
    """`survey --help` imports click and the command modules only: the API, the query files' parser,
    the store and SQLite load when a command runs (they were most of the start-up)."""
    code = (
        "import sys; from survey.cli import main; "
        "print(','.join(m for m in ('survey.api', 'survey.matrix', 'survey.store', 'sqlite3', 'tomllib', 'logging') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_public_api_loads_on_first_use():
    code = ("import sys, survey; before = 'survey.api' in sys.modules; f = survey.refresh; from survey import StoreError; "
            "from survey.cli import parse_max_age; import survey.api, survey.store; "
            "print(before, f is survey.api.refresh, StoreError is survey.store.StoreError, "
            "parse_max_age is survey.api.parse_max_age, 'refresh' in dir(survey))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True", "True", "True"]
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        survey.nothing  # noqa: B018


def test_python_dash_m(home):
    out = subprocess.run([sys.executable, "-m", "survey", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout


def test_bad_query_file_is_one_line_exit_2(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[methods]\nLSTM = []\n[tasks]\nt = ["x"]\n')
    result = cli("counts", "-q", str(bad))
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {bad}:2: method 'LSTM' has no terms: give at least one term or phrase"
    result = cli("plan", "-q", str(tmp_path / "missing.toml"), "-s", "local")
    assert result.exit_code == 2 and "missing.toml: no such file" in result.output


def test_unknown_source_lists_valid_ones(cli):
    result = cli("plan", "-q", STUDY, "-s", "nosuch")
    assert result.exit_code == 2
    assert "unknown source 'nosuch'; valid sources:" in result.output


def test_counts_on_empty_cache_says_what_to_do(cli):
    result = cli("counts", "-q", STUDY)
    assert result.exit_code == 2 and "holds no counts for" in result.output and "run `survey refresh" in result.output


def _seed(home: Path):
    """Counts as `survey refresh -s openalex` stores them: under the queries openalex compiles."""
    from survey.config import load_settings
    from survey.query_file import load_matrix
    from survey.sources import make_source

    matrix, source = load_matrix(STUDY), make_source("openalex", load_settings(home, env={}))

    def query(method, task, start, end):
        return source.compile(matrix.cell(method, task).query, start, end)

    with Store(home / "cache.sqlite") as store:
        for method, task, n in (("LSTM", "total", 5), ("CNN", "total", 7), ("LSTM", "dialog", 2)):
            store.record(Observation("openalex", method, task, "all time", None, None, None,
                                     query(method, task, None, None), n, "ok"))
        store.record(Observation("openalex", "CNN", "dialog", "all time", None, None, None,
                                 query("CNN", "dialog", None, None), None, "unsupported", "no phrase search"))
        # Per-year rows carry the one group_by request that answered every trend year.
        years = matrix.trend.years(datetime.now(timezone.utc).year)
        by_year = source.compile_by_year(matrix.cell("LSTM", "total").query, years[0], years[-1])
        store.record(Observation("openalex", "LSTM", "total", "trend", 2020, 2020, 2020, by_year[2020], 3, "ok"))


def test_counts_from_cache(cli, home):
    _seed(home)
    out = cli("counts", "-q", STUDY, "--window", "all time", "--format", "csv")
    rows = {(r["method"], r["task"]): r["count"] for r in csv.DictReader(io.StringIO(out.stdout))}
    assert rows[("LSTM", "total")] == "5" and rows[("CNN", "dialog")] == "" and rows[("CNN", "QA")] == ""
    md = cli("counts", "-q", STUDY, "--window", "all time", "--format", "markdown").output
    assert "unsupported by this source: no phrase search" in md
    assert "| LSTM:CNN |" in md and "0.71" in md
    by_year = cli("counts", "-q", STUDY, "--by-year", "--format", "csv").stdout
    assert by_year.splitlines() == ["source,window,method,task,year,count", "openalex,trend,LSTM,total,2020,3"]
    bad_window = cli("counts", "-q", STUDY, "--window", "nope")
    assert bad_window.exit_code == 2
    assert "no window 'nope'; windows are since 2006, all time" in bad_window.output


def test_cache_commands(cli, home, tmp_path):
    _seed(home)
    stats = cli("cache", "stats").output.splitlines()
    assert stats[0].endswith("5 observations of 5 keys, " + stats[0].rsplit(", ", 1)[1])
    assert [line.split()[:3] for line in stats[1:]] == [["openalex", "ok", "4"], ["openalex", "unsupported", "1"]]
    hist = cli("cache", "history", "LSTM:total").output.splitlines()
    # one group per query sent: the all-time total, then the 2020 trend year
    assert len(hist) == 4 and hist[0].startswith("openalex: https://") and hist[2].startswith("openalex: https://")
    assert hist[1].split()[-3:] == ["all", "time", "5"] and hist[3].split()[-2:] == ["2020", "3"]
    assert cli("cache", "history", "LSTM").exit_code == 2
    out = tmp_path / "export.csv"
    assert cli("cache", "export", str(out)).exit_code == 0
    exported = list(csv.DictReader(open(out, encoding="utf-8")))
    assert sorted((r["method"], r["task"], r["count"], r["status"]) for r in exported) == [
        ("CNN", "dialog", "", "unsupported"), ("CNN", "total", "7", "ok"), ("LSTM", "dialog", "2", "ok"),
        ("LSTM", "total", "3", "ok"), ("LSTM", "total", "5", "ok")]
    assert cli("cache", "clear", input="n\n").exit_code == 1  # declined: nothing deleted
    assert "5 observations" in cli("cache", "stats").output
    assert "5 observations deleted" in cli("cache", "clear", "--yes").output
    assert cli("cache", "stats").output.startswith(str(home / "cache.sqlite") + ": 0 observations")
    # the export reads back field for field, and a second import adds nothing
    assert "5 observations imported" in cli("cache", "import", str(out)).output
    assert "0 observations imported from" in cli("cache", "import", str(out)).output
    again = tmp_path / "again.csv"
    cli("cache", "export", str(again))
    assert sorted(open(again, encoding="utf-8").read().splitlines()) == sorted(open(out, encoding="utf-8").read().splitlines())


def test_max_age_parsing():
    assert parse_max_age("30d").days == 30
    assert parse_max_age("12h").total_seconds() == 12 * 3600
    assert parse_max_age("0").total_seconds() == 0
    assert parse_max_age("never") is None
    with pytest.raises(BadInput, match="--max-age 'soon'"):
        parse_max_age("soon")
