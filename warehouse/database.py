"""Opening the warehouse: migrations on open for writers, bounded retries while the file is locked.

DuckDB lets one process open a file read-write and refuses every other opener meanwhile, so
writers keep connections short and every opener retries for a while before giving up with a
message that says who holds the file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.errors import MigrationError, SchemaTooNewError, WarehouseLockedError

DEFAULT_LOCK_WAIT = 15.0  # seconds an opener waits for a lock before giving up


def migrations() -> list[tuple[int, str, str]]:
    """The migration files in order, as (version, name, sql)."""
    found = []
    for item in resources.files("warehouse.migrations").iterdir():
        m = re.fullmatch(r"(\d{4})_(\w+)\.sql", item.name)
        if m:
            found.append((int(m.group(1)), m.group(2), item.read_text(encoding="utf-8")))
    return sorted(found)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, path: Path | str = "warehouse") -> int:
    """Apply pending migrations, each in its own transaction; return the resulting version."""
    known = migrations()
    latest = known[-1][0] if known else 0
    current = schema_version(con)
    if current > latest:
        raise SchemaTooNewError(
            f"{path} has schema version {current}, newer than this labwatch knows ({latest}); "
            "upgrade labwatch to open it"
        )
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, name, sql in known:
        if version <= current:
            continue
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise MigrationError(f"migration {version:04d}_{name} failed: {exc}") from exc
        current = version
    return current


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def _holder(exc: duckdb.Error) -> str:
    m = re.search(r"\(PID (\d+)\)", str(exc))
    return f"process {m.group(1)}" if m else "another process"


def connect(
    path: Path,
    *,
    read_only: bool = False,
    lock_wait: float = DEFAULT_LOCK_WAIT,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `lock_wait` seconds while another process holds it.

    Writers get the schema migrated; readers get a clear error if the file does not exist.
    """
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `labwatch ingest` or `labwatch demo`")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_wait
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"{path} is locked by {_holder(exc)} (probably a running ingest); "
                    f"waited {lock_wait:g} s. Try again when it finishes."
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        try:
            migrate(con, path)
        except Exception:
            con.close()
            raise
    return con


@contextmanager
def open_warehouse(
    path: Path, *, read_only: bool = False, lock_wait: float = DEFAULT_LOCK_WAIT
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect`, closed on exit: writers hold the file only as long as the block runs."""
    con = connect(path, read_only=read_only, lock_wait=lock_wait)
    try:
        yield con
    finally:
        con.close()
