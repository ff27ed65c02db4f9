"""The `runs` table as users read it: one row per flow run, newest first."""

from __future__ import annotations

from typing import Any

import duckdb

from warehouse.ducklake import is_lake


def latest_runs(
    con: duckdb.DuckDBPyConnection, limit: int = 10, flow: str | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The latest `limit` runs (of one flow, if given), newest first."""
    result = con.execute(
        """
        SELECT strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS started_at,
               flow, status,
               round(epoch(ended_at - started_at), 1) AS seconds,
               feeds_total - coalesce(feeds_skipped, 0) AS feeds_due,
               feeds_fetched, feeds_not_modified, feeds_failed, entries_rejected,
               pages_fetched, pages_blocked, pages_failed, pages_retried,
               articles_new, articles_upgraded, mentions, deals, prefect_run_id, error
        FROM runs
        WHERE $flow IS NULL OR flow = $flow
        ORDER BY runs.started_at DESC
        LIMIT $limit
        """,
        {"flow": flow, "limit": limit},
    )
    return [d[0] for d in result.description], result.fetchall()


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> None:
    """Mark ingest and refetch runs still `running` as interrupted: called by a run that holds
    the ingest lock, so any such run was killed mid-way. On a DuckLake several workers ingest
    at once (no lock), so a run still `running` may well be alive: there only the runs whose
    heartbeat stopped are (warehouse/ducklake_heartbeat.py)."""
    if is_lake(con):
        from warehouse.ducklake_heartbeat import mark_stale_runs

        mark_stale_runs(con)
        return
    con.execute(
        "UPDATE runs SET status = 'interrupted', ended_at = now() "
        "WHERE status = 'running' AND flow IN ('ingest', 'refetch')"
    )
