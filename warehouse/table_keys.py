"""The key of every table that has one, for writers that match rows on it themselves.

On a DuckDB file these are the tables' PRIMARY KEYs; a DuckLake keeps no keys (docs/
scale-out.md), so no writer relies on ON CONFLICT or INSERT OR REPLACE: they insert the rows
whose key is not stored (an anti-join) or MERGE on these columns, which both backends run
alike. tests/test_append_keys.py checks this table against the migrations' keys.
"""

from __future__ import annotations

KEYS: dict[str, tuple[str, ...]] = {
    "digests": ("week",),
    "entities": ("entity_id", "watchlist_version"),
    "entry_failures": ("feed_id", "entry_key"),
    "feed_fetches": ("fetch_id",),
    "feeds": ("feed_id",),
    "page_retries": ("article_id",),
    "runs": ("run_id",),
    "schema_migrations": ("version",),
    "search_index_state": ("id",),
}


def on_key(table: str, left: str, right: str) -> str:
    """The join condition matching `left` and `right` rows of `table` on its key."""
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in KEYS[table])
