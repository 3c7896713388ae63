from __future__ import annotations

import os
from pathlib import Path

import pytest

from survey.config import Settings

REPO = Path(__file__).resolve().parents[1]
# `make mutation` runs the tests from a copy in mutants/, one level deeper: it names shared/.
SHARED = Path(os.environ.get("SURVEY_SHARED_DIR") or REPO.parent / "shared")


@pytest.fixture
def shared() -> Path:
    """../shared beside the checkout (fixtures and corpora); tests skip where it is absent."""
    if not (SHARED / "fixtures").is_dir():
        pytest.skip(f"{SHARED} is absent: the recorded fixtures and corpora live there")
    return SHARED


@pytest.fixture
def fixtures(shared) -> Path:
    return shared / "fixtures"


@pytest.fixture
def acl(shared) -> Path:
    path = shared / "corpora" / "acl-anthology"
    if not (path / "sample.jsonl").is_file():
        pytest.skip(f"{path} is absent: the ACL Anthology corpus lives in ../shared")
    return path


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A private SURVEY_HOME so no test touches the user's cache or config."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SURVEY_HOME", str(home))
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("SURVEY_CONFIG", str(config))
    for var in list(os.environ):
        if var.startswith("SURVEY_") and var not in ("SURVEY_HOME", "SURVEY_CONFIG"):
            monkeypatch.delenv(var)
    # the pace is shared machine-wide; a test's pauses and bookings stay its own
    monkeypatch.setenv("SURVEY_PACE_DIR", str(tmp_path / "pace"))
    return home


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "state", env={})
