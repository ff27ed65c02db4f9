"""Opening the warehouse: migrations on open for writers, bounded retries while the file is locked.

DuckDB lets one process open a file read-write and refuses every other opener meanwhile, so
writers keep connections short and every opener retries for a while before giving up with a
message that says who holds the file.

DuckDB's errors about the file itself are named for what they are (`warehouse_error`): a lock
held by another process, a damaged file (a checksum failure, a truncated or foreign file), a
full disk. A full disk fails the transaction in flight, which DuckDB rolls back: what was
committed before stays intact, and the message says so.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.backend import DuckLakeWarehouse, Location
from warehouse.ducklake import connect_lake
from warehouse.errors import (
    MigrationError,
    SchemaTooNewError,
    WarehouseCorruptError,
    WarehouseError,
    WarehouseFullError,
    WarehouseLockedError,
    WarehouseMissingError,
)

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


def latest_version(current: int, where: object) -> int:
    """The newest migration this labwatch knows; SchemaTooNewError if `current` (the
    schema version of the warehouse at `where`) is newer."""
    known = migrations()
    latest = known[-1][0] if known else 0
    if current > latest:
        raise SchemaTooNewError(
            f"{where} has schema version {current}, newer than this labwatch knows ({latest}); "
            "upgrade labwatch to open it"
        )
    return latest


def migrate(con: duckdb.DuckDBPyConnection, path: Path | str = "warehouse") -> int:
    """Apply pending migrations, each in its own transaction; return the resulting version."""
    known = migrations()
    current = schema_version(con)
    latest_version(current, path)  # refuses a schema newer than this labwatch
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    # Every migration not recorded yet, in order: not only those above the highest recorded
    # (a warehouse may have a later one recorded without an earlier one, when a migration
    # was undone by hand to run it again).
    applied = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, name, sql in known:
        if version in applied:
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
        current = max(current, version)
    return current


# DuckDB's messages (1.5): "Could not set lock on file ...: Conflicting lock is held in ...".
# Not any "lock": a checksum failure "in block at location N" contains "lock" too.
_LOCKED = ("could not set lock on file", "conflicting lock is held")
_CORRUPT = (
    "corrupt database file",
    "does not match stored checksum",
    "not a valid duckdb database file",
    "could not read enough bytes from file",
)
_FULL = ("no space left on device", "disk quota exceeded", "file too large")


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(m in text for m in _LOCKED)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from or while handling (a failed ROLLBACK
    hides the "No space left on device" that made the COMMIT fail)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def warehouse_error(exc: BaseException, path: Location) -> WarehouseError | None:
    """The warehouse error `exc` (or one it chains) stands for, or None if it is none of
    ours: a full disk, a damaged file."""
    for e in _chain(exc):
        if isinstance(e, WarehouseFullError | WarehouseCorruptError):
            return None  # already named
        text = str(e).lower()
        if isinstance(e, OSError | duckdb.Error) and any(m in text for m in _FULL):
            reason = next(m for m in _FULL if m in text)
            return WarehouseFullError(
                f"{reason} while writing {path}: the transaction in flight was rolled back "
                "and the data stored before it is intact; free some space (or raise the "
                "file-size limit) and run again, it picks up where this stopped"
            )
        if isinstance(e, duckdb.Error) and any(m in text for m in _CORRUPT):
            return WarehouseCorruptError(
                f"{path} is damaged ({str(e).strip()}); restore it from a backup, or move it "
                "aside and run `labwatch ingest` to start a new warehouse"
            )
    return None


def require_warehouse(path: Location) -> Location:
    """`path`, if the warehouse exists; else a message saying how to make one."""
    if not path.exists():
        also = (
            ""
            if isinstance(path, Path)
            else ", or `labwatch migrate-warehouse` to copy a DuckDB warehouse into it"
        )
        raise WarehouseMissingError(
            f"no warehouse yet at {path}: run `labwatch ingest` (your feeds) or "
            f"`labwatch demo` (the bundled seed site) to create one{also}, or pass --home DIR"
        )
    return path


def _holder(exc: duckdb.Error) -> str:
    m = re.search(r"\(PID (\d+)\)", str(exc))
    return f"process {m.group(1)}" if m else "another process"


def connect(
    path: Location,
    *,
    read_only: bool = False,
    lock_wait: float = DEFAULT_LOCK_WAIT,
    config: Mapping[str, str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `lock_wait` seconds while another process holds it.

    `config`: DuckDB settings for this opening (e.g. `threads`, `memory_limit`).

    Writers get the schema migrated; readers get a clear error if the file does not exist.
    A DuckLake has no file lock to wait for: its writers commit concurrently.
    """
    if isinstance(path, DuckLakeWarehouse):  # one connection, which also says if it is missing
        return connect_lake(path, read_only=read_only)
    if read_only:
        require_warehouse(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot create the folder {path.parent}: {exc.strerror}") from exc
    deadline = time.monotonic() + lock_wait
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
            break
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                named = warehouse_error(exc, path)
                if named:
                    raise named from exc
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"{path} is locked by {_holder(exc)} (probably a running ingest); "
                    f"waited {lock_wait:g} s. Try again when it finishes."
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    ready = False
    try:
        con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            migrate(con, path)
        ready = True
    except Exception as exc:
        named = warehouse_error(exc, path)
        if named:
            raise named from exc
        raise
    finally:
        # Closed however the opening failed, an interrupt included (Ctrl-C, then serve's
        # SIGTERM while the first is handled): left open, it kept the file open in this
        # process with this opening's settings, and the run's closing row then could not
        # open it with others ("a different configuration").
        if not ready:
            close_after_failure(con)
    return con


# Statements `close_after_failure` tries before giving up on clearing an interrupted one: a
# stop landing in each (Ctrl-C, then serve's SIGTERM) interrupts it in turn.
_CLEARING_TRIES = 3


def close_after_failure(con: duckdb.DuckDBPyConnection) -> None:
    """Close `con` after its block failed, a statement first. DuckDB 1.5 leaves a connection
    whose write a signal interrupted ("Query interrupted": the handler raised while DuckDB
    ran it) such that closing it never lets its database go: the next opening of the same
    file in this process then spins for ever in DuckDB's instance cache, waiting for that
    database to finish shutting down (a stopped run's `interrupted` row was never written;
    tests/test_interrupted_write.py). Any statement run on the connection before it is
    closed clears that; ROLLBACK also ends whatever the block left open, as closing would.
    The interrupted statement's tasks are interrupted first: on DuckDB's other threads they
    ran on, and the ROLLBACK waited for them (seconds, a whole scan). A stop landing in the
    ROLLBACK interrupts it as well: it is tried again, and the stop raised after the close;
    the connection is closed whatever arrives meanwhile."""
    stop: BaseException | None = None
    try:
        with suppress(duckdb.Error):
            con.interrupt()
        for _ in range(_CLEARING_TRIES):
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # nothing open to roll back (or closed already): the statement still ran
            except BaseException as exc:  # a stop, or DuckDB's RuntimeError from one
                stop = stop or exc
                continue
            break
    finally:
        with suppress(duckdb.Error):
            con.close()
    if stop is not None:
        raise stop


@contextmanager
def open_warehouse(
    path: Location,
    *,
    read_only: bool = False,
    lock_wait: float = DEFAULT_LOCK_WAIT,
    config: Mapping[str, str] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect`, closed on exit: writers hold the file only as long as the block runs.

    A full disk or a damaged file met inside the block comes out as WarehouseFullError or
    WarehouseCorruptError, whatever DuckDB raised on top of it.
    """
    con = connect(path, read_only=read_only, lock_wait=lock_wait, config=config)
    try:
        yield con
    except BaseException as exc:
        close_after_failure(con)  # after a failed write (a full disk) closing may fail again
        named = warehouse_error(exc, path) if isinstance(exc, Exception) else None
        if named:
            raise named from exc
        raise
    try:
        con.close()  # checkpoints the write-ahead log into the file: it can fail too
    except duckdb.Error as exc:
        named = warehouse_error(exc, path)
        if named:
            raise named from exc
        raise
