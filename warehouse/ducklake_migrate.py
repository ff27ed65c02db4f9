"""`labwatch migrate-warehouse`: copy a DuckDB warehouse file into an empty DuckLake.

One process opens the file (migrated to the current schema first, as any writer would) and
attaches the lake beside it; every table is copied in ONE DuckLake transaction, so a failure
anywhere (the catalog gone, the disk full) leaves the lake as empty as it was, and running
the command again starts over. A lake that already holds rows is refused, so a second run
never doubles anything. The DuckDB file is only read: it stays as it was, the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.backend import DuckLakeWarehouse
from warehouse.database import open_warehouse, require_warehouse
from warehouse.ducklake import (
    ALIAS,
    LAKE_ONLY,
    DuckLakeError,
    attach_lake,
    migrate_lake,
    rollback,
    row_counts,
    table_names,
)
from warehouse.errors import WarehouseError


class LakeNotEmptyError(WarehouseError):
    """The target lake already holds rows: copying again would double them."""


@dataclass(frozen=True)
class Copied:
    tables: dict[str, int]  # rows copied per table

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def migrate_to_lake(source: Path, lake: DuckLakeWarehouse, lock_wait: float = 15.0) -> Copied:
    """Copy every table of the DuckDB warehouse at `source` into `lake` (empty); return the
    rows copied per table. All or nothing."""
    require_warehouse(source)
    with open_warehouse(source, lock_wait=lock_wait) as con:
        name = str(con.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]
        src = '"' + name.replace('"', '""') + '"'  # a file's stem, e.g. "old-home": quoted
        attach_lake(con, lake, read_only=False)
        con.execute(f"USE {ALIAS}")
        try:
            migrate_lake(con, str(lake))
            full = {
                t: n
                for t, n in row_counts(con, ALIAS).items()
                if n and t not in ("schema_migrations", *LAKE_ONLY)
            }
            if full:
                listed = ", ".join(f"{t} ({n} rows)" for t, n in sorted(full.items()))
                raise LakeNotEmptyError(
                    f"{lake} already holds data: {listed}. migrate-warehouse copies into an "
                    "empty lake only, so nothing was copied; point `warehouse` at a new "
                    "catalog database to copy again"
                )
            ours = set(table_names(con, ALIAS)) - {"schema_migrations"}
            theirs = set(table_names(con, name)) - {"schema_migrations"}
            if theirs - ours:
                raise DuckLakeError(
                    f"{source} has tables the lake's schema lacks: {sorted(theirs - ours)}"
                )
            copied = _copy(con, src, sorted(theirs))
        finally:
            con.execute(f"USE {src}")
            con.execute(f"DETACH {ALIAS}")
    return copied


def _copy(con: duckdb.DuckDBPyConnection, src: str, tables: list[str]) -> Copied:
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for table in tables:
            # By name: a column's place may differ between a migrated file and the lake.
            con.execute(
                f'INSERT INTO {ALIAS}.main."{table}" BY NAME SELECT * FROM {src}.main."{table}"'
            )
            row = con.execute(f'SELECT count(*) FROM {src}.main."{table}"').fetchone()
            counts[table] = int(row[0]) if row else 0
        con.execute("COMMIT")
    except duckdb.Error as exc:
        rollback(con)
        raise DuckLakeError(
            f"copying into the lake failed ({str(exc).strip()}); nothing was committed, the "
            "lake is as empty as before and the DuckDB file is unchanged: fix the cause and "
            "run `labwatch migrate-warehouse` again"
        ) from exc
    except BaseException:
        rollback(con)
        raise
    return Copied(counts)
