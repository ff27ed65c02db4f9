"""One typed settings object: defaults, then LABWATCH_HOME/labwatch.toml, then LABWATCH_* variables.

The fields, their types and ranges are a pydantic-settings model; its sources are the home's
labwatch.toml and the LABWATCH_* environment, in that order of precedence below the
arguments given. A misspelt setting is an error, not a silent default, and so is a value of
the wrong type or out of its range: the message names the setting, where it came from (the
file or the variable) and what is allowed. A relative path (watchlist, watchlist_extra,
feeds) is taken relative to LABWATCH_HOME, wherever it was set. See labwatch.example.toml.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from annotated_types import Ge, Gt, Le
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from extractors.entities import load_watchlist
from extractors.errors import LabwatchError
from extractors.fetch import DEFAULT_USER_AGENT, FetchLimits
from extractors.records import Watchlist
from seeds import SEEDS_DIR
from warehouse.backend import Location, parse_warehouse


class SettingsError(LabwatchError, ValueError):
    """A setting that is unknown, of the wrong type or out of its range."""


PREFIX = "LABWATCH_"
CONFIG_NAME = "labwatch.toml"
DEFAULT_HOME = Path("data")


class Settings(BaseModel):
    """The settings of one labwatch home, checked: build them with `load_settings`."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        coerce_numbers_to_str=True,  # `web_token = 12345` in the file is the text "12345"
    )

    home: Path = DEFAULT_HOME  # LABWATCH_HOME: warehouse, digests and Prefect's home live here
    watchlist: Path = Field(default_factory=lambda: SEEDS_DIR / "watchlist.toml")
    # A user's watchlist whose entities extend the one above (same id: replaces it).
    watchlist_extra: Path | None = None
    feeds: Path = Field(default_factory=lambda: SEEDS_DIR / "feeds.toml")
    # Pages linked from feeds are never fetched from private, loopback or link-local
    # addresses, except from these hosts ("host" or "host:port").
    allowed_private_hosts: frozenset[str] = frozenset()
    user_agent: str = DEFAULT_USER_AGENT  # name labwatch and a contact URL
    # The ranges: a value outside one would store nothing, divide by zero or hang a run.
    timeout: Annotated[float, Gt(0), Le(3600)] = 60.0  # total seconds for one request
    # Largest feed or page body accepted.
    max_bytes: Annotated[int, Ge(1000), Le(1_000_000_000)] = 10_000_000
    per_host_connections: Annotated[int, Ge(1), Le(100)] = 2
    # Seconds between two requests to one host.
    min_host_interval: Annotated[float, Ge(0), Le(3600)] = 1.0
    # Retries of a soft failure (timeout, 5xx) within a run.
    max_retries: Annotated[int, Ge(0), Le(10)] = 2
    # A failing feed waits this × its consecutive failures.
    backoff_minutes: Annotated[float, Ge(0), Le(1440)] = 30.0
    # Deals: besides the rules', a model's reading of sentences no rule reads
    # (extractors/deal_model.py, docs/deals.md "A model beside the rules"), its deals marked
    # found_by = 'model': on whole articles nobody tuned on, recall 0.28-0.37 -> 0.40-0.53,
    # precision 0.85-0.88 -> 0.79-0.86. False: the rules alone.
    deal_model: bool = True
    batch_size: Annotated[int, Ge(1), Le(10_000)] = 64  # articles per fetch/extract batch
    # Analysed batches are stored together once this many articles are ready (one opening,
    # ledger refresh and checkpoint for them all); at once when the run waits on the network.
    store_size: Annotated[int, Ge(1), Le(100_000)] = 256
    workers: Annotated[int, Ge(1), Le(256)] = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1)
    )
    # Seconds to wait for the warehouse while another process holds it.
    lock_wait: Annotated[float, Ge(0), Le(3600)] = 15.0
    # Schedules of `labwatch serve` and prefect.yaml.
    ingest_every_minutes: Annotated[float, Gt(0), Le(44_640)] = 30.0  # up to 31 days
    digest_cron: str = "0 7 * * 1"  # Monday 07:00 ...
    timezone: str = "UTC"  # ... in this IANA time zone
    # A DuckLake warehouse only: its compaction and snapshot expiry (flows/maintain.py),
    # daily at a quiet hour in `timezone`, keeping this many days of snapshots (time travel).
    maintain_cron: str = "15 3 * * *"
    maintain_keep_days: Annotated[float, Ge(0), Le(3650)] = 7.0
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
    web_port: Annotated[int, Ge(1), Le(65_535)] = 8000
    web_token: str = ""
    # Where the warehouse is (`warehouse` in labwatch.toml, LABWATCH_WAREHOUSE): "" is the
    # DuckDB file <home>/labwatch.duckdb; duckdb:///path; or ducklake:postgres:<connection>
    # with its data files in ducklake_data (default <home>/lake). docs/scale-out.md.
    # Kept as text under another name: `warehouse` is the attribute giving the location.
    warehouse_url: str = Field("", validation_alias=AliasChoices("warehouse", "warehouse_url"))
    ducklake_data: str = ""  # a folder (relative: under the home) or s3://bucket/prefix/

    @field_validator(
        "timeout", "max_bytes", "per_host_connections", "min_host_interval", "max_retries",
        "backoff_minutes", "batch_size", "store_size", "workers", "lock_wait",
        "ingest_every_minutes", "web_port", "maintain_keep_days", mode="before",
    )  # fmt: skip
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):  # TOML's true is not the number 1
            raise ValueError("true or false is not a number")
        return value

    @field_validator("prefect_one_off", "web", mode="before")
    @classmethod
    def _empty_is_false(cls, value: Any) -> Any:
        return False if value == "" else value  # LABWATCH_WEB= turns it off

    @field_validator("watchlist", "watchlist_extra", "feeds", mode="before")
    @classmethod
    def _path_from_home(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str | Path):
            return value  # pydantic says what it is not
        if str(value).strip() == "" and info.field_name == "watchlist_extra":
            return None  # empty: none
        path = Path(value).expanduser()
        return path if path.is_absolute() else Path(info.data["home"]) / path

    @field_validator("allowed_private_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: Any) -> Any:
        """A TOML list, or comma-separated text (an environment variable)."""
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple | set | frozenset):
            return value
        return frozenset(str(i).strip() for i in items if str(i).strip())

    @field_validator("warehouse_url", "ducklake_data")
    @classmethod
    def _warehouse_parses(cls, value: str, info: ValidationInfo) -> str:
        # Checked here, so a mistake is named with where it came from.
        if info.field_name == "warehouse_url":
            parse_warehouse(value, info.data["home"])
        else:
            parse_warehouse("ducklake:postgres:-", info.data["home"], value)
        return value

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


