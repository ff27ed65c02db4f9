"""The warehouse on real DuckDB files: migrations, idempotent bulk appends, locking, safe SQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from warehouse.articles import append_batch, unseen_keys
from warehouse.database import connect, migrations, open_warehouse, schema_version
from warehouse.errors import QueryError, SchemaTooNewError, WarehouseLockedError
from warehouse.queries import lock_down, run_sql, week_bounds

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def article(article_id: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "article_id": article_id,
        "url": f"https://example.com/{article_id}",
        "canonical_url": f"https://example.com/{article_id}",
        "title": f"Title {article_id}",
        "published_at": NOW,
        "text": "OpenAI and Anthropic.",
        "text_source": "page",
        "fetched_at": NOW,
        "run_id": "r1",
        "entry_key": article_id,
        "entry_url": f"https://example.com/{article_id}",
    }
    row.update(extra)
    return row


def mention(article_id: str, start: int, entity: str = "openai") -> dict[str, object]:
    return {
        "article_id": article_id,
        "entity_id": entity,
        "surface": "OpenAI",
        "start_offset": start,
        "end_offset": start + 6,
        "sentence": "OpenAI and Anthropic.",
        "in_title": False,
        "watchlist_version": "v1",
    }


@pytest.fixture
def db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        yield con


def test_migrations_apply_on_open_once(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    latest = migrations()[-1][0]
    with open_warehouse(path) as con:
        assert schema_version(con) == latest
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    assert {"feeds", "feed_fetches", "articles", "article_feeds", "entities", "mentions",
            "deals", "runs", "digests", "schema_migrations"} <= tables  # fmt: skip
    with open_warehouse(path) as con:
        rows = con.execute("SELECT version FROM schema_migrations").fetchall()
    assert rows == [(v,) for v, _, _ in migrations()]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as con:
        con.execute("INSERT INTO schema_migrations VALUES (9999, 'future', now())")
    with pytest.raises(SchemaTooNewError, match="newer than this labwatch"):
        connect(path)


def test_append_batch_is_idempotent(db: duckdb.DuckDBPyConnection) -> None:
    batch = ([article("a"), article("b")], [], [mention("a", 0), mention("b", 0)], [])
    first = append_batch(db, *batch)
    again = append_batch(db, *batch)
    assert (first.articles, first.mentions) == (2, 2)
    assert (again.articles, again.mentions) == (0, 0)
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    assert db.execute("SELECT count(*) FROM mentions").fetchone() == (2,)


def test_mentions_of_an_already_stored_article_are_not_added(
    db: duckdb.DuckDBPyConnection,
) -> None:
    append_batch(db, [article("a")], [], [mention("a", 0)], [])
    counts = append_batch(db, [article("a")], [], [mention("a", 40)], [])
    assert counts.mentions == 0
    assert db.execute("SELECT start_offset FROM mentions").fetchall() == [(0,)]


def test_failed_batch_leaves_nothing(db: duckdb.DuckDBPyConnection) -> None:
    bad_mention = mention("a", 0)
    del bad_mention["surface"]  # NOT NULL column missing: the insert fails mid-batch
    with pytest.raises(duckdb.Error):
        append_batch(db, [article("a")], [], [bad_mention], [])
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_unseen_keys_is_an_anti_join(db: duckdb.DuckDBPyConnection) -> None:
    append_batch(db, [article("a")], [], [], [])
    assert unseen_keys(db, ["a", "b", "c", "b"]) == {"b", "c"}
    assert unseen_keys(db, []) == set()


def test_timestamps_are_utc(db: duckdb.DuckDBPyConnection) -> None:
    append_batch(db, [article("a")], [], [], [])
    (published,) = db.execute("SELECT published_at FROM articles").fetchone() or (None,)
    assert published == NOW
    assert published.utcoffset().total_seconds() == 0


def test_read_only_sql_is_locked_down(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path) as con:
        append_batch(con, [article("a")], [], [], [])
    with open_warehouse(path, read_only=True) as con:
        lock_down(con)
        assert run_sql(con, "SELECT count(*) AS n FROM articles") == (["n"], [(1,)])
        with pytest.raises(QueryError, match="read-only"):
            run_sql(con, "DELETE FROM articles")
        with pytest.raises(QueryError):
            run_sql(con, f"COPY articles TO '{tmp_path / 'out.csv'}'")
        with pytest.raises(QueryError):
            run_sql(con, "SET enable_external_access = true")
    assert not (tmp_path / "out.csv").exists()


def test_missing_warehouse_for_readers(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="labwatch ingest"):
        connect(tmp_path / "none.duckdb", read_only=True)
    assert not (tmp_path / "none.duckdb").exists()


def test_locked_file_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with open_warehouse(path):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True);"
         " sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseLockedError, match=f"process {holder.pid}"):
            connect(path, read_only=True, lock_wait=0.3)
    finally:
        holder.communicate("")
    with open_warehouse(path, read_only=True, lock_wait=0.3) as con:
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_week_bounds() -> None:
    start, end = week_bounds("2026-W47")
    assert start == datetime(2026, 11, 16, tzinfo=UTC)
    assert end == datetime(2026, 11, 23, tzinfo=UTC)
    with pytest.raises(ValueError, match="ISO week"):
        week_bounds("2026-47")


def fetch_row(feed_id: str, outcome: str, when: datetime, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "run_id": "r", "feed_id": feed_id, "url": f"https://example.com/{feed_id}",
        "fetched_at": when, "http_status": None, "outcome": outcome, "error": None,
        "feed_title": None, "retry_after": None, "etag": "", "last_modified": "", "body_hash": "",
    }  # fmt: skip
    row.update(extra)
    return row


def test_backoff_is_linear_capped_respects_retry_after_and_resets(
    db: duckdb.DuckDBPyConnection,
) -> None:
    from datetime import timedelta

    from warehouse.append import upsert_feeds
    from warehouse.feed_state import feed_states, is_due, keep_validators, record_fetches

    upsert_feeds(db, [{"feed_id": f, "url": f"https://example.com/{f}", "name": "", "added_at": NOW}
                      for f in ("a", "b")])  # fmt: skip
    step = timedelta(minutes=30)

    def state(feed: str) -> dict[str, object]:
        return next(s for s in feed_states(db) if s["feed_id"] == feed)

    for n in range(1, 4):
        record_fetches(db, [fetch_row("a", "soft", NOW, error="HTTP 500")], step)
        assert state("a")["next_due_at"] == NOW + n * step
    assert not is_due(state("a"), NOW + 2 * step) and is_due(state("a"), NOW + 3 * step)
    for _ in range(60):
        record_fetches(db, [fetch_row("a", "hard", NOW)], step)
    assert state("a")["next_due_at"] == NOW + timedelta(hours=24)  # capped: never disabled
    record_fetches(db, [fetch_row("b", "rate_limited", NOW, retry_after=7200.0)], step)
    assert state("b")["next_due_at"] == NOW + timedelta(hours=2)  # Retry-After beats 30 min
    record_fetches(db, [fetch_row("b", "rate_limited", NOW, retry_after=10 * 86400.0)], step)
    assert state("b")["next_due_at"] == NOW + timedelta(hours=24)  # ... up to the cap
    ok = [fetch_row("a", "ok", NOW, etag='"x"', body_hash="h")]
    record_fetches(db, ok, step)
    a = state("a")
    # Validators wait until the feed's entries are stored (a killed run re-parses the feed).
    assert (a["next_due_at"], a["etag"], a["body_hash"]) == (NOW, None, None)
    keep_validators(db, ok)
    a = state("a")
    assert (a["etag"], a["body_hash"]) == ('"x"', "h")
    row = db.execute("SELECT consecutive_failures, last_success_at FROM feeds WHERE feed_id='a'")
    assert row.fetchone() == (0, NOW)
    # A failure keeps the validators of the last success.
    failed = [fetch_row("a", "soft", NOW, etag="", body_hash="")]
    record_fetches(db, failed, step)
    keep_validators(db, failed)
    assert state("a")["etag"] == '"x"'
    assert db.execute("SELECT count(*) FROM feed_fetches").fetchone() == (67,)


def test_an_older_warehouse_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    version, name, sql = migrations()[0]
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    con.execute(sql)
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.execute(
        "INSERT INTO feeds (feed_id, url, added_at, consecutive_failures)"
        " VALUES ('f', 'u', now(), 2)"
    )
    con.close()
    with open_warehouse(path) as con:
        assert schema_version(con) == migrations()[-1][0] > version
        assert con.execute(
            "SELECT feed_id, consecutive_failures, next_due_at FROM feeds"
        ).fetchall() == [("f", 2, None)]
