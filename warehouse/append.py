"""Bulk appends: rows go in as one Arrow table per statement, never one INSERT per row.

Every append is idempotent on the table's key (ON CONFLICT DO NOTHING), and a batch of
articles with their links, mentions and deals is one transaction: a batch replayed after a
crash adds nothing twice, and a crash mid-batch leaves nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

Row = Mapping[str, Any]


def _register(con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Row]) -> None:
    con.register(name, pa.Table.from_pylist(list(rows)))


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Row], *, skip_existing: bool = True
) -> int:
    """Insert rows by column name, skipping those whose key is already stored; return how
    many were inserted. All rows must have the same keys. `skip_existing=False` is for
    append-only logs whose key is generated."""
    if not rows:
        return 0
    _register(con, "_rows", rows)
    conflict = " ON CONFLICT DO NOTHING" if skip_existing else ""
    try:
        result = con.execute(
            f"INSERT INTO {table} BY NAME SELECT * FROM _rows{conflict}"
        ).fetchone()
    finally:
        con.unregister("_rows")
    return int(result[0]) if result else 0


def unseen_keys(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> set[str]:
    """The article keys not stored yet, in one anti-join (not one query per key)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    con.register("_keys", pa.table({"article_id": pa.array(wanted, pa.string())}))
    try:
        found = con.execute(
            "SELECT k.article_id FROM _keys k ANTI JOIN articles a USING (article_id)"
        ).fetchall()
    finally:
        con.unregister("_keys")
    return {r[0] for r in found}


@dataclass(frozen=True)
class BatchCounts:
    articles: int
    mentions: int
    deals: int


def append_batch(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Row],
    article_feeds: Sequence[Row],
    mentions: Sequence[Row],
    deals: Sequence[Row],
) -> BatchCounts:
    """Store a batch of analysed articles in one transaction.

    Mentions and deals are stored only for articles this batch actually added, so replaying
    a batch (or racing another run over the same article) never doubles them.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        new_ids: set[str] = set()
        if articles:
            _register(con, "_articles", articles)
            new_ids = {
                r[0]
                for r in con.execute(
                    "INSERT INTO articles BY NAME SELECT * FROM _articles "
                    "ON CONFLICT DO NOTHING RETURNING article_id"
                ).fetchall()
            }
            con.unregister("_articles")
        insert_rows(con, "article_feeds", article_feeds)
        counts = [
            insert_rows(con, table, [r for r in rows if r["article_id"] in new_ids])
            for table, rows in (("mentions", mentions), ("deals", deals))
        ]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return BatchCounts(articles=len(new_ids), mentions=counts[0], deals=counts[1])


def upsert_feeds(con: duckdb.DuckDBPyConnection, feeds: Sequence[Row]) -> None:
    """Add feeds not yet known; a known feed keeps its state, and gets the newer name."""
    if not feeds:
        return
    _register(con, "_feeds", feeds)
    try:
        con.execute(
            "INSERT INTO feeds BY NAME SELECT * FROM _feeds "
            "ON CONFLICT (feed_id) DO UPDATE SET name = excluded.name"
        )
    finally:
        con.unregister("_feeds")


def record_fetches(con: duckdb.DuckDBPyConnection, fetches: Sequence[Row]) -> None:
    """Append to the fetch log and update each feed's last state, in one transaction."""
    if not fetches:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        insert_rows(con, "feed_fetches", fetches, skip_existing=False)
        _register(con, "_f", fetches)
        con.execute(
            """
            UPDATE feeds SET
                last_fetched_at = f.fetched_at,
                last_outcome = f.outcome,
                last_error = f.error,
                title = coalesce(f.feed_title, feeds.title),
                consecutive_failures = CASE WHEN f.outcome IN ('ok', 'not_modified') THEN 0
                                            ELSE feeds.consecutive_failures + 1 END
            FROM _f AS f WHERE feeds.feed_id = f.feed_id
            """
        )
        con.unregister("_f")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def replace_row(con: duckdb.DuckDBPyConnection, table: str, row: Row) -> None:
    """Insert or replace one row by its key (for `runs` and `digests`: one row per run/week)."""
    _register(con, "_row", [row])
    try:
        con.execute(f"INSERT OR REPLACE INTO {table} BY NAME SELECT * FROM _row")
    finally:
        con.unregister("_row")
