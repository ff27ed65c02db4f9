"""`entity_days` (each entity's articles and mentions per UTC day, its own and with its
descendants; migration 0017) always holds what the raw mentions give: after appends,
replays, dates moved earlier by other feeds (to another day), pages upgraded in place, a
retag, a watchlist whose families changed, on a warehouse migrated with articles already
stored, and on a DuckLake (its writers, and the migration as rewritten for a lake). The
web's series read it for whole days and article_entities for the rest: the same counts as
the raw mentions for any range."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.test_article_entities import link, title_mention
from tests.test_warehouse import article, mention
from warehouse import entity_days
from warehouse import web_queries as q
from warehouse.append import record_watchlist
from warehouse.articles import append_batch, link_entries, replace_tags, upgrade_articles
from warehouse.backend import DuckLakeWarehouse, Location
from warehouse.database import open_warehouse

# Late in a UTC day: an hour's move crosses midnight.
LATE = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)
# id -> parent: amazon > aws > bedrock; openai and anthropic alone.
V1 = {"amazon": None, "aws": "amazon", "bedrock": "aws", "openai": None, "anthropic": None}
# A new version: bedrock moved under amazon, anthropic given a child, aws gone.
V2 = {"amazon": None, "bedrock": "amazon", "openai": None, "anthropic": None,
      "claude": "anthropic"}  # fmt: skip


def watchlist(con: duckdb.DuckDBPyConnection, parents: dict[str, str | None], version: str) -> None:
    record_watchlist(
        con,
        [
            {
                "entity_id": e,
                "watchlist_version": version,
                "name": e.title(),
                "kind": "lab",
                "parent_id": p,
                "aliases": [e],
                "loaded_at": datetime.now(UTC),
            }
            for e, p in parents.items()
        ],
    )


def expected(
    con: duckdb.DuckDBPyConnection, parents: dict[str, str | None]
) -> list[tuple[str, date, bool, int, int]]:
    """The table's rows as the raw mentions give them, families from `parents`."""
    rows = con.execute(
        "SELECT m.article_id, m.entity_id, coalesce(a.published_at, a.fetched_at)"
        " FROM mentions m JOIN articles a USING (article_id)"
    ).fetchall()

    def ancestors(e: str) -> list[str]:
        out = []
        while e in parents and parents[e] is not None:
            e = str(parents[e])
            out.append(e)
        return out

    has_children = {p for p in parents.values() if p}
    mentions: dict[tuple[str, date, bool], int] = defaultdict(int)
    articles: dict[tuple[str, date, bool], set[str]] = defaultdict(set)
    for a, e, t in rows:
        day = t.astimezone(UTC).date()
        keys = [(e, day, False)]
        if e in parents:
            keys += [(x, day, True) for x in [e, *ancestors(e)] if x in has_children]
        for k in keys:
            mentions[k] += 1
            articles[k].add(a)
    return sorted((e, d, r, len(articles[(e, d, r)]), n) for (e, d, r), n in mentions.items())


def in_step(con: duckdb.DuckDBPyConnection, parents: dict[str, str | None]) -> None:
    stored = entity_days.stored(con)
    assert stored == entity_days.rebuilt(con)
    assert stored == expected(con, parents)


def batches() -> list[tuple[list[dict[str, object]], list[dict[str, object]]]]:
    """(articles, mentions) batches: families named together, articles late in a day."""
    undated = {"published_at": None, "fetched_at": LATE + timedelta(minutes=20)}
    return [
        (
            [article("a", published_at=LATE), article("b", **undated), article("c")],
            [
                mention("a", 0, "bedrock"), mention("a", 9, "aws"), mention("a", 20, "bedrock"),
                mention("a", 30), title_mention("a", 0, "amazon"), mention("b", 5, "aws"),
                mention("b", 9, "anthropic"), mention("c", 1, "amazon"), mention("c", 3),
                mention("c", 7, "not-in-the-watchlist"),
            ],
        ),
        (
            [article("d", published_at=LATE - timedelta(days=1)), article("e", **undated)],
            [mention("d", 0, "bedrock"), mention("e", 2, "bedrock"), mention("e", 8, "aws")],
        ),
    ]  # fmt: skip


