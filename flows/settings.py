"""One typed settings object: defaults, then LABWATCH_HOME/labwatch.toml, then LABWATCH_* variables.

A misspelt setting is an error, not a silent default. See labwatch.example.toml.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from extractors.entities import Watchlist, load_watchlist
from extractors.fetch import DEFAULT_USER_AGENT, FetchLimits
from seeds import SEEDS_DIR


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    home: Path = Path("data")  # LABWATCH_HOME: warehouse, digests and Prefect's home live here
    watchlist: Path = field(default_factory=lambda: SEEDS_DIR / "watchlist.toml")
    # A user's watchlist whose entities extend the one above (same id: replaces it).
    watchlist_extra: Path | None = None
    feeds: Path = field(default_factory=lambda: SEEDS_DIR / "feeds.toml")
    # Pages linked from feeds are never fetched from private, loopback or link-local
    # addresses, except from these hosts ("host" or "host:port").
    allowed_private_hosts: frozenset[str] = frozenset()
    user_agent: str = DEFAULT_USER_AGENT  # name labwatch and a contact URL
    timeout: float = 60.0  # total seconds for one request
    max_bytes: int = 10_000_000  # largest feed or page body accepted
    per_host_connections: int = 2
    min_host_interval: float = 1.0  # seconds between two requests to one host
    max_retries: int = 2  # retries of a soft failure (timeout, 5xx) within a run
    backoff_minutes: float = 30.0  # a failing feed waits this × its consecutive failures
    batch_size: int = 64  # articles per fetch/extract/store batch
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    lock_wait: float = 15.0  # seconds to wait for the warehouse while another process holds it
    # Schedules of `labwatch serve` and prefect.yaml.
    ingest_every_minutes: float = 30.0
    digest_cron: str = "0 7 * * 1"  # Monday 07:00 ...
    timezone: str = "UTC"  # ... in this IANA time zone
    # An Apprise URL (mailto://, slack://, ntfy://, ...): the digest flow sends its headline.
    notify_url: str = ""
    # Where the digests folder is served (https://example.org/labwatch/): notifications link
    # to <public_url>/<week>.html. Empty: notifications carry no link.
    public_url: str = ""

    @property
    def warehouse(self) -> Path:
        return self.home / "labwatch.duckdb"

    @property
    def digests_dir(self) -> Path:
        return self.home / "digests"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"

    def load_watchlist(self) -> Watchlist:
        return load_watchlist(self.watchlist, self.watchlist_extra)

    def fetch_limits(self) -> FetchLimits:
        return FetchLimits(
            total_timeout=self.timeout,
            max_bytes=self.max_bytes,
            per_host_connections=self.per_host_connections,
            min_host_interval=self.min_host_interval,
            max_retries=self.max_retries,
            user_agent=self.user_agent,
            allowed_private_hosts=frozenset(h.lower() for h in self.allowed_private_hosts),
        )


def _convert(name: str, kind: Any, value: Any) -> Any:
    kind = str(kind)
    try:
        if kind in ("Path", "Path | None"):
            return Path(value).expanduser()
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("1", "true", "yes", "on"):
                return True
            if str(value).lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        if kind == "frozenset[str]":
            items = value.split(",") if isinstance(value, str) else list(value)
            return frozenset(str(i).strip() for i in items if str(i).strip())
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name}: cannot use {value!r} as {kind}") from exc


def load_settings(home: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, the home's labwatch.toml, the environment, then `overrides`."""
    kinds = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}
    home_value = home or os.environ.get("LABWATCH_HOME") or Settings.home
    home_path = Path(home_value).expanduser()
    config = home_path / "labwatch.toml"
    if config.is_file():
        try:
            doc = tomllib.loads(config.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config}: {exc}") from exc
        for key, value in doc.items():
            if key not in kinds or key == "home":
                raise SettingsError(f"{config}: unknown setting {key!r}")
            values[key] = _convert(key, kinds[key], value)
    for var, env in os.environ.items():
        if not var.startswith("LABWATCH_") or var == "LABWATCH_HOME":
            continue
        name = var.removeprefix("LABWATCH_").lower()
        if name not in kinds:
            raise SettingsError(f"unknown setting in the environment: {var}")
        values[name] = _convert(var, kinds[name], env)
    for key, value in overrides.items():
        if key not in kinds:
            raise SettingsError(f"unknown setting {key!r}")
        if value is not None:
            values[key] = _convert(key, kinds[key], value)
    values["home"] = home_path
    return dataclasses.replace(Settings(), **values)
