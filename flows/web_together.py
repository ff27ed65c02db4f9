"""A page's independent queries run at once, each on a cursor of its own.

A page of `labwatch web` asks several questions of one warehouse opening (an article with
its mentions and story, its deals, its fetch history; an entity's series, co-mentions, deals
and articles). Each is a scan on its own; DuckDB runs queries of different cursors of one
connection in parallel (it releases the interpreter lock while it works), so the page waits
for the slowest, not for their sum. Cursors share the opening's database and its locked-down
settings; the session's time zone is per cursor, so `flows/web.py` `reader` sets it globally.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb

from warehouse.ducklake import is_lake

Query = Callable[[duckdb.DuckDBPyConnection], Any]


def together(con: duckdb.DuckDBPyConnection, calls: Mapping[str, Query]) -> dict[str, Any]:
    """Each call's result by name, the calls run at once on cursors of `con`; one after the
    other on `con` itself for a DuckLake (a cursor is a session of its own, and the lake is
    the default database only of the session that attached it)."""
    if is_lake(con):
        return {name: call(con) for name, call in calls.items()}
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        futures = {name: pool.submit(_on_cursor, con, call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}


def _on_cursor(con: duckdb.DuckDBPyConnection, call: Query) -> Any:
    cursor = con.cursor()
    try:
        return call(cursor)
    finally:
        cursor.close()
