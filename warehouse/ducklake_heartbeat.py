"""Heartbeats of the ingest runs on a DuckLake, so that a killed run is told from a live one.

On a DuckDB file the ingest lock tells them apart: a run still `running` when the next run
holds the lock was killed (warehouse/runs.py `mark_interrupted`). A lake has no lock, since
several workers ingest at once. Instead each ingest run on a lake refreshes its row in
`run_heartbeats` every `BEAT_EVERY` while its process lives (flows/run_heartbeat.py), and a
run still `running` whose last beat is older than `STALE_AFTER` is marked `interrupted`
(with the worker and the time of its last beat) when the next run starts. A run without a
heartbeat row (a refetch, a run of a labwatch before this) is left alone: nothing says it
is dead.

Like `feed_leases`, the table lives on lakes only and is made by the first run that needs it.
A beat is an UPDATE of one row: two workers beating at once conflict, and the loser beats
again (`retry_conflicts`), as a feed claim does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from warehouse.ducklake import rollback
from warehouse.ducklake_lease import retry_conflicts

TABLE = "run_heartbeats"
BEAT_EVERY = timedelta(minutes=1)
# Ten beats missed: a process that is alive but starved of CPU for that long (a machine
# swapping, a catalog unreachable for minutes) is the only live run taken for dead.
STALE_AFTER = timedelta(minutes=10)

_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " run_id VARCHAR NOT NULL, worker VARCHAR, beat_at TIMESTAMPTZ)"
)


@dataclass(frozen=True)
class StaleRun:
    run_id: str
    worker: str
    beat_at: datetime


def _transaction(con: duckdb.DuckDBPyConnection, work: str, params: Sequence[object]) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(work, params)
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise


def beat(
    con: duckdb.DuckDBPyConnection, run_id: str, worker: str, now: datetime | None = None
) -> None:
    """Record that `run_id` (run by `worker`) is alive at `now`; the first beat makes its row."""
    at = now or datetime.now(UTC)

    def once() -> None:
        con.execute(_TABLE)
        found = con.execute(f"SELECT count(*) FROM {TABLE} WHERE run_id = ?", [run_id]).fetchone()
        if found and found[0]:
            _transaction(con, f"UPDATE {TABLE} SET beat_at = ? WHERE run_id = ?", [at, run_id])
        else:
            _transaction(con, f"INSERT INTO {TABLE} VALUES (?, ?, ?)", [run_id, worker, at])

    retry_conflicts(con, once)


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?"
        " AND database_name = current_database()",
        [TABLE],
    ).fetchone()
    return bool(found and found[0])


def stale_runs(
    con: duckdb.DuckDBPyConnection,
    stale_after: timedelta = STALE_AFTER,
    now: datetime | None = None,
) -> list[StaleRun]:
    """Ingest and refetch runs still `running` whose last beat is older than `stale_after`."""
    if not _has_table(con):
        return []
    cutoff = (now or datetime.now(UTC)) - stale_after
    rows = con.execute(
        f"SELECT r.run_id, h.worker, h.beat_at FROM runs r JOIN"
        f" (SELECT run_id, max(beat_at) AS beat_at, any_value(worker) AS worker"
        f"  FROM {TABLE} GROUP BY run_id) h USING (run_id)"
        " WHERE r.status = 'running' AND r.flow IN ('ingest', 'refetch') AND h.beat_at < ?"
        " ORDER BY r.run_id",
        [cutoff],
    ).fetchall()
    return [StaleRun(str(r[0]), str(r[1]), r[2]) for r in rows]


def mark_stale_runs(
    con: duckdb.DuckDBPyConnection,
    stale_after: timedelta = STALE_AFTER,
    now: datetime | None = None,
) -> list[StaleRun]:
    """Mark the runs whose heartbeat stopped (`stale_runs`) `interrupted`, saying whose beat
    stopped when; return them. Nothing is written when there are none (no needless commit
    to conflict with other workers')."""

    def once() -> list[StaleRun]:
        stale = stale_runs(con, stale_after, now)
        if not stale:
            return []
        con.execute("BEGIN TRANSACTION")
        try:
            for run in stale:
                con.execute(
                    "UPDATE runs SET status = 'interrupted', ended_at = ?, error = ?"
                    " WHERE run_id = ? AND status = 'running'",
                    [
                        run.beat_at,
                        f"no heartbeat from worker {run.worker} since "
                        f"{run.beat_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC (killed?)",
                        run.run_id,
                    ],
                )
            con.execute("COMMIT")
        except BaseException:
            rollback(con)
            raise
        return stale

    return retry_conflicts(con, once)


def forget_finished(con: duckdb.DuckDBPyConnection) -> int:
    """Delete the heartbeats of runs no longer `running` (maintenance); return how many."""
    if not _has_table(con):
        return 0

    def once() -> int:
        con.execute("BEGIN TRANSACTION")
        try:
            gone = con.execute(
                f"SELECT count(*) FROM {TABLE} WHERE run_id NOT IN"
                " (SELECT run_id FROM runs WHERE status = 'running')"
            ).fetchone()
            if gone and gone[0]:
                con.execute(
                    f"DELETE FROM {TABLE} WHERE run_id NOT IN"
                    " (SELECT run_id FROM runs WHERE status = 'running')"
                )
            con.execute("COMMIT")
        except BaseException:
            rollback(con)
            raise
        return int(gone[0]) if gone else 0

    return retry_conflicts(con, once)
