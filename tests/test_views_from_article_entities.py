"""Migration 0015: v_co_mentions and the named queries entity_trend and co_mentions read
`article_entities` instead of the raw mentions, and give the same rows as the definitions of
migration 0004 over the raw mentions (v_mentions_weekly, still 0004's, is checked alike): on
a generated warehouse (the storage bench's, small) with articles added around ISO year
boundaries, undated articles and an entity no longer in the watchlist, in several session
time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from benchmarks.run import WATCHLIST
from benchmarks.storage import NAMED_BEFORE_0015, VIEWS_BEFORE_0015, before_0015, generate
from extractors.watchlist import load_watchlist
from tests.test_warehouse import article, mention
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.named_query import named_queries, run_named


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("views") / "w.duckdb"
    with open_warehouse(path) as con:
        generate(con, load_watchlist(WATCHLIST), 3000, 30_000)
        # Around ISO year boundaries (2020-12-31 is in 2020-W53, 2021-01-03 too, 2024-12-30
        # in 2025-W01), at midnight UTC (another day, and week, in other time zones), undated.
        times = [
            datetime(2020, 12, 31, 23, 30, tzinfo=UTC), datetime(2021, 1, 3, 23, 59, tzinfo=UTC),
            datetime(2021, 1, 4, 0, 0, tzinfo=UTC), datetime(2024, 12, 30, 2, 0, tzinfo=UTC),
            datetime(2024, 12, 29, 22, 0, tzinfo=UTC), None,
        ]  # fmt: skip
        arts = [
            article(
                f"edge{i}",
                published_at=t,
                fetched_at=(t or datetime(2025, 6, 1, tzinfo=UTC)) + timedelta(hours=3),
            )
            for i, t in enumerate(times)
        ]
        ments = [
            m
            for i in range(len(times))
            for m in (
                mention(f"edge{i}", 0, "aws"), mention(f"edge{i}", 10, "amazon"),
                mention(f"edge{i}", 20, "bedrock"), mention(f"edge{i}", 30, "openai"),
                mention(f"edge{i}", 40, "openai"), mention(f"edge{i}", 50, "gone-from-watchlist"),
            )
        ]  # fmt: skip
        append_batch(con, arts, [], ments, [])
    return path


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(f"SELECT * FROM ({sql}) ORDER BY ALL").fetchall()


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_views_give_the_rows_of_their_old_definitions(warehouse: Path, zone: str) -> None:
    with open_warehouse(warehouse, read_only=True) as con:
        con.execute(f"SET TimeZone = '{zone}'")
        weekly = rows(con, "SELECT * FROM v_mentions_weekly")
        assert weekly == rows(con, VIEWS_BEFORE_0015["v_mentions_weekly"])
        assert len(weekly) > 1000
        # The edge articles' weeks and roll-ups are there: amazon counts aws and bedrock.
        edge = con.execute(
            "SELECT mentions, articles, mentions_rollup, articles_rollup FROM v_mentions_weekly"
            " WHERE entity_id = 'amazon' AND iso_week = '2020-W53'"
        ).fetchall()
        assert edge and edge[0][2] > edge[0][0]
        co = rows(con, "SELECT * FROM v_co_mentions")
        assert co == rows(con, VIEWS_BEFORE_0015["v_co_mentions"])
        assert len(co) > 1000
        types = "SELECT column_name, column_type FROM (DESCRIBE {})"
        for view, old in VIEWS_BEFORE_0015.items():
            assert con.execute(types.format(f"SELECT * FROM {view}")).fetchall() == (
                con.execute(types.format(old)).fetchall()
            )


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles"])
def test_named_queries_give_the_rows_of_their_old_definitions(warehouse: Path, zone: str) -> None:
    with open_warehouse(warehouse, read_only=True) as con:
        con.execute(f"SET TimeZone = '{zone}'")
        weeks = [r[0] for r in con.execute("SELECT DISTINCT iso_week FROM v_articles").fetchall()]
        weeks += ["2020-W53", "2021-W01", "2025-W01", "2024-W5", "no week", "2021-W54"]
        for week in weeks:
            _, found = run_named(con, "co_mentions", {"week": week})
            assert (
                found
                == con.execute(
                    before_0015(NAMED_BEFORE_0015["co_mentions"]), {"week": week}
                ).fetchall()
            )
        assert run_named(con, "co_mentions", {"week": "2020-W53"})[1]
        entities = [r[0] for r in con.execute("SELECT entity_id FROM v_entities").fetchall()]
        for entity in [*entities, "gone-from-watchlist", "nobody"]:
            _, found = run_named(con, "entity_trend", {"entity": entity})
            old = con.execute(before_0015(NAMED_BEFORE_0015["entity_trend"]), {"entity": entity})
            assert found == old.fetchall(), entity
        assert run_named(con, "entity_trend", {"entity": "amazon"})[1]
        assert run_named(con, "entity_trend", {"entity": "gone-from-watchlist"})[1]
        assert set(named_queries()) >= set(NAMED_BEFORE_0015)
