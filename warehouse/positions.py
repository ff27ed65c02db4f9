"""Rows read by their position (rowid) instead of a scan comparing every key.

The search index numbers its documents in the order it read `articles`, so a document's id
is its article's rowid as long as no article was deleted since and the table was not
rewritten; a filter on rowid with the positions written out skips every vector that holds
none of them (500 rows of 1M articles: 3-13 ms against 40-60 ms for a scan on their keys). A
position is only a guess: each row read is checked against the key it was asked for, and the
keys whose rows were not where expected are read by a scan, as before. The positions' range
is given too: with an IN list alone DuckDB still scans the whole table (30 ms for 500 rows
among the newest 750 of 1M; 3-10 ms with the range). An article's position by its key comes
from `article_hashes` (migration 0021), an integer per article in the order of `articles`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

import duckdb

from warehouse.list_param import json_list


def at(positions: Sequence[int], column: str = "rowid") -> str:
    """A filter on `column` for `positions`: the range they span (which the scan uses to skip
    the vectors outside it) and the integers written out (a list parameter would be joined,
    not pushed into the scan)."""
    if not len(positions):
        return "false"
    low, high = min(positions), max(positions)
    listed = ", ".join(str(int(p)) for p in positions)
    return f"{column} BETWEEN {int(low)} AND {int(high)} AND {column} IN ({listed})"


def rows_at(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: str,
    wanted: Sequence[tuple[int, str]],
    columns: str,
    params: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The rows of `table` (SQL, aliased `a`) whose `key` column is each of `wanted`'s keys,
    by key; `wanted`: (expected position, key). `columns`: SQL of the other columns (they may
    use `params`). A key found in no row is left out."""
    found: dict[str, dict[str, Any]] = {}
    expected = {k: int(p) for p, k in wanted}
    if not expected:
        return found
    sql = f"SELECT a.{key} AS _key, {columns} FROM {table} a WHERE "
    cursor = con.execute(sql + at(list(expected.values()), "a.rowid"), dict(params or {}))
    names = [d[0] for d in cursor.description or []]
    for row in cursor.fetchall():
        r = dict(zip(names, row, strict=True))
        k = r.pop("_key")
        if k in expected:
            found[k] = r
    missing = [k for k in expected if k not in found]
    if missing:
        cursor = con.execute(
            sql + f"a.{key} IN (SELECT unnest($_keys::JSON::VARCHAR[]))",
            dict(params or {}) | {"_keys": json_list(missing)},
        )
        names = [d[0] for d in cursor.description or []]
        for row in cursor.fetchall():
            r = dict(zip(names, row, strict=True))
            found[r.pop("_key")] = r
    return found


def names_at(con: duckdb.DuckDBPyConnection, docids: Sequence[int]) -> dict[int, str]:
    """The article keys of the index's documents `docids` (docs.name), by docid: read at
    their positions (docs is written in docid order), a scan for any not there."""
    out: dict[int, str] = {}
    if not len(docids):
        return out
    wanted = {int(d) for d in docids}
    rows = con.execute(
        f"SELECT docid, name FROM fts_main_articles.docs WHERE {at(sorted(wanted))}"
    ).fetchall()
    out = {int(d): str(n) for d, n in rows if int(d) in wanted}
    missing = sorted(wanted - out.keys())
    if missing:
        rows = con.execute(
            "SELECT docid, name FROM fts_main_articles.docs"
            " WHERE docid IN (SELECT unnest($d::JSON::BIGINT[]))",
            {"d": json_list(missing)},
        ).fetchall()
        out |= {int(d): str(n) for d, n in rows}
    return out


def articles_by_time(
    con: duckdb.DuckDBPyConnection,
    wanted: Sequence[tuple[str, Any]],
    columns: str,
) -> dict[str, dict[str, Any]]:
    """The articles of `wanted` (article key, the article's time as article_entities holds
    it) by key, `columns` SQL over `a`. Read where their times put them: `articles` is
    appended about in time order, so a filter on the times' range skips most of the table
    (an article's time is its published_at, or fetched_at when it has none: both ranges
    are asked for); any key not found there (a time out of step) is read by a scan."""
    found: dict[str, dict[str, Any]] = {}
    if not wanted:
        return found
    keys = sorted({k for k, _ in wanted})
    times = [t for _, t in wanted]
    params = {"keys": json_list(keys), "lo": min(times), "hi": max(times)}
    chosen = "a.article_id IN (SELECT unnest($keys::JSON::VARCHAR[]))"
    if max(times) - min(times) > WIDEST:
        return _by_keys(con, keys, columns)
    cursor = con.execute(
        f"""
        SELECT a.article_id AS _key, {columns} FROM articles a
        WHERE a.published_at BETWEEN $lo AND $hi AND {chosen}
        UNION ALL
        SELECT a.article_id AS _key, {columns} FROM articles a
        WHERE a.published_at IS NULL AND a.fetched_at BETWEEN $lo AND $hi AND {chosen}
        """,
        params,
    )
    names = [d[0] for d in cursor.description or []]
    for row in cursor.fetchall():
        r = dict(zip(names, row, strict=True))
        found[r.pop("_key")] = r
    missing = [k for k in keys if k not in found]
    return found | _by_keys(con, missing, columns) if missing else found


# Times further apart than this are read by their keys: the range would be most of the table.
WIDEST = timedelta(days=31)


def _by_keys(
    con: duckdb.DuckDBPyConnection, keys: Sequence[str], columns: str
) -> dict[str, dict[str, Any]]:
    cursor = con.execute(
        f"SELECT a.article_id AS _key, {columns} FROM articles a"
        " WHERE a.article_id IN (SELECT unnest($keys::JSON::VARCHAR[]))",
        {"keys": json_list(keys)},
    )
    names = [d[0] for d in cursor.description or []]
    found: dict[str, dict[str, Any]] = {}
    for row in cursor.fetchall():
        r = dict(zip(names, row, strict=True))
        found[r.pop("_key")] = r
    return found


def article_hash(key: str) -> int:
    """DuckDB's md5_number_lower(key), the integer `article_hashes` holds for an article
    (computed here: a list of strings passed to DuckDB to hash costs more than the lookup)."""
    return int.from_bytes(hashlib.md5(key.encode()).digest()[8:], "little")


def articles_by_key(
    con: duckdb.DuckDBPyConnection, keys: Iterable[str], columns: str, *, by_position: bool = True
) -> dict[str, dict[str, Any]]:
    """The articles of `keys` by key, `columns` SQL over `a`: their positions looked up in
    `article_hashes` (migration 0021: one hash per article, in the order of `articles`; a
    scan of integers), the rows read there and checked against their keys (`rows_at`); any
    key not found so (no hash, a table out of step, no `article_hashes`) read by a scan;
    every key by the scan without `by_position` (a DuckLake has no positions)."""
    by_hash = {article_hash(k): k for k in set(keys)}
    if not by_position:
        return _by_keys(con, sorted(by_hash.values()), columns) if by_hash else {}
    if not by_hash:
        return {}
    listed = ", ".join(str(h) for h in sorted(by_hash))
    try:
        rows = con.execute(
            f"SELECT rowid, article_hash FROM article_hashes WHERE article_hash IN ({listed})"
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse read before migration 0021 ran
        rows = []
    wanted = [(int(p), by_hash[int(h)]) for p, h in rows]
    found = rows_at(con, "articles", "article_id", wanted, columns)
    # Keys with a position that `rows_at` did not find there it has scanned for already.
    missing = sorted(set(by_hash.values()) - found.keys() - {k for _, k in wanted})
    return found | _by_keys(con, missing, columns) if missing else found
