"""Articles read by their key through `article_hashes` (migration 0021; warehouse/positions.py
`articles_by_key`): the article page's article equals what the scan on the keys gave, and
the deals ledger's first sources of each deal what the join gave, with the table in step,
out of step, missing; the writers and the migration keep it in the order of `articles`, on
a DuckDB file and on a DuckLake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmarks.run import WATCHLIST
from benchmarks.storage import generate
from extractors.watchlist import load_watchlist
from tests.test_deal_ledger_kept import deal
from tests.test_warehouse import NOW, article, mention
from warehouse import web_queries as q
from warehouse.articles import append_batch
from warehouse.backend import DuckLakeWarehouse
from warehouse.database import open_warehouse
from warehouse.positions import article_hash

# The reader as it was before `article_hashes`: a filter on the key.
ARTICLE = f"""
    SELECT a.article_id, a.title, a.canonical_url AS url, {q.SOURCE} AS site, a.author,
           a.published_at, a.fetched_at, {q.ARTICLE_TIME} AS t, a.language, a.text,
           a.text_source, a.extractor, a.page_error, a.page_kind, a.cluster_id,
           a.analysis_note, a.rowid AS _position
    FROM articles a WHERE a.article_id = ?
"""


def batches() -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    start = datetime.now(UTC) - timedelta(days=5)
    for batch in range(3):
        ids = [f"b{batch}-{i}" for i in range(30)]
        arts = [
            article(a, published_at=start + timedelta(hours=i), fetched_at=start)
            for i, a in enumerate(ids)
        ]
        yield arts, [mention(a, 0) for a in ids[::2]]


def reports() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """12 articles reporting one deal (half of them at one time: ties), 3 another, 1 a third."""
    arts = [
        article(f"r{i:02d}", published_at=NOW - timedelta(hours=i % 6 if i % 2 else 0))
        for i in range(12)
    ]
    deals = [deal(f"r{i:02d}", 0, "amazon", "anthropic", 4e9) for i in range(12)]
    deals += [deal(f"r{i:02d}", 1, "aws", "openai", None, kind="compute") for i in range(3)]
    deals.append(deal("r11", 2, "microsoft", "mistral", 2e9))
    return arts, deals


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("hashes") / "w.duckdb"
    with open_warehouse(path) as con:
        generate(con, load_watchlist(WATCHLIST), 400, 3_200)
        for arts, ments in batches():
            append_batch(con, arts, [], ments, [])
        arts, deals = reports()
        append_batch(con, arts, [], [], deals)
        yield con


def keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()]


def in_step(con: duckdb.DuckDBPyConnection) -> bool:
    """`article_hashes` holds each article's hash at the article's position, and no more."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM articles) = (SELECT count(*) FROM article_hashes),"
        " count(*) FILTER (WHERE h.article_hash IS DISTINCT FROM md5_number_lower(a.article_id))"
        " FROM articles a POSITIONAL JOIN article_hashes h"
    ).fetchone()
    return bool(row and row[0] and row[1] == 0)


def same_reader(con: duckdb.DuckDBPyConnection) -> None:
    for key in [*keys(con), "no-such-article"]:
        rows = q.dicts(con.execute(ARTICLE, [key]))
        want = (rows[0], rows[0].pop("_position")) if rows else (None, None)
        assert q.article_at(con, key) == want
    deal_ids = [r[0] for r in con.execute("SELECT DISTINCT deal_id FROM v_deals").fetchall()]
    every = q.deal_sources(con, deal_ids)  # the join on the keys
    assert max(len(v) for v in every.values()) == 12  # more than the page lists
    for first in (1, 5, 20):
        want = {d: (len(v), v[:first]) for d, v in every.items()}
        assert q.deal_first_sources(con, deal_ids, first) == want


def test_the_hash_is_duckdbs(con: duckdb.DuckDBPyConnection) -> None:
    for key in [*keys(con)[:50], "", "é ✓"]:
        row = con.execute("SELECT md5_number_lower(?)", [key]).fetchone()
        assert row is not None and article_hash(key) == row[0]


def test_the_writers_keep_it_in_step(con: duckdb.DuckDBPyConnection) -> None:
    assert in_step(con)
    assert con.execute("SELECT count(*) FROM article_hashes").fetchone() == (502,)


def test_readers_equal_the_scans(con: duckdb.DuckDBPyConnection) -> None:
    same_reader(con)


@pytest.mark.parametrize(
    "change",
    [
        "DELETE FROM article_hashes WHERE rowid % 3 = 0",  # hashes missing, the rest shifted
        "INSERT INTO article_hashes SELECT article_hash FROM article_hashes WHERE rowid < 7",
        "UPDATE article_hashes SET article_hash = article_hash + 1 WHERE rowid % 2 = 0",
        "DROP TABLE article_hashes",  # a warehouse read before migration 0021
    ],
)
def test_out_of_step_falls_back_to_the_scans(con: duckdb.DuckDBPyConnection, change: str) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(change)
        same_reader(con)
    finally:
        con.execute("ROLLBACK")
    assert in_step(con)


def test_migration_builds_it_in_order(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with open_warehouse(path) as con:
        for arts, ments in batches():
            append_batch(con, arts, [], ments, [])
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM schema_migrations WHERE version = 21")
    con.execute("DROP TABLE article_hashes")
    con.close()
    with open_warehouse(path) as con:  # 0021 applied again, to the articles stored
        assert in_step(con)
        assert con.execute("SELECT count(*) FROM article_hashes").fetchone() == (90,)


@pytest.mark.timeout(600)
def test_on_a_ducklake(tmp_path: Path, catalog: str) -> None:
    """The migration and the writers on a lake (which reads by key, not by position)."""
    lake = DuckLakeWarehouse(catalog, f"{tmp_path}/data/")
    arts, ments = next(batches())
    with open_warehouse(lake) as con:
        append_batch(con, arts, [], ments, [])
    with open_warehouse(lake) as con:  # the migration undone, to run it as a lake runs it
        con.execute("DELETE FROM schema_migrations WHERE version >= 21")
        con.execute("DROP TABLE article_hashes")
    with open_warehouse(lake) as con:
        hashes = {r[0] for r in con.execute("SELECT article_hash FROM article_hashes").fetchall()}
        assert hashes == {article_hash(f"b0-{i}") for i in range(30)}
        found, position = q.article_at(con, "b0-3")
        assert found is not None and found["article_id"] == "b0-3" and position is None
