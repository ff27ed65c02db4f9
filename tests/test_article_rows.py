"""An article's mentions read near its position (warehouse/article_rows.py) against the scan
of every mention, on the storage bench's generated warehouse with batches appended after it
whose articles have many, one or no mentions (so the position's guess is off for some), in
windows wide, narrow and empty (so the scan is taken too)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from benchmarks.run import WATCHLIST
from benchmarks.storage import generate
from extractors.watchlist import load_watchlist
from tests.test_warehouse import article, mention
from warehouse import web_queries as q
from warehouse.article_rows import mentions_near
from warehouse.articles import append_batch
from warehouse.database import open_warehouse


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("rows") / "w.duckdb"
    with open_warehouse(path) as con:
        generate(con, load_watchlist(WATCHLIST), 400, 3_200)
        start = datetime.now(UTC) - timedelta(days=5)
        for batch in range(3):
            ids = [f"b{batch}-{i}" for i in range(40)]
            arts = [
                article(a, published_at=start + timedelta(hours=i), fetched_at=start)
                for i, a in enumerate(ids)
            ]
            # The first article of a batch holds 300 mentions, every third none.
            ments = [
                mention(a, 10 * k, ("openai", "aws", "bedrock")[k % 3])
                for i, a in enumerate(ids) if i % 3
                for k in range(300 if i == 1 else 1 + i % 4)
            ]  # fmt: skip
            ments.append(mention(ids[2], 0) | {"in_title": True})
            append_batch(con, arts, [], ments, [])
        yield con


def every_article(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()]


@pytest.mark.parametrize("windows", [(1 << 13, 1 << 17), (4, 64), (0,), ()])
def test_near_equals_the_scan(con: duckdb.DuckDBPyConnection, windows: tuple[int, ...]) -> None:
    near_found = 0
    for article_id in every_article(con):
        found, position = q.article_at(con, article_id)
        assert found is not None and position is not None
        scan = q.article_mentions(con, article_id)
        params: dict[str, object] = {"id": article_id}
        rows = mentions_near(con, q.MENTIONS, params, position, found["t"], windows)
        if rows is not None:
            near_found += 1
            assert rows == scan, article_id
        assert q.article_mentions(con, article_id, (position, found["t"])) == scan
    if windows == (1 << 13, 1 << 17):  # the default: every article with mentions read near
        with_mentions = con.execute("SELECT count(DISTINCT article_id) FROM mentions")
        assert near_found == with_mentions.fetchone()[0]  # type: ignore[index]
    if not windows:
        assert near_found == 0


def test_narrow_windows_miss_and_scan(con: duckdb.DuckDBPyConnection) -> None:
    """A window holding only some of an article's mentions is not taken for all of them."""
    found, position = q.article_at(con, "b1-1")  # 300 mentions
    assert found is not None and position is not None
    params: dict[str, object] = {"id": "b1-1"}
    assert mentions_near(con, q.MENTIONS, params, position, found["t"], (64,)) is None
    assert len(q.article_mentions(con, "b1-1", (position, found["t"]))) == 300


def test_a_time_out_of_step_scans(con: duckdb.DuckDBPyConnection) -> None:
    found, position = q.article_at(con, "b2-4")
    assert found is not None and position is not None
    wrong = found["t"] + timedelta(seconds=1)
    params: dict[str, object] = {"id": "b2-4"}
    assert mentions_near(con, q.MENTIONS, params, position, wrong) is None
    assert q.article_mentions(con, "b2-4", (position, wrong)) == q.article_mentions(con, "b2-4")
    assert q.article_at(con, "no such article") == (None, None)
