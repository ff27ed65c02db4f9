"""Which warehouse backend: the `warehouse` setting parsed into a DuckDB file or a DuckLake.

- "" (the default): the DuckDB file LABWATCH_HOME/labwatch.duckdb, as always;
- ``duckdb:///absolute/path.duckdb`` or ``duckdb:relative/path.duckdb`` (under the home);
- ``ducklake:postgres:<libpq conninfo or postgres:// URL>``: a DuckLake whose catalog is in
  that PostgreSQL database, its data files in the `ducklake_data` folder (default
  LABWATCH_HOME/lake). See docs/scale-out.md.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# No DuckDB import here: the settings import this module, also in processes that never
# open the warehouse (the analysis pool).

PREFIX = "ducklake:postgres:"
# The fts index is DuckDB-file tables and macros: a lake cannot hold it (yet).
SEARCH_NEEDS_A_FILE = (
    "search needs a DuckDB warehouse: its full-text index cannot live in DuckLake yet; "
    "use labwatch sql with ILIKE instead (docs/scale-out.md)"
)


@dataclass(frozen=True)
class DuckLakeWarehouse:
    """Where a DuckLake warehouse lives: a PostgreSQL catalog and a data folder."""

    catalog: str  # libpq conninfo ("host=... dbname=...") or a postgres:// URL
    data_path: str  # a folder (or, later, s3://bucket/prefix/)

    def __str__(self) -> str:
        return f"{PREFIX}{redact_conninfo(self.catalog)} (data in {self.data_path})"

    @property
    def on_s3(self) -> bool:
        return self.data_path.startswith("s3://")

    def exists(self) -> bool:
        """Whether the catalog has labwatch's schema in it (a read-only look). A catalog
        that cannot be reached is an error that says why, not a missing warehouse."""
        from warehouse.ducklake import connect_lake
        from warehouse.errors import WarehouseMissingError

        try:
            connect_lake(self, read_only=True).close()
        except WarehouseMissingError:
            return False
        return True


def redact_conninfo(text: str) -> str:
    """`text` with any password hidden, as a URL (user:***@) or conninfo (password=***)."""
    if "://" in text:
        parts = urlsplit(text)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            text = urlunsplit(parts._replace(netloc=netloc))
        return re.sub(r"(password=)[^&]*", r"\1***", text)
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", text)


def parse_ducklake(value: str, data_path: str, home: Path) -> DuckLakeWarehouse:
    """A `warehouse` setting starting with ducklake:postgres:, checked; `data_path` is a
    folder (relative: under `home`; "": home/lake) or s3://bucket/prefix/."""
    catalog = value[len(PREFIX) :].strip()
    if not catalog:
        raise ValueError(
            "ducklake:postgres: needs the catalog's connection, e.g. "
            "ducklake:postgres:host=db.example dbname=labwatch user=labwatch"
        )
    text = data_path.strip()
    if text.startswith("s3://"):
        if not text.removeprefix("s3://").split("/", 1)[0]:
            raise ValueError(f"ducklake_data {text!r} names no bucket: s3://bucket/prefix/")
        return DuckLakeWarehouse(catalog=catalog, data_path=text.rstrip("/") + "/")
    if "://" in text:
        raise ValueError(f"ducklake_data {text!r}: a folder or s3://bucket/prefix/")
    folder = Path(text).expanduser() if text else Path("lake")
    folder = folder if folder.is_absolute() else home / folder
    return DuckLakeWarehouse(catalog=catalog, data_path=f"{folder}/")


def cache_dir() -> Path:
    """labwatch's folder in the user's cache, per DuckDB release (the extension copy)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labwatch" / f"duckdb-{version('duckdb')}"


# Where a warehouse is: a DuckDB file (the default), or a DuckLake (warehouse/ducklake.py).
Location = Path | DuckLakeWarehouse

DEFAULT_FILE = "labwatch.duckdb"


def parse_warehouse(value: str, home: Path, ducklake_data: str = "") -> Location:
    """The warehouse `value` names; ValueError with the forms allowed when it names none."""
    text = value.strip()
    if not text:
        return home / DEFAULT_FILE
    if text.startswith("duckdb:"):
        rest = text.removeprefix("duckdb:")
        rest = rest.removeprefix("//") if rest.startswith("///") else rest
        if not rest.strip():
            raise ValueError("duckdb: needs a file, e.g. duckdb:///srv/labwatch/labwatch.duckdb")
        path = Path(rest).expanduser()
        return path if path.is_absolute() else home / path
    if text.startswith(PREFIX):
        return parse_ducklake(text, ducklake_data, home)
    raise ValueError(
        "must be duckdb:///path/to/file.duckdb or ducklake:postgres:<connection> "
        "(e.g. ducklake:postgres:host=db dbname=labwatch)"
    )
