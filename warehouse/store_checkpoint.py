"""What a store's checkpoint writes: its rows as they come, merged every few stores.

DuckDB 1.5 puts each committed append in a row group of its own, and the checkpoint that
follows (the store's connection closing) merges small row groups at the end of each table
into fewer (its vacuum, rewriting rows stored by the stores before), and chooses each new
segment's compression by trying every method on it (FSST's symbol table the costliest, and
often not the method chosen). At 1M articles the merging was half of a store's checkpoint
(0.18 s of CPU) and FSST's analysis half of the rest (docs/benchmarks.md, "The store's CPU").

So a store (`defer_merges`, called by warehouse/articles.py `append_batch`) turns both off
for its connection's checkpoint: its rows go to disk as new row groups, compressed without
FSST. The first checkpoint that does not defer merges them with DuckDB's own rules and
compression: a store that finds `MERGE_AT` small row groups waiting, and every other writer's
opening (a run's page retries and closing step, the `labwatch` commands). Rows, their order
and every answer are the same either way; only the file's layout between merges differs
(tests/test_store_checkpoint.py). The settings belong to the DuckDB instance: a connection
that stored defers until it is closed.
"""

from __future__ import annotations

import duckdb

from warehouse.ducklake import is_lake

# Small row groups (fewer rows than DuckDB always merges, 2048) of `article_hashes` at which a
# store merges instead of deferring: each store of new articles appends one to it. Four keeps
# the file within a quarter of its size with a merge at every store (the replay of a
# 5,000-article run: 92 MB against 74 MB; 110 MB with eight), for most of the CPU saved.
MERGE_AT = 4
_SMALL = 2048

# The settings deferring sets for the instance's checkpoints, and resets when a store merges.
_DEFERRED = {"max_vacuum_tasks": "0", "disabled_compression_methods": "'fsst'"}


def defer_merges(con: duckdb.DuckDBPyConnection) -> bool:
    """Have the checkpoint of `con`'s instance write new rows without merging row groups or
    trying FSST, unless `MERGE_AT` small row groups wait (then DuckDB's defaults, which merge
    them). True when deferred. A DuckLake writes Parquet files and is compacted by its own
    maintenance (warehouse/ducklake_maintain.py): nothing to do."""
    if is_lake(con):
        return False
    if small_row_groups(con) >= MERGE_AT:
        for name in _DEFERRED:
            con.execute(f"RESET {name}")
        return False
    for name, value in _DEFERRED.items():
        con.execute(f"SET {name} = {value}")
    return True


def small_row_groups(con: duckdb.DuckDBPyConnection) -> int:
    """Row groups of `article_hashes` (one integer per article, migration 0021) with fewer
    than 2048 rows: about the stores since its tail was last merged."""
    row = con.execute(
        "SELECT count(*) FROM ("
        " SELECT row_group_id FROM pragma_storage_info('article_hashes')"
        f" WHERE column_path = '[0]' GROUP BY row_group_id HAVING sum(count) < {_SMALL})"
    ).fetchone()
    return int(row[0]) if row else 0
