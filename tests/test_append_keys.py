"""The article tables, story keys and deals without key indexes (migration 0014): appends stay duplicate-free and
idempotent by anti-join, and a warehouse migrated from 0013 keeps every row of every table and
view.

The data is what the ingest stores: generated news texts (real prose, watchlist names and
deals) analysed by `extractors.analyse`, turned into rows by `flows.rows`, stored by
`append_batch` with their feeds; stories from the ingest's rule; a feed carrying a stored
article again (`link_entries`), the same URL from two feeds, a page upgrading a feed's text,
and the full-text index built.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.textgen import TextGenerator
from extractors.analyse import AnalysedArticle, analyse
from extractors.budget import Budget
from extractors.entities import Tagger, load_watchlist
from extractors.records import FeedEntry, PageInput
from extractors.urls import url_key
from flows import rows
from flows.stories import STORY_RULE
from seeds import SEEDS_DIR
from warehouse import search
from warehouse.append import Row, record_watchlist
from warehouse.articles import (
    ARTICLE_KEY,
    DEAL_KEY,
    FEED_LINK_KEY,
    URL_KEY,
    append_batch,
    articles_for_keys,
    link_entries,
    unseen_keys,
    upgrade_articles,
)
from warehouse.database import migrate, migrations, open_warehouse

WATCHLIST = load_watchlist(SEEDS_DIR / "watchlist.toml")
TAGGER = Tagger(WATCHLIST)
WHEN = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
KEYS = {
    "articles": ARTICLE_KEY, "article_urls": URL_KEY, "article_feeds": FEED_LINK_KEY,
    "story_keys": ("article_id",), "deals": DEAL_KEY,
}  # fmt: skip

Batch = tuple[list[Row], list[Row], list[Row], list[Row]]

RULES_ALONE = Budget(deal_model=False)


def generated(n: int, seed: int = 3, first: int = 0) -> list[AnalysedArticle]:
    """`n` analysed articles from feed text, half of them dated by their feed entry only;
    numbered (URL and hour) from `first`. Their deals are the rules' alone, as every
    warehouse before migration 0023 (`found_by`) held them: the migrations are run on them."""
    gen = TextGenerator(WATCHLIST, random.Random(seed))
    out = []
    for k in range(first, first + n):
        g = gen.article()
        url = f"https://site{k % 3}.example/news/{k}"
        when = WHEN + timedelta(hours=k)
        entry = FeedEntry(url, g.title, f"g{k}", when, g.author, "", g.text)
        out.append(analyse(PageInput(entry), TAGGER, RULES_ALONE))
    return out


def batch(items: list[tuple[str, AnalysedArticle]]) -> Batch:
    """(articles, feed links, mentions, deals) rows as the ingest stores them."""
    arts, mentions, deals = rows.article_rows([a for _, a in items], "r", WHEN, WATCHLIST.version)
    links = [
        {"article_id": a.entry_key, "feed_id": feed, "entry_guid": a.url, "entry_title": a.title,
         "entry_published_at": a.published, "first_seen_at": WHEN}
        for feed, a in items
    ]  # fmt: skip
    return arts, links, mentions, deals


def moved(a: AnalysedArticle, url: str) -> AnalysedArticle:
    """The same story under another feed URL (a tracking parameter, a mirror)."""
    return replace(a, url=url, entry_key=url_key(url))


def history() -> tuple[list[Batch], list[Row], Batch]:
    """Batches, later links and a page upgrade that exercise every insert path."""
    arts = generated(12)
    first = batch([("feed-a", a) for a in arts[:6]] + [("feed-b", arts[0])])  # two feeds
    second = batch(
        [("feed-b", a) for a in arts[6:]]
        + [("feed-c", moved(arts[1], arts[1].url + "?utm_source=x"))]  # another spelling
        + [("feed-a", arts[2])]  # fetched again
    )
    later = [
        {"article_id": arts[3].entry_key, "feed_id": "feed-c", "entry_guid": "x",
         "entry_title": "t", "entry_published_at": WHEN - timedelta(days=1),
         "first_seen_at": WHEN},
        {"article_id": "no-such-key", "feed_id": "feed-c", "entry_guid": "y",
         "entry_title": "t", "entry_published_at": WHEN, "first_seen_at": WHEN},
    ]  # fmt: skip
    # The page of a stored article arrives: its text replaces the feed's.
    page = replace(generated(1, seed=8)[0], article_id=arts[4].article_id, text_source="page")
    upgrade = batch([("feed-a", page)])
    return [first, second], later, upgrade


def store(con: duckdb.DuckDBPyConnection) -> None:
    batches, later, (up_arts, _, up_mentions, up_deals) = history()
    for arts, links, mentions, deals in batches:
        append_batch(con, arts, links, mentions, deals, stories=STORY_RULE)
    link_entries(con, later)
    upgrade_articles(con, up_arts, up_mentions, up_deals, stories=STORY_RULE)


def replay(con: duckdb.DuckDBPyConnection) -> None:
    """Every write of `store` again, as a crashed run's replay or the next run would."""
    batches, later, _ = history()
    for arts, links, mentions, deals in batches:
        counts = append_batch(con, arts, links, mentions, deals, stories=STORY_RULE)
        assert (counts.articles, counts.mentions, counts.deals) == (0, 0, 0)
    assert link_entries(con, later) == 0


