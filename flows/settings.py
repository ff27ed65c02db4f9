"""One typed settings object: defaults, then LABWATCH_HOME/labwatch.toml, then LABWATCH_* variables.

A misspelt setting is an error, not a silent default, and so is a number out of its range
(the message names the setting, where it came from and the range allowed). A relative path
(watchlist, watchlist_extra, feeds) is taken relative to LABWATCH_HOME, wherever it was set.
See labwatch.example.toml.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from extractors.entities import load_watchlist
from extractors.errors import LabwatchError
from extractors.fetch import DEFAULT_USER_AGENT, FetchLimits
from extractors.records import Watchlist
from seeds import SEEDS_DIR
from warehouse.backend import Location, parse_warehouse


class SettingsError(LabwatchError, ValueError):
    """A setting that is unknown, of the wrong type or out of its range."""


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
    # One-off `labwatch ingest`, `refetch` and `digest` run as Prefect flow runs even when no
    # Prefect server is running (a temporary one is started: seconds more). Off: they run
    # their steps directly unless `labwatch serve`'s server or PREFECT_API_URL is there.
    prefect_one_off: bool = False
    # `labwatch web`, also started by `labwatch serve` unless `web` is false. A host other
    # than loopback is refused unless `web_token` is set; every request must then carry it.
    web: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    web_token: str = ""
    # Where the warehouse is (`warehouse` in labwatch.toml, LABWATCH_WAREHOUSE): "" is the
    # DuckDB file <home>/labwatch.duckdb; duckdb:///path; or ducklake:postgres:<connection>
    # with its data files in ducklake_data (default <home>/lake). docs/scale-out.md.
    warehouse_url: str = ""
    ducklake_data: str = ""  # a folder (relative: under the home) or s3://bucket/prefix/

    @property
    def warehouse(self) -> Location:
        return parse_warehouse(self.warehouse_url, self.home, self.ducklake_data)

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


# The allowed range of every numeric setting: (lowest, highest, lowest excluded). A value
# outside it would store nothing, divide by zero or hang a run.
RANGES: dict[str, tuple[float, float, bool]] = {
    "timeout": (0, 3600, True),
    "max_bytes": (1000, 1_000_000_000, False),
    "per_host_connections": (1, 100, False),
    "min_host_interval": (0, 3600, False),
    "max_retries": (0, 10, False),
    "backoff_minutes": (0, 1440, False),
    "batch_size": (1, 10_000, False),
    "workers": (1, 256, False),
    "lock_wait": (0, 3600, False),
    "ingest_every_minutes": (0, 44_640, True),  # up to 31 days
    "web_port": (1, 65_535, False),
}


def allowed(name: str, kind: Any) -> str:
    """The allowed values of setting `name` of declared type `kind`, in words, after "must
    be": 'an integer from 1 to 10,000', 'more than 0 and at most 3,600'."""
    if name not in RANGES:
        return CONVERTERS[kind][1]
    noun = "an integer" if kind is int else "a number"
    low, high, open_low = RANGES[name]
    if open_low:
        return f"more than {_number_text(low)} and at most {_number_text(high)}"
    return f"{noun} from {_number_text(low)} to {_number_text(high)}"