class SettingsSources(BaseSettings, Settings):
    """Where settings come from, as pydantic-settings reads them: the arguments, then the
    LABWATCH_* environment, then the home's labwatch.toml, then the defaults.
    `load_settings` reads the same sources one by one, to name the source of a bad value."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_prefix_target="all",  # LABWATCH_WAREHOUSE as well as LABWATCH_WAREHOUSE_URL
        enable_decoding=False,  # LABWATCH_ALLOWED_PRIVATE_HOSTS is comma-separated, not JSON
        case_sensitive=True,  # in the file; environment_source reads LABWATCH_* in any case
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        given = init_settings.init_kwargs if isinstance(init_settings, InitSettingsSource) else {}
        home = home_path(given.get("home"))
        return init_settings, environment_source(settings_cls), file_source(settings_cls, home)


# LABWATCH_* variables that are not settings: the home itself, and the checkout folder that
# prefect.yaml's pull step sends a worker to (a worker's flow runs inherit its environment).
# LABWATCH_SERVED: what `labwatch serve` tells the flow runs it starts (flows/held_signals.py).
NOT_SETTINGS = frozenset({"LABWATCH_HOME", "LABWATCH_CHECKOUT", "LABWATCH_SERVED"})

# Every name a setting is given by, in the file or (upper-cased, after the prefix) the
# environment: its field's name and its aliases.
NAMES: dict[str, str] = {name: name for name in Settings.model_fields}
NAMES["warehouse"] = "warehouse_url"


def home_path(home: str | Path | None = None) -> Path:
    """The home: the one given, else LABWATCH_HOME, else ./data."""
    return Path(home or os.environ.get("LABWATCH_HOME") or DEFAULT_HOME).expanduser()


def file_source(settings_cls: type[BaseSettings], home: Path) -> TomlConfigSettingsSource:
    """The home's labwatch.toml (none: no values); a file that is not TOML is an error."""
    config = home / CONFIG_NAME
    try:
        return TomlConfigSettingsSource(settings_cls, toml_file=config)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{config}: {exc}") from exc


