"""Bulk appends: rows go in as one Arrow table per statement, never one INSERT per row.

Every append is idempotent on the table's key (ON CONFLICT DO NOTHING, or for the article
tables, which keep no key index since migration 0014, an anti-join on the key columns), and a
batch of articles with their links, mentions and deals is one transaction: a batch replayed
after a crash adds nothing twice, and a crash mid-batch leaves nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

Row = Mapping[str, Any]


@contextmanager
def register_rows(con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Row]) -> Iterator[None]:
    """Rows visible to SQL as the relation `name` for the duration of the block."""
    # Columns from every row's keys, not only the first row's (which is what from_pylist does).
    columns = list(dict.fromkeys(key for row in rows for key in row))
    con.register(name, pa.table({c: [row.get(c) for row in rows] for c in columns}))
    try:
        yield
    finally:
        con.unregister(name)


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Row], *, skip_existing: bool = True
) -> int:
    """Insert rows by column name, skipping those whose key is already stored; return how
    many were inserted. A key missing from a row is NULL. `skip_existing=False` is for
    append-only logs whose key is generated."""
    if not rows:
        return 0
    conflict = " ON CONFLICT DO NOTHING" if skip_existing else ""
    with register_rows(con, "_rows", rows):
        result = con.execute(
            f"INSERT INTO {table} BY NAME SELECT * FROM _rows{conflict}"
        ).fetchone()
    return int(result[0]) if result else 0


def insert_new(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Row],
    key: Sequence[str],
    *,
    returning: str = "",
) -> list[Any]:
    """Insert the rows whose `key` columns match no stored row (the first of rows sharing a
    key), for tables without a key index (migration 0014); return the `returning` column of
    the inserted rows, or else one None per row inserted. The anti-join reads the key columns
    only; the caller's transaction makes the check and the insert one step, and the
    warehouse has one writer at a time."""
    first: dict[tuple[Any, ...], Row] = {}
    for r in rows:
        first.setdefault(tuple(r.get(k) for k in key), r)
    unique = list(first.values())
    if not unique:
        return []
    on = " AND ".join(f"s.{k} = r.{k}" for k in key)
    with register_rows(con, "_rows", unique):
        # Which rows are new, then a plain insert of those (INSERT ... SELECT, as DuckLake
        # takes it): one statement with RETURNING cost twice the CPU of the anti-join.
        new = con.execute(
            f"SELECT {', '.join(f'r.{k}' for k in key)} FROM _rows r"
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE {on})"
        ).fetchall()
        if not new:
            return []
        fresh = {tuple(n) for n in new}
        added = [r for k, r in first.items() if k in fresh]
    with register_rows(con, "_rows", added):
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
    return [r.get(returning) for r in added] if returning else [None] * len(added)


def upsert_feeds(
    con: duckdb.DuckDBPyConnection, feeds: Sequence[Row], *, listed: bool = True
) -> None:
    """Add feeds not yet known; a known feed keeps its state, and gets the newer name if one
    is given. `listed=False` is a one-off (`ingest --feed` without `--save`): it gets a row for
    its fetch log, but joins the feed list only if it is already there."""
    if not feeds:
        return
    with register_rows(con, "_feeds", feeds):
        con.execute(
            "INSERT INTO feeds BY NAME SELECT *, $listed AS listed FROM _feeds "
            "ON CONFLICT (feed_id) DO UPDATE SET"
            " name = coalesce(nullif(excluded.name, ''), feeds.name),"
            " listed = feeds.listed OR excluded.listed",
            {"listed": listed},
        )


def replace_row(con: duckdb.DuckDBPyConnection, table: str, row: Row) -> None:
    """Insert or replace one row by its key (for `runs` and `digests`: one row per run/week)."""
    with register_rows(con, "_row", [row]):
        con.execute(f"INSERT OR REPLACE INTO {table} BY NAME SELECT * FROM _row")


def record_watchlist(con: duckdb.DuckDBPyConnection, entities: Sequence[Row]) -> None:
    """Store the watchlist in use (`entities` rows of one version) and mark it the latest
    loaded, even when that version was loaded before (a user going back to an older file)."""
    if not entities:
        return
    with register_rows(con, "_entities", entities):
        con.execute(
            "INSERT INTO entities BY NAME SELECT * FROM _entities ON CONFLICT"
            " (entity_id, watchlist_version) DO UPDATE SET loaded_at = excluded.loaded_at"
        )
