"""Which warehouse backend: the `warehouse` setting parsed into a DuckDB file or a DuckLake.

- "" (the default): the DuckDB file LABWATCH_HOME/labwatch.duckdb, as always;
- ``duckdb:///absolute/path.duckdb`` or ``duckdb:relative/path.duckdb`` (under the home);
- ``ducklake:postgres:<libpq conninfo or postgres:// URL>``: a DuckLake whose catalog is in
  that PostgreSQL database, its data files in the `ducklake_data` folder (default
  LABWATCH_HOME/lake). See docs/scale-out.md.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.ducklake import PREFIX, DuckLakeWarehouse, parse_ducklake

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
