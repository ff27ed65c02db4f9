"""`entity_pair_weeks` (the articles two entities share per ISO week, an entity's own and its
family's; migration 0020) always holds what the raw mentions give, through every writer of
article_entities (appends, replays, dates moved, upgrades, a retag, watchlists whose
families changed), after the migration runs on stored articles, and on a DuckLake. The
entity page's "Named with" reads it for whole weeks and article_entities for the rest: the
same entities and counts as counting the raw mentions, for any period."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import tests.test_entity_days as days
from tests.test_entity_days import LATE, V1, V2, batches, watchlist
from tests.test_warehouse import article, mention
from warehouse import entity_pairs
from warehouse import web_queries as q
from warehouse.articles import append_batch
from warehouse.backend import DuckLakeWarehouse
from warehouse.database import open_warehouse


def expected(
    con: duckdb.DuckDBPyConnection, parents: dict[str, str | None]
) -> list[tuple[str, str, date, bool, int]]:
    """The table's rows as the raw mentions give them, families from `parents`."""
    named: dict[str, set[str]] = defaultdict(set)
    times: dict[str, datetime] = {}
    for a, e, t in con.execute(
        "SELECT m.article_id, m.entity_id, coalesce(a.published_at, a.fetched_at)"
        " FROM mentions m JOIN articles a USING (article_id)"
    ).fetchall():
        named[a].add(e)
        times[a] = t

    def ancestors(e: str) -> set[str]:
        out = set()
        while e in parents and parents[e] is not None and len(out) < 16:
            e = str(parents[e])
            out.add(e)
        return out

    has_children = {p for p in parents.values() if p}
    counts: dict[tuple[str, str, date, bool], int] = defaultdict(int)
    for a, ents in named.items():
        d = times[a].astimezone(UTC).date()
        week = d - timedelta(days=d.weekday())
        subjects = {(e, False) for e in ents}
        subjects |= {
            (x, True) for e in ents if e in parents for x in {e} | ancestors(e) if x in has_children
        }
        for s, rolled in subjects:
            for o in ents - {s}:
                counts[(s, o, week, rolled)] += 1
    return sorted((s, o, w, r, n) for (s, o, w, r), n in counts.items())


def in_step(con: duckdb.DuckDBPyConnection, parents: dict[str, str | None]) -> None:
    stored = entity_pairs.stored(con)
    assert stored == entity_pairs.rebuilt(con)
    assert stored == expected(con, parents)


def test_counts_follow_every_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # test_entity_days's sequence of writers, checking this table where it checks its own.
    checks = []

    def both(con: duckdb.DuckDBPyConnection, parents: dict[str, str | None]) -> None:
        in_step(con, parents)
        checks.append(parents)

    monkeypatch.setattr(days, "in_step", both)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        days.changes(con)
        assert len(checks) > 6 and V2 in checks
        assert [r for r in entity_pairs.stored(con) if r[3]]  # family rows were counted


