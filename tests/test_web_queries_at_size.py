"""The web's readers that were rewritten for speed at 1M articles (issue 17) against what
they mean, computed in Python from the raw rows, on the storage bench's generated warehouse
(small) with some articles added long ago: an entity's latest articles (looked for in
the newest rows first, then wider), the entities co-mentioned with one, the deals of a
party (investor, target or a backer, or a descendant of one) and the series per day and
week, rolled up or not."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from benchmarks.run import WATCHLIST
from benchmarks.storage import generate
from extractors.watchlist import load_watchlist
from tests.test_warehouse import article, mention
from warehouse import web_queries as q
from warehouse.articles import append_batch
from warehouse.database import open_warehouse


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("web") / "w.duckdb"
    with open_warehouse(path) as con:
        generate(con, load_watchlist(WATCHLIST), 2000, 16_000)
        # Articles of a rare entity long before the newest ones: only an all-time read
        # finds them, and an article naming a parent and its child counts once.
        old = datetime.now(UTC) - timedelta(days=900)
        arts = [
            article(f"old{i}", published_at=old + timedelta(days=i), fetched_at=old)
            for i in range(30)
        ]
        ments = [m for i in range(30) for m in (
            mention(f"old{i}", 0, "bedrock"), mention(f"old{i}", 9, "aws"),
            mention(f"old{i}", 20, "bedrock"), mention(f"old{i}", 30, "openai"),
        )]  # fmt: skip
        append_batch(con, arts, [], ments, [])
        yield con


def family(con: duckdb.DuckDBPyConnection, entity: str) -> set[str]:
    rows = con.execute("SELECT entity_id FROM v_entity_rollup WHERE ancestor_id = ?", [entity])
    return {r[0] for r in rows.fetchall()}


def raw(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime]]:
    """Every mention as (article, entity, article's time), from the raw tables."""
    return con.execute(
        "SELECT m.article_id, m.entity_id, coalesce(a.published_at, a.fetched_at)"
        " FROM mentions m JOIN articles a USING (article_id)"
    ).fetchall()


def entity_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT entity_id FROM v_entities").fetchall()]


def test_latest_articles(con: duckdb.DuckDBPyConnection) -> None:
    mentions = raw(con)
    for entity in entity_ids(con):
        fam = family(con, entity)
        counts: dict[str, int] = defaultdict(int)
        times: dict[str, datetime] = {}
        for a, e, t in mentions:
            if e in fam:
                counts[a] += 1
                times[a] = t
        expected = sorted(counts, key=lambda a: (-times[a].timestamp(), a))
        for limit, offset in ((20, 0), (20, 40), (5, 3), (20, max(0, len(expected) - 10))):
            found = q.entity_articles(con, entity, limit=limit, offset=offset)
            want = expected[offset : offset + limit]
            assert [r["article_id"] for r in found] == want, (entity, limit, offset)
            assert [r["mentions"] for r in found] == [counts[a] for a in want]
        if entity == "bedrock":  # its oldest articles: only an all-time read finds them
            last = q.entity_articles(con, entity, limit=3, offset=len(expected) - 3)
            assert [r["article_id"] for r in last] == ["old2", "old1", "old0"]


@pytest.mark.parametrize("days", [None, 40, 1000])
def test_co_mentioned(con: duckdb.DuckDBPyConnection, days: int | None) -> None:
    # None: all time; 40: the newest days only; 1000: back to the old articles' days.
    end = datetime.now(UTC) + timedelta(days=1)
    start = end - timedelta(days=days) if days else None
    mentions = raw(con)
    names = {r[0]: r[1] for r in con.execute("SELECT entity_id, name FROM v_entities").fetchall()}
    by_article: dict[str, set[str]] = defaultdict(set)
    for a, e, t in mentions:
        if start is None or start <= t < end:
            by_article[a].add(e)
    checked = 0
    for entity in entity_ids(con):
        fam = family(con, entity)
        ancestors = {
            r[0]
            for r in con.execute(
                "SELECT ancestor_id FROM v_entity_rollup WHERE entity_id = ?", [entity]
            ).fetchall()
        }
        together: dict[str, int] = defaultdict(int)
        for ents in by_article.values():
            if ents & fam:
                for o in ents - fam - ancestors:
                    if o in names:
                        together[o] += 1
        expected = sorted(together.items(), key=lambda x: (-x[1], names[x[0]]))[:15]
        found = [
            (r["entity_id"], r["articles"])
            for r in (
                q.co_mentioned(con, entity, start=start, end=end)
                if start
                else q.co_mentioned(con, entity)
            )
        ]
        # Ties in articles are ordered by name: compare as (count, name) sequences.
        assert [(n, names[e]) for e, n in found] == [(n, names[e]) for e, n in expected]
        checked += bool(found)
    assert checked > 10
    if days == 40:  # a period leaves articles out
        assert len(by_article) < len({a for a, _, _ in mentions})


def test_deals_of_a_party(con: duckdb.DuckDBPyConnection) -> None:
    ledger = con.execute(
        "SELECT deal_id, investor, target, list_transform(roles, x -> x.entity_id) FROM v_deals"
    ).fetchall()
    assert ledger
    for entity in [*entity_ids(con), "not-an-entity"]:
        fam = family(con, entity)
        expected = {
            d for d, i, t, roles in ledger if i in fam or t in fam or set(roles or []) & fam
        }
        total, rows = q.deals(con, party=entity, limit=10_000)
        assert total == len(expected)
        assert {r["deal_id"] for r in rows} == expected, entity


@pytest.mark.parametrize(("unit", "rollup"), [("day", True), ("week", True), ("week", False)])
def test_series(con: duckdb.DuckDBPyConnection, unit: str, rollup: bool) -> None:
    mentions = raw(con)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end += timedelta(days=1)
    start = end - timedelta(days=1000)
    ids = ["amazon", "openai", "aws"]

    def period(t: datetime) -> date:
        d = t.astimezone(UTC).date()
        return d if unit == "day" else d - timedelta(days=d.weekday())

    found = q.series(con, ids, unit, start, end, rollup=rollup)
    for entity in ids:
        fam = family(con, entity) if rollup else {entity}
        mention_counts: dict[date, int] = defaultdict(int)
        articles: dict[date, set[str]] = defaultdict(set)
        for a, e, t in mentions:
            if e in fam and start <= t < end:
                mention_counts[period(t)] += 1
                articles[period(t)].add(a)
        got = {r["period"]: (r["mentions"], r["articles"]) for r in found[entity]}
        assert {p: v for p, v in got.items() if v != (0, 0)} == {
            p: (mention_counts[p], len(articles[p])) for p in mention_counts
        }, entity
        assert len(got) == len(found[entity])  # every period once
    assert found["amazon"] != found["aws"] if rollup else True