def changes(con: duckdb.DuckDBPyConnection) -> None:
    """Every writer of article_entities in turn, checking the table after each."""
    watchlist(con, V1, "v1")
    for arts, ments in batches():
        append_batch(con, arts, [], ments, [])
        in_step(con, V1)
    for arts, ments in batches():  # a replayed batch adds nothing
        append_batch(con, arts, [], ments, [])
    in_step(con, V1)
    # An undated article takes the earliest date of the feeds that carry it: another day.
    link_entries(con, [link("b", "f1", LATE - timedelta(days=3))])
    in_step(con, V1)
    f = article("f", published_at=None, fetched_at=LATE)
    append_batch(con, [f], [link("f", "f1", LATE + timedelta(hours=2))], [mention("f", 1)], [])
    link_entries(con, [link("f", "f2", LATE - timedelta(days=9))])
    in_step(con, V1)
    # A feed summary upgraded to its page: its mentions replaced, its date filled in.
    summary = {"text": "Amazon.", "text_source": "feed_summary", "published_at": None}
    append_batch(con, [article("g", **summary)], [], [mention("g", 0, "amazon")], [])
    page = {"article_id": "g", "text": "AWS, Bedrock.", "text_source": "page", "title": "",
            "author": "", "published_at": LATE - timedelta(days=2)}  # fmt: skip
    upgraded = [mention("g", 0, "aws"), mention("g", 5, "bedrock")]
    assert upgrade_articles(con, [page], upgraded, []) == 1
    in_step(con, V1)
    # A new watchlist with other families: the next change counts them again.
    watchlist(con, V2, "v2")
    append_batch(con, [article("h")], [], [mention("h", 0, "claude"), mention("h", 9)], [])
    assert entity_days.families(con) == {
        "amazon": {"amazon", "bedrock"}, "anthropic": {"anthropic", "claude"},
    }  # fmt: skip
    in_step(con, V2)
    # A retag replaces every mention (and records the watchlist it used).
    entities = [
        {"entity_id": e, "watchlist_version": "v3", "name": e, "kind": "lab", "parent_id": p,
         "aliases": [e], "loaded_at": datetime.now(UTC)}
        for e, p in V1.items()
    ]  # fmt: skip
    retagged = [mention("a", 0, "bedrock"), mention("a", 9, "amazon"), mention("c", 1, "aws")]
    replace_tags(con, retagged, [], entities, "v3")
    in_step(con, V1)
    assert [r[0] for r in entity_days.stored(con) if r[2]] == ["amazon", "aws"]