def test_migration_counts_articles_already_stored(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with open_warehouse(path) as con:
        watchlist(con, V1, "v1")
        for arts, ments in batches():
            append_batch(con, arts, [], ments, [])
        before = entity_pairs.stored(con)
        assert len(before) > 5
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM schema_migrations WHERE version = 20")
    con.execute("DROP TABLE entity_pair_weeks")
    con.execute("DROP TABLE entity_pair_families")
    con.close()
    with open_warehouse(path) as con:  # 0020 applied again: it counts what is stored
        assert entity_pairs.stored(con) == before
        in_step(con, V1)


def named_with(
    con: duckdb.DuckDBPyConnection, entity: str, start: datetime | None, end: datetime | None
) -> list[tuple[str, int]]:
    """co_mentioned as the raw mentions give it: (entity, articles), most first, by name."""
    fam = {r[0] for r in con.execute(
        "SELECT entity_id FROM v_entity_rollup WHERE ancestor_id = ?", [entity]
    ).fetchall()}  # fmt: skip
    ancestors = {r[0] for r in con.execute(
        "SELECT ancestor_id FROM v_entity_rollup WHERE entity_id = ?", [entity]
    ).fetchall()}  # fmt: skip
    names = dict(con.execute("SELECT entity_id, name FROM v_entities").fetchall())
    named: dict[str, set[str]] = defaultdict(set)
    for a, e, t in con.execute(
        "SELECT m.article_id, m.entity_id, coalesce(a.published_at, a.fetched_at)"
        " FROM mentions m JOIN articles a USING (article_id)"
    ).fetchall():
        if (start is None or t >= start) and (end is None or t < end):
            named[a].add(e)
    together: dict[str, int] = defaultdict(int)
    for ents in named.values():
        if ents & fam:
            for o in ents - fam - ancestors:
                if o in names:
                    together[o] += 1
    return sorted(together.items(), key=lambda x: (-x[1], names[x[0]]))[:15]


def spread(con: duckdb.DuckDBPyConnection) -> None:
    """Articles over ten weeks, families named together, some late in a day."""
    arts, ments = [], []
    pick = ["amazon", "aws", "bedrock", "openai", "anthropic", "claude", "nobody"]
    for i in range(70):
        aid = f"s{i:02}"
        arts.append(article(aid, published_at=LATE - timedelta(days=i, hours=i % 5)))
        for k in range(1 + i % 4):
            ments.append(mention(aid, k * 10, pick[(i * 3 + k * 5) % len(pick)]))
    append_batch(con, arts, [], ments, [])


PERIODS = [
    (None, None),
    (LATE - timedelta(days=30), LATE + timedelta(days=1)),  # no Monday at either end
    (datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC)),  # Mondays
    (LATE - timedelta(days=40, hours=3), None),
    (None, LATE - timedelta(days=12, minutes=7)),
    (LATE - timedelta(days=3), LATE - timedelta(days=1)),  # within a week
]


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_named_with_is_the_raw_mentions_count(
    tmp_path: Path, start: datetime | None, end: datetime | None
) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        watchlist(con, V2, "v2")
        spread(con)
        for version, parents in (("v2", V2), ("v1", V1)):
            # v1 after v2 with nothing stored since: its families' rows were counted with
            # v2's families, so amazon's come from article_entities.
            watchlist(con, parents, version)
            for entity in [*parents, "nobody", "not-an-entity"]:
                found = q.co_mentioned(con, entity, start=start, end=end)
                assert [(r["entity_id"], r["articles"]) for r in found] == named_with(
                    con, entity, start, end
                ), (version, entity)
        assert entity_pairs.families(con)["amazon"] == {"amazon", "bedrock"}


def test_the_weeks_are_read(tmp_path: Path) -> None:
    # The table is what the whole weeks come from: a count changed there shows.
    with open_warehouse(tmp_path / "w.duckdb") as con:
        watchlist(con, V2, "v2")
        spread(con)
        start, end = datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC)
        before = q.co_mentioned(con, "openai", start=start, end=end)
        assert before
        con.execute(
            "UPDATE entity_pair_weeks SET articles = articles + 100 WHERE entity_id = 'openai'"
            " AND NOT rollup AND other_id = ?",
            [before[-1]["entity_id"]],
        )
        after = q.co_mentioned(con, "openai", start=start, end=end)
        assert after[0]["entity_id"] == before[-1]["entity_id"]


@pytest.mark.timeout(600)
def test_on_a_ducklake_the_writers_and_the_migration_keep_it(
    tmp_path: Path, catalog: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(days, "in_step", in_step)
    lake = DuckLakeWarehouse(catalog, f"{tmp_path}/data/")
    with open_warehouse(lake) as con:
        days.changes(con)
    with open_warehouse(lake) as con:  # the migration undone, to run it as a lake runs it
        before = entity_pairs.stored(con)
        latest = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        con.execute("DELETE FROM schema_migrations WHERE version >= 20")
        con.execute("DROP TABLE entity_pair_weeks")
        con.execute("DROP TABLE entity_pair_families")
    with open_warehouse(lake) as con:
        assert entity_pairs.stored(con) == before
        in_step(con, V1)
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == latest
