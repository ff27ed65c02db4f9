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
The ingest claims its feeds through flows/feed_lease.py.

Writers of labwatch's own tables take turns the same way (`take_turn`, `in_turn`): each
write transaction on a lake updates one row, so of two that overlap one commits and the
other runs again (`retry_conflicts`, `retried`) on the newer snapshot.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Concatenate, ParamSpec, TypeVar

import duckdb

from warehouse.ducklake import TURNS_TABLE, is_lake, rollback
from warehouse.errors import WarehouseError
from warehouse.list_param import json_list

T = TypeVar("T")
P = ParamSpec("P")

_TABLE = (
    "CREATE TABLE IF NOT EXISTS feed_leases ("
    " feed_id VARCHAR NOT NULL, worker VARCHAR, until TIMESTAMPTZ, claimed_at TIMESTAMPTZ)"
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
    again in step). Other errors go through at once, untouched (the caller rolls back)."""
    for attempt in range(attempts):
        try:
            return work()
        except duckdb.Error as exc:
            if not is_conflict(exc):
                raise
            rollback(con)
            if attempt == attempts - 1:
                raise CommitConflictError(
                    f"gave up after {attempts} commit conflicts with other writers: {exc}"
                ) from exc
            time.sleep(random.uniform(0, delay * 2 ** min(attempt, 6)))
    raise AssertionError("unreachable")


def take_turn(con: duckdb.DuckDBPyConnection) -> None:
    """Inside a write transaction on a lake: make it conflict with every other writer's
    transaction that commits meanwhile. DuckLake lets concurrent inserts into one table both
    commit, so two workers storing the same article (one story in two feeds) would each
    find it missing and insert it; updating the one turn row makes the second commit fail
    instead, and `retry_conflicts` runs it again on the newer snapshot, where the first
    one's rows are seen. A DuckDB file has one writer at a time: nothing to do."""
    if is_lake(con):
        con.execute(f"UPDATE {TURNS_TABLE} SET turns = turns + 1")


def in_turn(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """`work` as one write transaction holding the writers' turn (`take_turn`), run again
    after a commit conflict; on a DuckDB file, one plain transaction."""

    def once() -> T:
        con.execute("BEGIN TRANSACTION")
        try:
            take_turn(con)
            result = work()
            con.execute("COMMIT")
        except BaseException:
            rollback(con)
            raise
        return result

    return retry_conflicts(con, once)


def retried(
    writer: Callable[Concatenate[duckdb.DuckDBPyConnection, P], T],
) -> Callable[Concatenate[duckdb.DuckDBPyConnection, P], T]:
    """A writer (one statement, or one transaction of its own) run again after a DuckLake
    commit conflict with another worker's writes. A DuckDB file never has one."""

    @functools.wraps(writer)
    def run(con: duckdb.DuckDBPyConnection, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return retry_conflicts(con, lambda: writer(con, *args, **kwargs))

    return run


def _seed(con: duckdb.DuckDBPyConnection, feed_ids: Sequence[str]) -> None:
    con.execute(_TABLE)
    con.execute("BEGIN TRANSACTION")
    con.execute(
        "INSERT INTO feed_leases (feed_id)"
        " SELECT DISTINCT f FROM unnest(?::JSON::VARCHAR[]) t(f)"
        " WHERE f NOT IN (SELECT feed_id FROM feed_leases)",
        [json_list(feed_ids)],
    )
    con.execute("COMMIT")


def claim_feeds(
    con: duckdb.DuckDBPyConnection,
    worker: str,
    feed_ids: Sequence[str],
    *,
    ttl: timedelta,
    limit: int | None = None,
    not_since: datetime | None = None,
) -> list[str]:
    """Claim up to `limit` of `feed_ids` that no worker holds a live lease on, in the order
    given; return the ones claimed (none: every one is held, this worker's own included).
    `not_since`: nor the feeds claimed at or after that time, released or not (a run
    started then does not fetch again what another run fetched meanwhile)."""
    if not feed_ids:
        return []
    retry_conflicts(con, lambda: _seed(con, feed_ids))

    def claim() -> list[str]:
        now = datetime.now(UTC)
        con.execute("BEGIN TRANSACTION")
        rows = con.execute(
            "SELECT feed_id FROM (SELECT DISTINCT feed_id FROM feed_leases"
            " WHERE feed_id IN (SELECT unnest($ids::JSON::VARCHAR[]))"
            " AND feed_id NOT IN (SELECT feed_id FROM feed_leases WHERE until > $now"
            " OR ($since IS NOT NULL AND claimed_at >= $since)))"
            " ORDER BY list_position($ids::JSON::VARCHAR[], feed_id)"
            + (f" LIMIT {int(limit)}" if limit is not None else ""),
            {"ids": json_list(feed_ids), "now": now, "since": not_since},
        ).fetchall()
        mine = [str(r[0]) for r in rows]
        if mine:
            con.execute(
                "UPDATE feed_leases SET worker = ?, until = ?, claimed_at = ? WHERE feed_id IN"
                " (SELECT unnest(?::JSON::VARCHAR[]))",
                [worker, now + ttl, now, json_list(mine)],
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
            " WHERE worker = ? AND feed_id IN (SELECT unnest(?::JSON::VARCHAR[]))",
            [worker, json_list(feed_ids)],
        )
        con.execute("COMMIT")

    if feed_ids:
        retry_conflicts(con, release)