def test_counts_follow_appends_dates_upgrades_retags_and_watchlists(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        changes(con)


def test_migration_counts_articles_already_stored(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with open_warehouse(path) as con:
        watchlist(con, V1, "v1")
        for arts, ments in batches():
            append_batch(con, arts, [], ments, [])
        before = entity_days.stored(con)
        assert len(before) > 5
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM schema_migrations WHERE version = 17")
    con.execute("DROP TABLE entity_days")
    con.execute("DROP TABLE entity_days_families")
    con.close()
    with open_warehouse(path) as con:  # 0017 applied again: it counts what is stored
        assert entity_days.stored(con) == before
        in_step(con, V1)


def series_oracle(
    con: duckdb.DuckDBPyConnection, ids: list[str], unit: str, start: datetime, end: datetime,
    rollup: bool,
) -> dict[str, dict[date, tuple[int, int]]]:  # fmt: skip
    """Each entity's non-zero periods as the raw mentions give them."""
    rows = con.execute(
        "SELECT m.article_id, m.entity_id, coalesce(a.published_at, a.fetched_at)"
        " FROM mentions m JOIN articles a USING (article_id)"
    ).fetchall()
    out = {}
    for entity in ids:
        fam = (
            {r[0] for r in con.execute(
                "SELECT entity_id FROM v_entity_rollup WHERE ancestor_id = ?", [entity]
            ).fetchall()}
            if rollup
            else {entity} & {r[0] for r in con.execute("SELECT entity_id FROM v_entities").fetchall()}
        )  # fmt: skip
        mentions: dict[date, int] = defaultdict(int)
        articles: dict[date, set[str]] = defaultdict(set)
        for a, e, t in rows:
            if e in fam and start <= t < end:
                d = t.astimezone(UTC).date()
                p = d if unit == "day" else d - timedelta(days=d.weekday())
                mentions[p] += 1
                articles[p].add(a)
        out[entity] = {p: (mentions[p], len(articles[p])) for p in mentions}
    return out


def same_series(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> None:
    ids = ["amazon", "aws", "bedrock", "openai", "anthropic", "unknown"]
    for unit in q.UNITS:
        for rollup in (True, False):
            found = q.series(con, ids, unit, start, end, rollup=rollup)
            want = series_oracle(con, ids, unit, start, end, rollup)
            for entity in ids:
                got = {r["period"]: (r["mentions"], r["articles"]) for r in found[entity]}
                assert len(got) == len(found[entity])  # every period once
                nonzero = {p: v for p, v in got.items() if v != (0, 0)}
                assert nonzero == want[entity], (entity, unit, rollup, start, end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (LATE - timedelta(days=20, hours=23, minutes=30), LATE + timedelta(days=2, minutes=30)),
        (LATE - timedelta(days=3, hours=5), LATE + timedelta(hours=1)),  # starts within a day
        (LATE - timedelta(minutes=30), LATE + timedelta(minutes=25)),  # within one day
        (LATE - timedelta(days=1, minutes=10), LATE - timedelta(days=1, minutes=-5)),
    ],
)
def test_series_of_whole_days_parts_of_days_and_changed_families(
    tmp_path: Path, start: datetime, end: datetime
) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        watchlist(con, V1, "v1")
        for arts, ments in batches():
            append_batch(con, arts, [], ments, [])
        same_series(con, start, end)
        # The watchlist's families changed and nothing was stored since: the day rows of
        # a changed family are not used, its counts come from article_entities.
        watchlist(con, {**V1, "openai": "amazon"}, "v2")
        assert entity_days.families(con)["amazon"] == {"amazon", "aws", "bedrock"}
        same_series(con, start, end)


def lake_changes(lake: Location) -> None:
    with open_warehouse(lake) as con:
        changes(con)


@pytest.mark.timeout(600)
def test_on_a_ducklake_the_writers_and_the_migration_keep_it(tmp_path: Path, catalog: str) -> None:
    lake = DuckLakeWarehouse(catalog, f"{tmp_path}/data/")
    lake_changes(lake)
    with open_warehouse(lake) as con:  # the migration undone, to run it as a lake runs it
        before = entity_days.stored(con)
        latest = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        # A lake runs what comes after its newest migration: 0017 and every later one again.
        con.execute("DELETE FROM schema_migrations WHERE version >= 17")
        con.execute("DROP TABLE entity_days")
        con.execute("DROP TABLE entity_days_families")
    with open_warehouse(lake) as con:
        assert entity_days.stored(con) == before
        in_step(con, V1)
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == latest


def test_families_walked_in_python_are_the_views(tmp_path: Path) -> None:
    # Deep, branching, cyclic and dangling parent links.
    links = {"a": None, "b": "a", "c": "b", "d": "c", "e": "a", "x": "y", "y": "x",
             "z": "gone", "solo": None}  # fmt: skip
    with open_warehouse(tmp_path / "w.duckdb") as con:
        for version, parents in (("v1", V1), ("v2", V2), ("v3", links)):
            watchlist(con, parents, version)
            view = sorted(
                (str(a), str(e)) for a, e in con.execute(entity_days._FAMILIES).fetchall()
            )
            assert entity_days.current_families(con) == view
            assert view
