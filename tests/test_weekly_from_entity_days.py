"""Migration 0019: v_mentions_weekly adds up `entity_days` (per UTC day) for the days that lie
wholly inside one week of the session's time zone, counts the days a local Monday midnight
cuts in two from `article_entities`, and is 0016's definition whenever `v_entity_days_kept`
says entity_days cannot be trusted. Either way its rows are 0016's: in UTC and in zones west
and east of it, with half- and quarter-hour offsets and summer time; after a watchlist
change (before and after the next store), a retag, with dangling parents, a parent cycle,
counts out of step, and on a DuckLake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from benchmarks.run import WATCHLIST
from benchmarks.storage import VIEWS_BEFORE_0019, generate
from extractors.watchlist import load_watchlist
from tests.test_entity_days import V1, V2, batches, watchlist
from tests.test_warehouse import article, mention
from warehouse.articles import append_batch, replace_tags
from warehouse.backend import DuckLakeWarehouse
from warehouse.database import open_warehouse
from warehouse.digest_queries import TREND_WEEKS, _weekly, _weekly_from_rows, weeks_ending

# The view as 0016 defined it (from article_entities): what 0019's must give.
OLD = VIEWS_BEFORE_0019["v_mentions_weekly"]
# West and east of UTC, whole, half- and quarter-hour offsets, with and without summer time
# (Chatham: +12:45 in winter, +13:45 in summer; London: 0 in winter).
ZONES = (
    "UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/Los_Angeles", "Pacific/Chatham",
    "Europe/London", "Australia/Adelaide",
)  # fmt: skip

SUNDAY = datetime(2025, 6, 15, tzinfo=UTC)  # summer in the north, winter in the south
# Either side of local Monday midnights, in UTC: Chatham (11:15), Kathmandu (18:15),
# Kolkata (18:30), London in summer (23:00), Los Angeles in summer (Monday 07:00); an ISO
# year's turn; midnight UTC.
EDGES = [
    SUNDAY + timedelta(hours=h, minutes=m)
    for h, m in ((11, 14), (11, 15), (14, 29), (14, 30), (18, 14), (18, 15), (18, 29),
                 (18, 30), (22, 59), (23, 0), (30, 59), (31, 0), (24, 0), (23, 59))
] + [
    datetime(2020, 12, 31, 23, 30, tzinfo=UTC), datetime(2021, 1, 3, 23, 59, tzinfo=UTC),
    datetime(2021, 1, 4, 0, 0, tzinfo=UTC), datetime(2024, 12, 29, 22, 0, tzinfo=UTC),
]  # fmt: skip


def edge_batch(prefix: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Articles at EDGES (and one undated), each naming a family, a lone entity and an
    entity no longer in the watchlist."""
    times: list[datetime | None] = [*EDGES, None]
    arts = [
        article(
            f"{prefix}{i}",
            published_at=t,
            fetched_at=(t or SUNDAY + timedelta(hours=18, minutes=20)) + timedelta(hours=3),
        )
        for i, t in enumerate(times)
    ]
    ments = [
        m
        for i in range(len(times))
        for m in (
            mention(f"{prefix}{i}", 0, "aws"), mention(f"{prefix}{i}", 10, "amazon"),
            mention(f"{prefix}{i}", 20, "bedrock"), mention(f"{prefix}{i}", 30, "openai"),
            mention(f"{prefix}{i}", 40, "openai"), mention(f"{prefix}{i}", 50, "claude"),
            mention(f"{prefix}{i}", 60, "gone-from-watchlist"),
        )
    ]  # fmt: skip
    return arts, ments


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple[object, ...]]:
    return con.execute(f"SELECT * FROM ({sql}) ORDER BY ALL", list(params)).fetchall()