def warehouse_at(path: Path, version: int) -> duckdb.DuckDBPyConnection:
    """A new warehouse with the migrations up to `version` applied."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL)"
    )
    for number, name, sql in migrations():
        if number <= version:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])
    return con


def found_by_stand_in(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 0023's `found_by` on a warehouse at an earlier version, so that today's
    writers (which give every deal row it) can write there; 0023 keeps the column."""
    for table in ("deals", "deal_rows_pending", "deal_ledger"):
        con.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS found_by VARCHAR DEFAULT 'rules'"
        )


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    tables = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE NOT internal"
        " AND table_name <> 'schema_migrations'"
    ).fetchall()
    views = con.execute(
        "SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    return sorted(r[0] for r in tables + views)


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table and view, in a stable order."""
    return {
        name: sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
        for name in relations(con)
    }


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT column_name, data_type, column_default, is_nullable FROM duckdb_columns()"
        " WHERE table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()


def keys_once(con: duckdb.DuckDBPyConnection) -> None:
    for table, key in KEYS.items():
        cols = ", ".join(key)
        total, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT ({cols})) FROM {table}"
        ).fetchone() or (0, 0)
        assert total == distinct > 0, table


def test_a_warehouse_migrated_from_0013_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = warehouse_at(path, 13)
    # Today's writers keep the deals ledger through migration 0016's deal_rows_pending, and
    # URL hashes in 0018's url_hashes; stand-ins for this connection let them write a
    # warehouse at 0013.
    con.execute(
        "CREATE TEMP TABLE deal_rows_pending AS SELECT *, NULL::TIMESTAMPTZ AS t FROM deals LIMIT 0"
    )
    found_by_stand_in(con)  # and 0023's column
    con.execute("CREATE TEMP TABLE url_hashes (url_hash UBIGINT)")
    con.execute("CREATE TEMP TABLE article_hashes (article_hash UBIGINT)")  # and 0021's
    # And migration 0017's day counts, which they keep with article_entities.
    con.execute(
        "CREATE TEMP TABLE entity_days (entity_id VARCHAR, day DATE, rollup BOOLEAN,"
        " articles BIGINT, mentions BIGINT)"
    )
    con.execute("CREATE TEMP TABLE entity_days_families (ancestor_id VARCHAR, entity_id VARCHAR)")
    # And migration 0020's pair counts per week.
    con.execute(
        "CREATE TEMP TABLE entity_pair_weeks (entity_id VARCHAR, other_id VARCHAR, week DATE,"
        " rollup BOOLEAN, articles BIGINT)"
    )
    con.execute("CREATE TEMP TABLE entity_pair_families (ancestor_id VARCHAR, entity_id VARCHAR)")
    record_watchlist(con, rows.entity_rows(WATCHLIST))
    store(con)
    search.refresh_index(con)  # the full-text index reads `articles`
    before = snapshot(con)
    shapes = {t: columns(con, t) for t in KEYS}
    assert len(before["main.articles"]) == 12 and len(before["main.mentions"]) > 0
    assert len(before["main.deals"]) > 0 and len(before["main.deal_ledger"]) > 0
    assert len(before["main.v_stories"]) > 0
    con.close()

    with open_warehouse(path) as con:  # migrated (later migrations add relations)
        assert kept(snapshot(con), before)
        assert {t: columns(con, t) for t in KEYS} == shapes
        keyed = con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
            " AND list_contains($t, table_name)",
            {"t": list(KEYS)},
        ).fetchall()
        assert keyed == []
        assert search.index_state(con) == "current"  # the index still matches the articles
        title = before["main.articles"][0][4]
        assert search.search_articles(con, title.split()[-1])[0] > 0
        replay(con)
        assert kept(snapshot(con), before)
        keys_once(con)


def kept(after: dict[str, list[tuple[Any, ...]]], before: dict[str, list[tuple[Any, ...]]]) -> bool:
    """Every relation of `before` is in `after` with the same rows."""
    return {name: after.get(name) for name in before} == before


def test_appends_store_each_key_once(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        record_watchlist(con, rows.entity_rows(WATCHLIST))
        store(con)
        keys_once(con)
        stored = snapshot(con)
        assert len(stored["main.articles"]) == 12
        # Two feeds carried the first story; a third the second under another spelling.
        feeds = con.execute(
            "SELECT count(*) FROM article_feeds GROUP BY article_id ORDER BY 1 DESC LIMIT 1"
        ).fetchone()
        assert feeds == (2,)
        replay(con)
        assert snapshot(con) == stored
        # One batch holding the same new story twice (two feeds, two spellings) stores it once.
        url = "https://site9.example/news/new"
        story = replace(
            generated(1, seed=21)[0],
            url=url, canonical_url=url, article_id=url_key(url), entry_key=url_key(url),
        )  # fmt: skip
        arts, links, mentions, deals = batch(
            [("feed-a", story), ("feed-b", story), ("feed-c", moved(story, story.url + "#top"))]
        )
        counts = append_batch(con, arts, links, mentions, deals, stories=STORY_RULE)
        assert (counts.articles, counts.duplicates) == (1, 2)
        keys_once(con)
        assert con.execute(
            "SELECT count(*) FROM article_feeds WHERE article_id = ?", [story.article_id]
        ).fetchone() == (3,)


def test_migration_runs_again_on_a_migrated_warehouse(tmp_path: Path) -> None:
    """0014 rebuilds the tables from themselves: run again (as tests that undo a migration
    do), it keeps every row. (It rebuilds `deals` with the columns of its time, so 0023,
    which adds `found_by`, runs again after it.)"""
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as con:
        record_watchlist(con, rows.entity_rows(WATCHLIST))
        store(con)
        before = snapshot(con)
        con.execute("DELETE FROM schema_migrations WHERE version IN (14, 23)")
        assert migrate(con) == migrations()[-1][0]
        assert snapshot(con) == before


def test_the_keys_writers_match_on_are_the_tables_keys() -> None:
    """warehouse/table_keys.py, which writers match rows on instead of ON CONFLICT (a
    DuckLake keeps no keys), names every key the migrations declare, and only those."""
    from warehouse.table_keys import KEYS

    con = duckdb.connect()
    migrate(con, ":memory:")
    declared = {
        str(t): tuple(c)
        for t, c in con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints()"
            " WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
        ).fetchall()
    }
    assert declared == KEYS


def test_url_keys_are_found_by_hash_and_without_one(tmp_path: Path) -> None:
    """`url_hashes` (migration 0018) holds the hash of every stored URL key, so a replay finds
    each; a URL row written without its hash (SQL of its own) is still found, by its key."""
    with open_warehouse(tmp_path / "w.duckdb") as con:
        record_watchlist(con, rows.entity_rows(WATCHLIST))
        store(con)
        hashed = "SELECT md5_number_lower(url_key) AS h FROM article_urls ORDER BY h"
        assert (
            con.execute(hashed).fetchall()
            == con.execute("SELECT url_hash FROM url_hashes ORDER BY url_hash").fetchall()
        )
        stored = snapshot(con)
        replay(con)
        assert snapshot(con) == stored
        con.execute("DELETE FROM url_hashes")  # every hash missing, as after a foreign writer
        con.execute("INSERT INTO url_hashes VALUES (1)")  # and one that leads nowhere
        replay(con)
        assert snapshot(con) | {"main.url_hashes": []} == stored | {"main.url_hashes": []}
        keys = [r[0] for r in con.execute("SELECT url_key FROM article_urls").fetchall()]
        assert unseen_keys(con, [*keys, "no-such-key"]) == {"no-such-key"}
        assert set(articles_for_keys(con, keys)) == set(keys)
