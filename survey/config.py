"""Settings resolution: flag > environment > config file > default.

The one root for state is ``home``: the count store ``home/cache.sqlite`` and corpora
``home/corpora/NAME.sqlite``. Secrets are read here and handed to sources; nothing here
writes them anywhere.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from survey.errors import ConfigError

APP = "survey"


def default_home() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def env_name(source: str, key: str) -> str:
    """SURVEY_<NAME>_<KEY>, NAME upper-cased with non-alphanumerics dropped."""
    return f"SURVEY_{re.sub(r'[^A-Za-z0-9]', '', source).upper()}_{key.upper()}"


@dataclass
class Settings:
    home: Path
    config_path: Path | None = None
    file: dict = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def cache_path(self) -> Path:
        return self.home / "cache.sqlite"

    @property
    def corpora_dir(self) -> Path:
        return self.home / "corpora"

    def source_setting(self, source: str, key: str) -> str | None:
        """A per-source setting (key, url, rps, concurrency, ...) or None."""
        value = self.env.get(env_name(source, key))
        if value:
            return value
        table = self.file.get("sources", {}).get(source, {})
        value = table.get(key)
        return None if value is None else str(value)

    def source_float(self, source: str, key: str, default: float | None) -> float | None:
        raw = self.source_setting(source, key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{env_name(source, key)}={raw!r}: expected a number") from None
        if value <= 0:
            raise ConfigError(f"{env_name(source, key)}={raw!r}: expected a positive number")
        return value

    @property
    def mailto(self) -> str | None:
        return self.env.get("SURVEY_MAILTO") or self.file.get("mailto")


def load_settings(
    home: str | os.PathLike | None = None,
    config: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    env = dict(os.environ if env is None else env)
    explicit = config or env.get("SURVEY_CONFIG")
    config_path = Path(explicit) if explicit else default_config_path()
    data: dict = {}
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
    elif explicit:
        raise ConfigError(f"{config_path}: config file not found")
    home_value = home or env.get("SURVEY_HOME") or data.get("home")
    home_path = Path(home_value).expanduser() if home_value else default_home()
    return Settings(home=home_path, config_path=config_path if config_path.exists() else None, file=data, env=env)
