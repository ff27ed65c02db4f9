"""A retag's staging file: the new rows of the articles it has tagged so far, written as each
chunk comes back (flows/retag.py), so that neither the retag's memory nor the warehouse's
lock grows with the warehouse; warehouse/articles.py `replace_staged_tags` swaps them in.

The file is attached to the retag's read-only connection to the warehouse as `_retag`. Its
tables take the warehouse's own column types: `mentions`, `deals`, `fingerprints` (articles
stored without one, filled in) and `articles` (every article read: the ones whose tags the
swap replaces)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.append import Row, register_rows

TABLES = ("mentions", "deals", "fingerprints", "articles")
# Each staged table as a query of the warehouse (its columns and their types).
SHAPES = {
    "mentions": "SELECT * FROM mentions",
    "deals": "SELECT * FROM deals",
    "fingerprints": "SELECT article_id, fingerprint FROM articles",
    "articles": "SELECT article_id FROM articles",
}


@contextmanager
def staging_attached(
    con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool = False
) -> Iterator[None]:
    """The staging file at `path` attached to `con` as `_retag` until the block ends: new and
    empty, its tables made, to be written (through the retag's read-only connection to the
    warehouse); or, `read_only`, as written, for the swap."""
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS _retag ({'READ_ONLY' if read_only else 'READ_WRITE'})")
    try:
        if not read_only:
            for table in TABLES:
                con.execute(f"CREATE TABLE _retag.{table} AS {SHAPES[table]} LIMIT 0")
        yield
    finally:
        con.execute("DETACH _retag")


def stage(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Row]) -> None:
    """Append `rows` to the staged `table` (one of TABLES)."""
    if table not in TABLES:
        raise ValueError(f"no staged table {table!r}")
    if rows:
        with register_rows(con, "_staged", rows):
            con.execute(f"INSERT INTO _retag.{table} BY NAME SELECT * FROM _staged")


def article_count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM articles").fetchone()
    return int(row[0]) if row else 0
