"""Bulk appends: rows go in as one relation per statement, never one INSERT per row.

Every append is idempotent on the table's key (an anti-join on the key columns, or MERGE
INTO: the forms a DuckLake accepts too, which keeps no keys; warehouse/table_keys.py), and a
batch of articles with their links, mentions and deals is one transaction: a batch replayed
after a crash adds nothing twice, and a crash mid-batch leaves nothing of it. No RETURNING
either: DuckLake 1.5.5 has none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from itertools import chain
from typing import Any

import duckdb

from warehouse.ducklake_lease import retried
from warehouse.relations import rows_query, rows_relation, sql_name
from warehouse.table_keys import KEYS, on_key

Row = Mapping[str, Any]


def register_rows(
    con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Row]
) -> AbstractContextManager[None]:
    """Rows visible to SQL as the relation `name` for the duration of the block
    (warehouse/relations.py: one JSON parameter into a temporary table, no pyarrow).
    A list of values goes as one JSON text (warehouse/list_param.py), never as a list
    parameter, which DuckDB converts value by value."""
    return rows_relation(con, name, rows)


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Row], *, skip_existing: bool = True
) -> int:
    """Insert rows by column name, skipping those whose key (warehouse/table_keys.py) is
    already stored; return how many were inserted. A key missing from a row is NULL.
    `skip_existing=False` is for append-only logs whose key is generated."""
    if not rows:
        return 0
    if skip_existing and table in KEYS:  # the others keep no key (migration 0014)
        return len(insert_new(con, table, rows, KEYS[table]))
    with rows_query(con, rows) as (query, params):  # read once: no temporary table
        result = con.execute(f"INSERT INTO {table} BY NAME {query}", params).fetchone()
    return int(result[0]) if result else 0


def insert_unnested(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Row], lists: str, as_column: str
) -> int:
    """Insert a row into `table` for each element of each row's list `lists`, the element
    as the column `as_column` beside the row's other columns; return how many. For rows
    that share all but one value (a story's bands): each row crosses to SQL once, not once
    for each element."""
    if not any(r.get(lists) for r in rows):  # no element: no row (and maybe no such column)
        return 0
    with rows_query(con, rows) as (query, params):
        others = [c for c in dict.fromkeys(chain.from_iterable(rows)) if c != lists]
        selected = ", ".join(
            [f"unnest({sql_name(lists)}) AS {sql_name(as_column)}", *map(sql_name, others)]
        )
        result = con.execute(
            f"INSERT INTO {table} BY NAME SELECT {selected} FROM ({query})", params
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
    key), for tables without a key index (migration 0014, and every table of a DuckLake);
    return the `returning` column of the inserted rows, or else one None per row inserted.
    The anti-join reads the key columns only, and finds the new keys before the insert (no
    RETURNING on a DuckLake); the caller's transaction makes the check and the insert one
    step, and writers take turns (one at a time on a file; warehouse/ducklake_lease.py
    `take_turn` on a lake)."""
    first: dict[tuple[Any, ...], Row] = {}
    for r in rows:
        first.setdefault(tuple(r.get(k) for k in key), r)
    if not first:
        return []
    on = " AND ".join(f"s.{k} = r.{k}" for k in key)
    with register_rows(con, "_keys", [dict(zip(key, k, strict=True)) for k in first]):
        found = con.execute(
            f"SELECT {', '.join(f'r.{k}' for k in key)} FROM _keys r"
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE {on})"
        ).fetchall()
    fresh = {tuple(k) for k in found}
    new = [r for k, r in first.items() if k in fresh]  # in the order given
    if not new:
        return []
    with rows_query(con, new) as (query, params):
        con.execute(f"INSERT INTO {table} BY NAME {query}", params)
    return [r.get(returning) for r in new] if returning else [None] * len(new)


def upsert_feeds(
    con: duckdb.DuckDBPyConnection, feeds: Sequence[Row], *, listed: bool = True
) -> None:
    """Add feeds not yet known; a known feed keeps its state, and gets the newer name if one
    is given. `listed=False` is a one-off (`ingest --feed` without `--save`): it gets a row for
    its fetch log, but joins the feed list only if it is already there."""
    if not feeds:
        return
    unique = list({f["feed_id"]: f for f in feeds}.values())
    # Only rows that change are updated: on a lake an update rewrites the row.
    with register_rows(con, "_feeds", unique):
        con.execute(
            "MERGE INTO feeds USING (SELECT *, $listed AS listed FROM _feeds) AS f"
            f" ON {on_key('feeds', 'feeds', 'f')}"
            " WHEN MATCHED AND (coalesce(nullif(f.name, ''), feeds.name) IS DISTINCT FROM"
            " feeds.name OR (f.listed AND NOT feeds.listed)) THEN UPDATE SET"
            " name = coalesce(nullif(f.name, ''), feeds.name),"
            " listed = feeds.listed OR f.listed"
            " WHEN NOT MATCHED THEN INSERT BY NAME",
            {"listed": listed},
        )


@retried  # on a lake: after a commit conflict with another worker's
def replace_row(con: duckdb.DuckDBPyConnection, table: str, row: Row) -> None:
    """Insert or replace one row by its key (for `runs` and `digests`: one row per run/week):
    a stored row gets the columns given."""
    sets = ", ".join(f'"{c}" = r."{c}"' for c in row if c not in KEYS[table])
    matched = f"UPDATE SET {sets}" if sets else "DO NOTHING"
    with register_rows(con, "_row", [row]):
        con.execute(
            f"MERGE INTO {table} USING _row AS r ON {on_key(table, table, 'r')}"
            f" WHEN MATCHED THEN {matched} WHEN NOT MATCHED THEN INSERT BY NAME"
        )


def record_watchlist(con: duckdb.DuckDBPyConnection, entities: Sequence[Row]) -> None:
    """Store the watchlist in use (`entities` rows of one version) and mark it the latest
    loaded, even when that version was loaded before (a user going back to an older file)."""
    if not entities:
        return
    unique = list({(e["entity_id"], e["watchlist_version"]): e for e in entities}.values())
    with register_rows(con, "_entities", unique):
        con.execute(
            f"MERGE INTO entities USING _entities AS e ON {on_key('entities', 'entities', 'e')}"
            " WHEN MATCHED THEN UPDATE SET loaded_at = e.loaded_at"
            " WHEN NOT MATCHED THEN INSERT BY NAME"
        )