def _number_text(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def _int(value: Any, home: Path) -> int:
    if isinstance(value, bool):  # TOML true is not 1
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    return int(value)


def _float(value: Any, home: Path) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _bool(value: Any, home: Path) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(value)


def _path(value: Any, home: Path) -> Path:
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else home / path


def _optional_path(value: Any, home: Path) -> Path | None:
    return None if str(value).strip() == "" else _path(value, home)


def _strings(value: Any, home: Path) -> frozenset[str]:
    """A TOML list, or comma-separated text (an environment variable)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return frozenset(str(i).strip() for i in items if str(i).strip())


def _text(value: Any, home: Path) -> str:
    return str(value)


# How a value from a file or the environment becomes each declared type of a Settings field
# (relative paths are taken from the home), and its allowed values in words. A field of a
# type not listed here stops this module loading: it never silently becomes a string.
CONVERTERS: dict[Any, tuple[Callable[[Any, Path], Any], str]] = {
    Path: (_path, "a path"),
    Path | None: (_optional_path, "a path"),
    bool: (_bool, "true or false"),
    int: (_int, "an integer"),
    float: (_float, "a number"),
    str: (_text, "a string"),
    frozenset[str]: (_strings, "a string"),
}
TYPES: dict[str, Any] = get_type_hints(Settings)
_UNCONVERTIBLE = {name: kind for name, kind in TYPES.items() if kind not in CONVERTERS}
if _UNCONVERTIBLE:
    raise TypeError(f"settings of a type flows/settings.py cannot convert: {_UNCONVERTIBLE}")


def _convert(name: str, kind: Any, value: Any, source: str, home: Path) -> Any:
    """`value` of setting `name` as its declared type `kind`, checked against its range;
    `source` says where it came from (a file, an environment variable) for the message."""
    if kind not in CONVERTERS:
        raise TypeError(f"setting {name}: no conversion to {kind!r}")
    where = f" (from {source})" if source else ""
    if name in ("warehouse_url", "ducklake_data"):
        try:  # checked here, so a mistake is named with where it came from
            if name == "warehouse_url":
                parse_warehouse(str(value), home)
            else:
                parse_warehouse("ducklake:postgres:-", home, str(value))
        except ValueError as exc:
            shown = "warehouse" if name == "warehouse_url" else name
            raise SettingsError(f"setting {shown} = {value!r}{where}: {exc}") from exc
    try:
        converted = CONVERTERS[kind][0](value, home)
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            f"setting {name}{where}: cannot use {value!r}: must be {allowed(name, kind)}"
        ) from exc
    if name in RANGES:
        low, high, open_low = RANGES[name]
        if converted > high or converted < low or (open_low and converted == low):
            raise SettingsError(f"setting {name} = {value!r}{where}: must be {allowed(name, kind)}")
    return converted


# LABWATCH_* variables that are not settings: the home itself, and the checkout folder that
# prefect.yaml's pull step sends a worker to (a worker's flow runs inherit its environment).
NOT_SETTINGS = frozenset({"LABWATCH_HOME", "LABWATCH_CHECKOUT"})

# Settings named otherwise in labwatch.toml and LABWATCH_*: `warehouse` is the attribute
# that gives the parsed location, so its text is kept under another name.
RENAMED = {"warehouse": "warehouse_url"}


def load_settings(home: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, the home's labwatch.toml, the environment, then `overrides`."""
    kinds = TYPES
    values: dict[str, Any] = {}
    home_value = home or os.environ.get("LABWATCH_HOME") or Settings.home
    home_path = Path(home_value).expanduser()
    config = home_path / "labwatch.toml"
    if config.is_file():
        try:
            doc = tomllib.loads(config.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{config}: {exc}") from exc
        for key, value in doc.items():
            key = RENAMED.get(key, key)
            if key not in kinds or key == "home":
                raise SettingsError(f"{config}: unknown setting {key!r}")
            values[key] = _convert(key, kinds[key], value, str(config), home_path)
    for var, env in os.environ.items():
        if not var.startswith("LABWATCH_") or var in NOT_SETTINGS:
            continue
        name = var.removeprefix("LABWATCH_").lower()
        name = RENAMED.get(name, name)
        if name not in kinds:
            raise SettingsError(f"unknown setting in the environment: {var}")
        values[name] = _convert(name, kinds[name], env, var, home_path)
    for key, value in overrides.items():
        key = RENAMED.get(key, key)
        if key not in kinds:
            raise SettingsError(f"unknown setting {key!r}")
        if value is not None:
            values[key] = _convert(key, kinds[key], value, "", home_path)
    values["home"] = home_path
    return dataclasses.replace(Settings(), **values)