def kept(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT kept_exact FROM v_entity_days_kept").fetchone()
    assert row is not None
    return bool(row[0])


def same_as_0016(
    con: duckdb.DuckDBPyConnection, *, exact: bool, zones: tuple[str, ...] = ZONES
) -> None:
    """The view gives 0016's rows in every zone, all weeks and week by week; `exact`: the
    rows came from entity_days (v_entity_days_kept said so)."""
    assert kept(con) is exact
    try:
        for zone in zones:
            con.execute(f"SET TimeZone = '{zone}'")
            found = rows(con, "SELECT * FROM v_mentions_weekly")
            assert found == rows(con, OLD), zone
            assert found
            weeks = sorted({str(r[3]) for r in found})
            for week in [*weeks[:3], *weeks[-3:], "2025-W24", "2025-W25", "2020-W53"]:
                assert rows(con, "SELECT * FROM v_mentions_weekly WHERE iso_week = ?", week) == (
                    rows(con, f"SELECT * FROM ({OLD}) WHERE iso_week = ?", week)
                ), (zone, week)
    finally:
        con.execute("SET TimeZone = 'UTC'")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The storage bench's warehouse, small (articles every few hours over two years), with
    the edge articles."""
    path = tmp_path_factory.mktemp("weekly") / "w.duckdb"
    with open_warehouse(path) as con:
        generate(con, load_watchlist(WATCHLIST), 3000, 30_000)
        arts, ments = edge_batch("edge")
        append_batch(con, arts, [], ments, [])
    return path


def test_every_zone_gives_0016s_rows_from_entity_days(generated: Path) -> None:
    with open_warehouse(generated, read_only=True) as con:
        same_as_0016(con, exact=True)
        types = "SELECT column_name, column_type FROM (DESCRIBE {})"
        assert con.execute(types.format("SELECT * FROM v_mentions_weekly")).fetchall() == (
            con.execute(types.format(OLD)).fetchall()
        )
        # Off UTC, some days are cut by a local Monday midnight: both parts are counted.
        con.execute("SET TimeZone = 'Asia/Kolkata'")
        edge = con.execute(
            "SELECT iso_week, articles_rollup FROM v_mentions_weekly WHERE entity_id = 'amazon'"
            " AND iso_week IN ('2025-W24', '2025-W25') ORDER BY 1"
        ).fetchall()
        assert [w for w, _ in edge] == ["2025-W24", "2025-W25"]


def test_the_digests_weeks_are_those_counted_from_rows(generated: Path) -> None:
    def weekly(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return sorted(tuple(r.values()) for r in rows)

    with open_warehouse(generated, read_only=True) as con:
        newest = con.execute("SELECT max(iso_week) FROM v_mentions_weekly").fetchone()
        assert newest is not None
        for last in ["2021-W02", "2025-W01", "2025-W26", str(newest[0])]:
            weeks = weeks_ending(last, TREND_WEEKS)
            # UTC: from v_mentions_weekly (entity_days); the digest's weeks are UTC weeks.
            found = weekly(_weekly(con, weeks))
            assert found and found == weekly(_weekly_from_rows(con, weeks)), last
            con.execute("SET TimeZone = 'Asia/Kolkata'")
            assert weekly(_weekly(con, weeks)) == found, last
            con.execute("SET TimeZone = 'UTC'")


def small_world(con: duckdb.DuckDBPyConnection) -> None:
    watchlist(con, {**V1, "claude": "anthropic"}, "v1")
    for arts, ments in [*batches(), edge_batch("e")]:
        append_batch(con, arts, [], ments, [])


def test_watchlist_changes_and_a_retag(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        small_world(con)
        same_as_0016(con, exact=True)
        # A new version with the same families: entity_days still holds.
        watchlist(con, {**V1, "claude": "anthropic"}, "v1b")
        same_as_0016(con, exact=True)
        # Other families, nothing stored since: entity_days counted the old ones.
        watchlist(con, V2, "v2")
        same_as_0016(con, exact=False)
        # The next store counts the families again.
        append_batch(con, [article("h")], [], [mention("h", 0, "claude"), mention("h", 9)], [])
        same_as_0016(con, exact=True)
        # A retag replaces every mention and records the watchlist it used.
        entities = [
            {"entity_id": e, "watchlist_version": "v3", "name": e, "kind": "lab",
             "parent_id": p, "aliases": [e], "loaded_at": datetime.now(UTC)}
            for e, p in V1.items()
        ]  # fmt: skip
        _, ments = edge_batch("e")
        replace_tags(con, [*ments[::2], mention("a", 0, "bedrock")], [], entities, "v3")
        same_as_0016(con, exact=True)


def test_dangling_parents_and_cycles(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        small_world(con)
        # Parents not in the watchlist: bedrock's of one member (its rolled-up counts are
        # bedrock's own), openai's and anthropic's of a family of three in entity_days.
        dangling = {"amazon": None, "aws": None, "bedrock": "gone", "openai": "far",
                    "anthropic": "far", "claude": "anthropic"}  # fmt: skip
        watchlist(con, dangling, "v2")
        append_batch(con, [article("i")], [], [mention("i", 0, "bedrock")], [])
        same_as_0016(con, exact=True)
        gone = (
            "SELECT sum(mentions), sum(mentions_rollup) FROM v_mentions_weekly WHERE entity_id = ?"
        )
        bedrock = con.execute(gone, ["bedrock"]).fetchone()
        assert bedrock is not None and bedrock[0] > 0
        assert con.execute(gone, ["gone"]).fetchone() == (0, bedrock[0])
        # A dangling parent named itself: its articles and its child's are in no row.
        append_batch(
            con, [article("j")], [], [mention("j", 0, "gone"), mention("j", 9, "bedrock")], []
        )
        same_as_0016(con, exact=False)
    with open_warehouse(tmp_path / "c.duckdb") as con:
        small_world(con)
        # A cycle: 0016 counts a row once each time the walk up the parents meets an ancestor.
        watchlist(con, {**V1, "openai": "anthropic", "anthropic": "openai"}, "v2")
        append_batch(con, [article("k")], [], [mention("k", 0, "openai")], [])
        same_as_0016(con, exact=False)


@pytest.mark.parametrize(
    "change",
    [
        # rows moved to another day, the totals of rows and mentions unchanged
        "UPDATE article_entities SET t = t + INTERVAL 1 DAY WHERE article_id = 'e3'",
        "DELETE FROM article_entities WHERE article_id = 'e3' AND entity_id = 'openai'",
        "UPDATE article_entities SET mentions = mentions + 1 WHERE article_id = 'e3'",
        "UPDATE entity_days SET articles = articles + 1 WHERE entity_id = 'openai'"
        " AND day = (SELECT max(day) FROM entity_days) AND NOT rollup",
        # a family's row that is not its members' (own rows in step)
        "UPDATE entity_days SET mentions = mentions + 1 WHERE entity_id = 'amazon' AND rollup"
        " AND day = (SELECT min(day) FROM entity_days)",
        "DELETE FROM entity_days WHERE rollup AND day = (SELECT min(day) FROM entity_days)",
    ],
)
def test_counts_out_of_step_fall_back(tmp_path: Path, change: str) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        small_world(con)
        same_as_0016(con, exact=True, zones=("UTC",))
        con.execute(change)
        same_as_0016(con, exact=False, zones=("UTC", "Asia/Kolkata"))


@pytest.mark.timeout(600)
def test_on_a_ducklake(tmp_path: Path, catalog: str) -> None:
    lake = DuckLakeWarehouse(catalog, f"{tmp_path}/data/")
    with open_warehouse(lake) as con:
        small_world(con)
        same_as_0016(con, exact=True, zones=("UTC", "Asia/Kolkata", "America/Los_Angeles"))
        # A lake runs what comes after its newest migration: 0019 (and what follows it)
        # again, as rewritten.
        latest = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        con.execute("DELETE FROM schema_migrations WHERE version >= 19")
    with open_warehouse(lake) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == latest
        same_as_0016(con, exact=True, zones=("UTC", "Pacific/Chatham"))
        watchlist(con, V2, "v2")
        same_as_0016(con, exact=False, zones=("UTC",))
