"""`article_entities` (per-article entity counts with the article's time, migration 0012)
always equals the aggregate of the raw mentions: after appends, replays, dates moved earlier
by other feeds, pages upgraded in place, a retag, and on a warehouse migrated with mentions
already stored. The digest reads its entity figures from it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb

from tests.test_warehouse import NOW, article, mention
from warehouse import article_entities
from warehouse.articles import append_batch, link_entries, replace_tags, upgrade_articles
from warehouse.database import open_warehouse


def in_step(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, object, int]]:
    """The stored counts, after checking they equal those of the raw mentions."""
    stored = article_entities.stored(con)
    assert stored == article_entities.from_mentions(con)
    return stored


def link(entry_key: str, feed: str, published: object) -> dict[str, object]:
    return {
        "article_id": entry_key, "feed_id": feed, "entry_guid": entry_key,
        "entry_title": "t", "entry_published_at": published, "first_seen_at": NOW,
    }  # fmt: skip


def title_mention(article_id: str, start: int, entity: str) -> dict[str, object]:
    return {**mention(article_id, start, entity), "in_title": True}


def test_counts_follow_appends_dates_upgrades_and_retags(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        undated = {"published_at": None, "fetched_at": NOW + timedelta(hours=1)}
        batch = (
            [article("a"), article("b", **undated)],
            [],
            [
                mention("a", 0), mention("a", 20), mention("a", 20),  # the repeat counts once
                title_mention("a", 0, "anthropic"), mention("a", 0, "ignored-not-new"),
                mention("b", 5),
            ],
            [],
        )  # fmt: skip
        first = append_batch(con, *batch)
        assert (first.articles, first.mentions) == (2, 4)
        stored = in_step(con)
        assert [(a, e, n) for a, e, _, n in stored] == [
            ("a", "anthropic", 1), ("a", "openai", 2), ("b", "openai", 1),
        ]  # fmt: skip
        assert [t for *_, t, _ in stored] != [NOW] * 3  # b has its fetch time
        again = append_batch(con, *batch)  # a replayed batch adds nothing
        assert (again.articles, again.mentions) == (0, 0)
        assert in_step(con) == stored

        # An undated article takes the date of the feeds that carry it, earliest first.
        c = article("c", published_at=None)
        append_batch(con, [c], [link("c", "f1", NOW - timedelta(days=3))], [mention("c", 1)], [])
        assert ("c", "openai", NOW - timedelta(days=3), 1) in in_step(con)
        link_entries(con, [link("c", "f2", NOW - timedelta(days=9))])
        assert ("c", "openai", NOW - timedelta(days=9), 1) in in_step(con)

        # A feed summary upgraded to its page's text: its mentions and counts replaced.
        summary = {"text": "OpenAI.", "text_source": "feed_summary", "published_at": None}
        append_batch(con, [article("d", **summary)], [], [mention("d", 0)], [])
        page = {"article_id": "d", "text": "Anthropic, then OpenAI.", "text_source": "page",
                "title": "", "author": "", "published_at": NOW - timedelta(days=1)}  # fmt: skip
        upgraded = [mention("d", 0, "anthropic"), mention("d", 16), title_mention("d", 3, "x")]
        assert upgrade_articles(con, [page], upgraded, []) == 1
        d_rows = [r for r in in_step(con) if r[0] == "d"]
        assert d_rows == [
            ("d", "anthropic", NOW - timedelta(days=1), 1),
            ("d", "openai", NOW - timedelta(days=1), 1),
            ("d", "x", NOW - timedelta(days=1), 1),
        ]

        # A retag replaces every mention.
        retagged = [mention("a", 0, "google"), mention("a", 9, "google"), mention("c", 1)]
        assert replace_tags(con, retagged, [], [], "v2") == (3, 0)
        assert [(a, e, n) for a, e, _, n in in_step(con)] == [
            ("c", "openai", 1), ("a", "google", 2),
        ]  # fmt: skip


def undo_0013(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what migration 0013 (the kept deals ledger) made, so that it can run again."""
    for statement in (
        "DROP VIEW v_deals", "DROP VIEW v_pending_deals", "DROP TABLE deal_ledger",
        "DROP VIEW v_deal_reports", "DROP VIEW v_pending_deal_reports",
        "DROP TABLE deal_report_keys", "DROP TABLE deal_groups_pending",
        "DROP TABLE deal_times_pending",
    ):  # fmt: skip
        con.execute(statement)


def test_migration_counts_mentions_already_stored(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with open_warehouse(path) as con:
        append_batch(con, [article("a"), article("b")], [], [], [])
        con.execute(
            "INSERT INTO mentions VALUES ('a', 'openai', 'OpenAI', 0, 6, 's', false, 'v1'),"
            " ('a', 'openai', 'OpenAI', 9, 15, 's', false, 'v1'),"
            " ('b', 'meta', 'Meta', 0, 4, 's', true, 'v1')"
        )  # as stored before migration 0012, which did not count them
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM schema_migrations WHERE version >= 12")
    con.execute("DROP TABLE article_entities")
    undo_0013(con)
    con.close()
    with open_warehouse(path) as con:  # 0012 applied again: it counts what is stored
        assert [(a, e, n) for a, e, _, n in in_step(con)] == [("a", "openai", 2), ("b", "meta", 1)]
        assert con.execute("SELECT count(*) FROM mentions").fetchone() == (3,)


def test_unique_mentions_keeps_the_first_of_each_key_in_order() -> None:
    a, b = mention("a", 0, "openai"), mention("b", 0, "openai")
    again = {**a, "entity_id": "anthropic"}  # the key of `a` again: dropped
    in_title = {**a, "in_title": True}  # another key: title, not text
    rows = [a, b, again, in_title, {**b}]
    assert article_entities.unique_mentions(iter(rows)) == [a, b, in_title]
    assert article_entities.unique_mentions([a, b]) == [a, b]
    # A row without a part of the key counts it as None, as before.
    partial = [{"article_id": "c", "start_offset": 1}, {"article_id": "c", "start_offset": 1}]
    assert article_entities.unique_mentions(partial) == partial[:1]
