"""State that drives fetching: which feeds are due, their validators, and backoff after failures.

After a success a feed is due again at the next run. After a failure it backs off linearly
(`step` × consecutive failures, capped at 24 h), longer if the server's Retry-After asked for
more (also capped at 24 h). A feed is never disabled for good: at worst it is tried daily.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import duckdb

from warehouse.append import Row, insert_rows, register_rows
from warehouse.ducklake import rollback
from warehouse.ducklake_lease import retried, take_turn
from warehouse.list_param import json_list

BACKOFF_CAP = timedelta(hours=24)
DEFAULT_BACKOFF_STEP = timedelta(minutes=30)

_FEED_COLUMNS = "feed_id, url, name, etag, last_modified, body_hash, next_due_at"


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def feed_states(
    con: duckdb.DuckDBPyConnection, feed_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Every feed of the feed list (or the given feeds, listed or one-off) with its
    validators and next due time, oldest first."""
    if feed_ids is None:
        return _dicts(
            con.execute(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE listed ORDER BY added_at, url")
        )
    return _dicts(
        con.execute(
            f"SELECT {_FEED_COLUMNS} FROM feeds"
            " WHERE feed_id IN (SELECT unnest($ids::JSON::VARCHAR[])) ORDER BY added_at, url",
            {"ids": json_list(feed_ids)},
        )
    )


def is_due(state: dict[str, Any], now: datetime) -> bool:
    return state["next_due_at"] is None or state["next_due_at"] <= now


@retried  # on a lake: after a commit conflict with another worker's
def record_fetches(
    con: duckdb.DuckDBPyConnection,
    fetches: Sequence[Row],
    step: timedelta = DEFAULT_BACKOFF_STEP,
) -> None:
    """Append to the fetch log and move each feed's state on (outcome, failures, next due),
    in one transaction.

    Rows are `feed_fetches` rows plus `etag`, `last_modified` and `body_hash`; those
    validators are not stored here but by `keep_validators` once the feed's new entries are
    stored, so that a run killed in between fetches and parses the feed again next time.
    """
    if not fetches:
        return
    log_columns = {c for c in fetches[0] if c not in ("etag", "last_modified", "body_hash")}
    con.execute("BEGIN TRANSACTION")
    try:
        take_turn(con)
        # The log's ids, given here (a DuckLake has no sequences): after the highest stored,
        # read in this transaction, whose turn makes it the only writer of the log.
        row = con.execute("SELECT coalesce(max(fetch_id), 0) FROM feed_fetches").fetchone()
        last = int(row[0]) if row else 0
        insert_rows(
            con,
            "feed_fetches",
            [
                {k: r[k] for k in log_columns} | {"fetch_id": last + n}
                for n, r in enumerate(fetches, 1)
            ],
            skip_existing=False,
        )
        with register_rows(con, "_f", fetches):
            con.execute(
                """
                UPDATE feeds SET
                    last_fetched_at = f.fetched_at,
                    last_outcome = f.outcome,
                    last_error = f.error,
                    title = coalesce(f.feed_title, feeds.title),
                    last_success_at = CASE WHEN ok THEN f.fetched_at ELSE feeds.last_success_at END,
                    consecutive_failures = CASE WHEN ok THEN 0
                                                ELSE feeds.consecutive_failures + 1 END,
                    next_due_at = CASE WHEN ok THEN f.fetched_at
                        ELSE f.fetched_at + to_seconds(least(
                            greatest($step * (feeds.consecutive_failures + 1),
                                     coalesce(f.retry_after, 0)),
                            $cap)) END
                FROM (SELECT *, outcome IN ('ok', 'not_modified') AS ok FROM _f) AS f
                WHERE feeds.feed_id = f.feed_id
                """,
                {"step": step.total_seconds(), "cap": BACKOFF_CAP.total_seconds()},
            )
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise


@retried
def keep_validators(con: duckdb.DuckDBPyConnection, fetches: Sequence[Row]) -> None:
    """Store the ETag, Last-Modified and body hash of the feeds fetched successfully: call it
    after their entries are stored."""
    ok = [r for r in fetches if r["outcome"] in ("ok", "not_modified")]
    if not ok:
        return
    with register_rows(con, "_v", ok):
        con.execute(
            """
            UPDATE feeds SET etag = nullif(v.etag, ''),
                             last_modified = nullif(v.last_modified, ''),
                             body_hash = nullif(v.body_hash, '')
            FROM _v AS v WHERE feeds.feed_id = v.feed_id
            """
        )


def feed_health(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One row per feed for `labwatch feeds list`."""
    return _dicts(
        con.execute(
            """
            SELECT url, coalesce(nullif(name, ''), title, '') AS name, last_success_at,
                   consecutive_failures AS failures, last_outcome, last_error, next_due_at,
                   (SELECT count(*) FROM article_feeds af WHERE af.feed_id = feeds.feed_id)
                       AS articles
            FROM feeds WHERE listed ORDER BY added_at, url
            """
        )
    )


def add_feeds(con: duckdb.DuckDBPyConnection, feeds: Sequence[Row]) -> int:
    """Add feeds to the feed list; return how many were not in it (new, or fetched before
    only as one-offs)."""
    if not feeds:
        return 0
    ids = {"ids": json_list(f["feed_id"] for f in feeds)}
    where = "WHERE NOT listed AND feed_id IN (SELECT unnest($ids::JSON::VARCHAR[]))"
    row = con.execute(f"SELECT count(*) FROM feeds {where}", ids).fetchone()
    promoted = int(row[0]) if row else 0
    if promoted:
        con.execute(f"UPDATE feeds SET listed = true {where}", ids)
    return insert_rows(con, "feeds", feeds) + promoted


def remove_feed(con: duckdb.DuckDBPyConnection, feed_id: str) -> bool:
    """Forget a feed (its fetch log and its articles stay); False when it was not there."""
    row = con.execute("SELECT count(*) FROM feeds WHERE feed_id = ?", [feed_id]).fetchone()
    if not row or not row[0]:
        return False
    con.execute("DELETE FROM feeds WHERE feed_id = ?", [feed_id])
    return True


@retried
def record_entry_failures(con: duckdb.DuckDBPyConnection, failures: Sequence[Row]) -> None:
    """Record feed items that cannot become articles (`entry_failures` rows with `seen_at`):
    new ones added, known ones given their latest reason, run and time."""
    if not failures:
        return
    failures = list({(f["feed_id"], f["entry_key"]): f for f in failures}.values())
    with register_rows(con, "_ef", failures):
        con.execute(
            """
            MERGE INTO entry_failures USING (
                SELECT feed_id, entry_key, url, title, guid, reason, run_id,
                       seen_at AS first_seen_at, seen_at AS last_seen_at
                FROM _ef
            ) AS e ON entry_failures.feed_id = e.feed_id AND entry_failures.entry_key = e.entry_key
            WHEN MATCHED THEN UPDATE SET
                reason = e.reason, run_id = e.run_id, last_seen_at = e.last_seen_at
            WHEN NOT MATCHED THEN INSERT BY NAME
            """
        )
