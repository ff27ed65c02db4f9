"""Feed leases in a DuckLake catalog, so that two workers never fetch one feed at once; and
retries of DuckLake commit conflicts.

DuckLake has no row locks and no unique keys, but its commits are checked: two transactions
that both update rows of one table cannot both commit (measured on DuckLake 1.5.5: even
different rows of `feed_leases` conflict, "another transaction has deleted ... from it").
A claim is therefore an UPDATE of rows that already exist, in one transaction: of two
workers claiming at once, one commits and the other gets a conflict, rolls back and tries
again on the newer snapshot, where the first one's leases are visible. Inserts do not
conflict with each other, so a feed's row is made beforehand, in its own transaction; a
race there makes two rows for one feed, which every statement below treats as one (they
are always updated together).

A lease lasts `ttl`: a worker that dies leaves its feeds claimable again when it runs out.
Not wired into the ingest yet (docs/scale-out.md): the ingest's writes to a lake come first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import duckdb

from warehouse.ducklake import rollback
from warehouse.errors import WarehouseError

T = TypeVar("T")

_TABLE = (
    "CREATE TABLE IF NOT EXISTS feed_leases ("
    " feed_id VARCHAR NOT NULL, worker VARCHAR, until TIMESTAMPTZ)"
)


class CommitConflictError(WarehouseError):
    """A DuckLake commit kept conflicting with other writers' after every retry."""


def is_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, duckdb.Error) and (
        "Transaction conflict" in text or "Failed to commit DuckLake transaction" in text
    )


def retry_conflicts(
    con: duckdb.DuckDBPyConnection,
    work: Callable[[], T],
    *,
    attempts: int = 20,
    delay: float = 0.05,
) -> T:
    """Run `work` (one transaction) until it commits without a conflict: after each
    conflict roll back and wait a random, growing while (so two losers do not collide
    again in step). Other errors go through at once."""
    for attempt in range(attempts):
        try:
            return work()
        except duckdb.Error as exc:
            rollback(con)
            if not is_conflict(exc):
                raise
            if attempt == attempts - 1:
                raise CommitConflictError(
                    f"gave up after {attempts} commit conflicts with other writers: {exc}"
                ) from exc
            time.sleep(random.uniform(0, delay * 2 ** min(attempt, 6)))
    raise AssertionError("unreachable")


def _seed(con: duckdb.DuckDBPyConnection, feed_ids: Sequence[str]) -> None:
    con.execute(_TABLE)
    con.execute("BEGIN TRANSACTION")
    con.execute(
        "INSERT INTO feed_leases (feed_id)"
        " SELECT DISTINCT f FROM unnest(?::VARCHAR[]) t(f)"
        " WHERE f NOT IN (SELECT feed_id FROM feed_leases)",
        [list(feed_ids)],
    )
    con.execute("COMMIT")


def claim_feeds(
    con: duckdb.DuckDBPyConnection,
    worker: str,
    feed_ids: Sequence[str],
    *,
    ttl: timedelta,
    limit: int | None = None,
) -> list[str]:
    """Claim up to `limit` of `feed_ids` that no worker holds a live lease on; return the
    ones claimed, sorted (none: every one is held, this worker's own included)."""
    if not feed_ids:
        return []
    retry_conflicts(con, lambda: _seed(con, feed_ids))

    def claim() -> list[str]:
        now = datetime.now(UTC)
        con.execute("BEGIN TRANSACTION")
        rows = con.execute(
            "SELECT DISTINCT feed_id FROM feed_leases"
            " WHERE feed_id IN (SELECT unnest(?::VARCHAR[]))"
            " AND feed_id NOT IN (SELECT feed_id FROM feed_leases WHERE until > ?)"
            " ORDER BY feed_id" + (f" LIMIT {int(limit)}" if limit is not None else ""),
            [list(feed_ids), now],
        ).fetchall()
        mine = [str(r[0]) for r in rows]
        if mine:
            con.execute(
                "UPDATE feed_leases SET worker = ?, until = ? WHERE feed_id IN"
                " (SELECT unnest(?::VARCHAR[]))",
                [worker, now + ttl, mine],
            )
        con.execute("COMMIT")
        return mine

    return retry_conflicts(con, claim)


def release_feeds(con: duckdb.DuckDBPyConnection, worker: str, feed_ids: Sequence[str]) -> None:
    """End this worker's leases on `feed_ids` (done with them)."""

    def release() -> None:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "UPDATE feed_leases SET until = NULL"
            " WHERE worker = ? AND feed_id IN (SELECT unnest(?::VARCHAR[]))",
            [worker, list(feed_ids)],
        )
        con.execute("COMMIT")

    if feed_ids:
        retry_conflicts(con, release)