def load_settings(home: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, the home's labwatch.toml, the environment, then `overrides`.

    Each source is checked on its own, so a bad value is named with where it came from,
    even when a later source overrides it."""
    home = home_path(home)
    config = str(home / CONFIG_NAME)
    file_values = file_source(SettingsSources, home).toml_data  # as written: its names, its order
    _once({key: key for key in file_values if key in NAMES}, config)
    _check(file_values, home, lambda key: config, refused="home")  # LABWATCH_HOME says it
    variables = [v for v in os.environ if v.upper().startswith(PREFIX)]
    variables = [v for v in variables if v.upper() not in NOT_SETTINGS]
    for var in variables:
        if var.upper().removeprefix(PREFIX).lower() not in NAMES:
            raise SettingsError(f"unknown setting in the environment: {var}")
    _once({var: var.upper().removeprefix(PREFIX).lower() for var in variables}, "the environment")
    env_values = environment_source(SettingsSources)()
    env_values.pop("home", None)
    _check(env_values, home, variable)
    # None leaves a setting as it is, but an unknown name is an error whatever its value.
    given = {k: v for k, v in overrides.items() if v is not None or k not in NAMES}
    given.pop("home", None)
    _once({key: key for key in given if key in NAMES}, "the arguments")
    _check(given, home, lambda key: "")
    merged = _later_wins(file_values, env_values, given) | {"home": home}
    return Settings.model_validate(merged)


def environment_source(settings_cls: type[BaseSettings]) -> EnvSettingsSource:
    """LABWATCH_* variables, whatever the case of their names (the file's names are exact)."""
    return EnvSettingsSource(settings_cls, case_sensitive=False)


def variable(key: str) -> str:
    """The environment variable that gave setting `key` (by its name or an alias); the
    source reads the first alias first."""
    spellings = [f"{PREFIX}{name.upper()}" for name in NAMES if NAMES[name] == NAMES[key]]
    spellings.sort(key=lambda var: var != f"{PREFIX}{key.upper()}")
    present = {var.upper(): var for var in os.environ}
    return next(present[var] for var in spellings if var in present)


def _once(names: dict[str, str], source: str) -> None:
    """SettingsError if one source gives a setting twice, under two of its names (`names`:
    each as written, and the name): a file can say both warehouse and warehouse_url, the
    environment have LABWATCH_X and labwatch_x."""
    seen: dict[str, str] = {}
    for written, name in names.items():
        if NAMES[name] in seen:
            shown = "warehouse" if NAMES[name] == "warehouse_url" else NAMES[name]
            first = seen[NAMES[name]]
            raise SettingsError(f"setting {shown} is given twice in {source}: {first}, {written}")
        seen[NAMES[name]] = written


def _later_wins(*sources: dict[str, Any]) -> dict[str, Any]:
    """The sources merged, later ones over earlier ones, also where a setting is given
    under another of its names (warehouse, warehouse_url)."""
    merged: dict[str, Any] = {}
    for source in sources:
        for key, value in source.items():
            for other in [k for k in merged if NAMES[k] == NAMES[key]]:
                del merged[other]
            merged[key] = value
    return merged


def _check(
    values: dict[str, Any], home: Path, origin: Callable[[str], str], refused: str = ""
) -> None:
    """SettingsError naming the first bad one of `values` and its `origin` (the file, the
    variable, or "" for an argument): the first in the file, or in the environment. The
    setting `refused` is unknown here."""
    errors: list[ErrorDetails] = []
    try:
        Settings.model_validate({k: v for k, v in values.items() if k != refused} | {"home": home})
    except ValidationError as exc:
        errors = [e for e in exc.errors() if e["loc"] and e["loc"][0] in values]
    if refused in values:
        errors.append(ErrorDetails(type="extra_forbidden", loc=(refused,), msg="", input=None))
    if not errors:
        return
    if origin is variable:
        order = {var.upper(): n for n, var in enumerate(os.environ)}
        first = min(errors, key=lambda e: order[variable(str(e["loc"][0])).upper()])
    else:
        first = min(errors, key=lambda e: list(values).index(str(e["loc"][0])))
    raise SettingsError(_message(first, values, origin(str(first["loc"][0]))))


def _message(error: ErrorDetails, values: dict[str, Any], source: str) -> str:
    key = str(error["loc"][0])
    value = values[key]
    if error["type"] == "extra_forbidden":
        return f"{source}: unknown setting {key!r}" if source else f"unknown setting {key!r}"
    name = NAMES[key]
    shown = "warehouse" if name == "warehouse_url" else name  # as in labwatch.toml
    where = f" (from {source})" if source else ""
    if name in ("warehouse_url", "ducklake_data") and error["type"] == "value_error":
        return f"setting {shown} = {value!r}{where}: {error.get('ctx', {}).get('error')}"
    if error["type"] in ("greater_than", "greater_than_equal", "less_than_equal"):
        return f"setting {shown} = {value!r}{where}: must be {allowed(name)}"
    return f"setting {shown}{where}: cannot use {value!r}: must be {allowed(name)}"


# The allowed values of each type of setting, in words, after "must be".
WORDS: dict[Any, str] = {
    Path: "a path",
    Path | None: "a path",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    frozenset[str]: "a string",
}


def allowed(name: str) -> str:
    """The allowed values of setting `name`, in words, after "must be": 'an integer from 1
    to 10,000', 'more than 0 and at most 3,600'."""
    field = Settings.model_fields[name]
    bounds = {type(m): m for m in field.metadata}
    kind = WORDS[field.annotation]
    if Le not in bounds:
        return kind
    high = _number_text(bounds[Le].le)
    if Gt in bounds:
        return f"more than {_number_text(bounds[Gt].gt)} and at most {high}"
    return f"{kind} from {_number_text(bounds[Ge].ge)} to {high}"


def _number_text(x: Any) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"
