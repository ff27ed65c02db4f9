"""Full-text search: BM25 ranking on a small corpus, entity and date filters."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.test_cli import labwatch
from warehouse.append import insert_rows
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.errors import QueryError
from warehouse.search import refresh_index, search


def article(aid: str, title: str, text: str, when: datetime) -> dict[str, object]:
    return {
        "article_id": aid, "url": f"https://n.example/{aid}", "canonical_url": f"https://n.example/{aid}",
        "title": title, "text": text, "published_at": when, "fetched_at": when,
        "text_source": "page", "run_id": "r", "entry_key": aid, "entry_url": f"https://n.example/{aid}",
        "content_hash": aid,
    }  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        insert_rows(con, "entities", [
            {"entity_id": "amazon", "watchlist_version": "v", "name": "Amazon", "kind": "company", "loaded_at": datetime.now(UTC)},
            {"entity_id": "aws", "watchlist_version": "v", "name": "AWS", "kind": "cloud", "parent_id": "amazon", "loaded_at": datetime.now(UTC)},
        ])  # fmt: skip
        append_batch(
            con,
            [
                article("a", "Compute deal: AWS to supply chips", "A compute deal. The compute deal is large; compute matters.", datetime(2026, 11, 2, tzinfo=UTC)),
                article("b", "Quarterly results", "Revenue grew. One compute deal was mentioned in passing among many other things said.", datetime(2026, 11, 3, tzinfo=UTC)),
                article("c", "Weather", "Rain is expected across the region tomorrow.", datetime(2025, 1, 1, tzinfo=UTC)),
                article("d", "Old compute deal", "An older compute deal with a lab.", datetime(2024, 1, 1, tzinfo=UTC)),
            ],
            [],
            [{"article_id": "a", "entity_id": "aws", "surface": "AWS", "start_offset": 0, "end_offset": 3,
              "sentence": "s", "in_title": True, "watchlist_version": "v"}],
            [],
        )  # fmt: skip
        refresh_index(con)
        yield con


def titles(rows: list[tuple[object, ...]]) -> list[object]:
    return [r[1] for r in rows]


def test_bm25_ranking(db: duckdb.DuckDBPyConnection) -> None:
    _, rows = search(db, "compute deal")
    assert titles(rows) == [
        "Compute deal: AWS to supply chips",
        "Old compute deal",
        "Quarterly results",
    ]
    assert rows[0][0] > rows[1][0] > rows[2][0]
    assert search(db, "deals")[1]  # stemming: "deals" finds "deal"
    assert search(db, "tornado")[1] == []


def test_filters(db: duckdb.DuckDBPyConnection) -> None:
    # amazon has no mention of its own: the article mentions aws, which rolls up into it.
    assert titles(search(db, "compute deal", entity="amazon")[1]) == [
        "Compute deal: AWS to supply chips"
    ]
    since = datetime(2025, 6, 1, tzinfo=UTC)
    assert titles(search(db, "compute deal", since=since)[1]) == [
        "Compute deal: AWS to supply chips", "Quarterly results",
    ]  # fmt: skip


def test_without_an_index(tmp_path: Path) -> None:
    with (
        open_warehouse(tmp_path / "w.duckdb") as con,
        pytest.raises(QueryError, match="no search index"),
    ):
        search(con, "anything")


def test_search_command(tmp_path: Path, db: duckdb.DuckDBPyConnection) -> None:
    db.close()
    out = labwatch("search", "compute deal", "--limit", "1", "--format", "json", home=tmp_path)
    # The fixture's file is w.duckdb; the command's is labwatch.duckdb in its home.
    assert out.returncode == 1 and "no warehouse" in out.stderr
    (tmp_path / "w.duckdb").rename(tmp_path / "labwatch.duckdb")
    out = labwatch("search", "compute deal", "--limit", "1", "--format", "json", home=tmp_path)
    assert out.returncode == 0, out.stderr
    assert [r["title"] for r in json.loads(out.stdout)] == ["Compute deal: AWS to supply chips"]


def test_search_says_what_it_builds_before_the_wait(
    tmp_path: Path, db: duckdb.DuckDBPyConnection
) -> None:
    # A whole build takes a minute at 1M articles: the user is told what is being built, and
    # over how many articles, before the wait; after it, how long it took.
    db.execute("DROP SCHEMA fts_main_articles CASCADE")  # as a killed ingest leaves it
    db.close()
    (tmp_path / "w.duckdb").rename(tmp_path / "labwatch.duckdb")
    took = r" in \d+\.\d s"
    out = labwatch("search", "compute deal", "--format", "csv", home=tmp_path)
    assert out.returncode == 0, out.stderr
    first, then = out.stderr.splitlines()
    assert first == "labwatch search: the search index is missing: building it (4 articles)..."
    assert re.fullmatch(f"labwatch search: the search index was missing: rebuilt it{took}", then)
    assert len(out.stdout.splitlines()) == 1 + 3  # the header, then what the index finds

    out = labwatch("search", "compute deal", home=tmp_path)
    assert out.returncode == 0 and out.stderr == ""  # current: nothing to build, nothing said

    out = labwatch("search", "--reindex", home=tmp_path)
    assert out.returncode == 0, out.stderr
    first, then = out.stderr.splitlines()
    assert first == (
        "labwatch search: rebuilding the search index from every article's text (4 articles)..."
    )
    assert re.fullmatch(f"labwatch search: rebuilt the search index{took}", then)

    out = labwatch("search", "--reindex", "--quiet", home=tmp_path)
    assert out.returncode == 0 and out.stderr == ""
