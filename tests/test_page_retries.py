"""Which failed pages are due again, and the in-place upgrade, on a real DuckDB file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.page_retry import MAX_PAGE_ATTEMPTS, is_due
from tests.test_warehouse import article, mention
from warehouse.articles import append_batch, upgrade_articles
from warehouse.database import open_warehouse
from warehouse.page_retries import failed_pages, record_page_tries

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=30)


def page(outcome: str, attempts: int, ago: timedelta, **extra: Any) -> dict[str, Any]:
    return {
        "url": "http://intranet.example:8080/a",
        "outcome": outcome,
        "attempts": attempts,
        "last_tried_at": NOW - ago,
        "allowed_hosts": [],
        **extra,
    }


@pytest.mark.parametrize(
    ("attempts", "ago", "due"),
    [
        (1, timedelta(minutes=29), False),
        (1, timedelta(minutes=30), True),
        (2, timedelta(minutes=59), False),  # the wait doubles: 30, 60, 120 minutes
        (2, timedelta(minutes=60), True),
        (3, timedelta(minutes=120), True),
        (MAX_PAGE_ATTEMPTS, timedelta(days=30), False),  # given up: only --force or refetch
    ],
)
def test_transient_failures_back_off_then_stop(attempts: int, ago: timedelta, due: bool) -> None:
    for outcome in ("soft", "rate_limited"):
        assert is_due(page(outcome, attempts, ago), NOW, STEP, frozenset()) is due


def test_refused_pages_are_due_once_their_host_is_allowed() -> None:
    refused = page("blocked", 1, timedelta(0))
    assert not is_due(refused, NOW, STEP, frozenset())
    assert not is_due(refused, NOW, STEP, frozenset({"other.example"}))
    assert is_due(refused, NOW, STEP, frozenset({"intranet.example:8080"}))
    assert is_due(refused, NOW, STEP, frozenset({"intranet.example"}))
    # Refused although its host was allowed (robots.txt): a new allow list changes nothing.
    robots = page("blocked", 1, timedelta(0), allowed_hosts=["intranet.example"])
    assert not is_due(robots, NOW, STEP, frozenset({"intranet.example", "x.example"}))


def test_hard_failures_wait_for_a_request() -> None:
    for outcome in ("hard", "no_text", "none"):
        assert not is_due(page(outcome, 1, timedelta(days=30)), NOW, STEP, frozenset())


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(tmp_path / "w.duckdb") as connection:
        yield connection


def test_upgrade_in_place_replaces_text_and_tags_once(con: duckdb.DuckDBPyConnection) -> None:
    feed_text = {"text": "OpenAI.", "text_source": "feed_summary", "page_outcome": "soft"}
    append_batch(con, [article("a", **feed_text)], [], [mention("a", 0)], [])
    assert [p["article_id"] for p in failed_pages(con)] == ["a"]
    page_text = {
        "article_id": "a",
        "text": "OpenAI and Anthropic, page text.",
        "text_source": "page",
        "extractor": "trafilatura",
        "title": "",
        "author": "Ann",
        "published_at": None,
    }
    new_mentions = [mention("a", 0), mention("a", 11, "anthropic")]
    for _ in range(2):  # a replay finds nothing left to upgrade and changes nothing
        upgrade_articles(con, [page_text], new_mentions, [])
    rows = con.execute(
        "SELECT article_id, text, text_source, page_outcome, page_error, title, author, "
        "published_at FROM articles"
    ).fetchall()
    assert rows == [
        ("a", "OpenAI and Anthropic, page text.", "page", None, None, "Title a", "Ann", NOW)
    ]
    assert con.execute("SELECT entity_id FROM mentions ORDER BY start_offset").fetchall() == [
        ("openai",),
        ("anthropic",),
    ]
    assert failed_pages(con) == []


def test_each_try_is_counted(con: duckdb.DuckDBPyConnection) -> None:
    feed_text = {"text": "x", "text_source": "feed_summary", "page_outcome": "blocked"}
    append_batch(con, [article("b", **feed_text)], [], [], [])
    first = {"article_id": "b", "outcome": "blocked", "error": "refused", "tried_at": NOW}
    record_page_tries(con, [{**first, "allowed_hosts": []}], first=True)
    record_page_tries(con, [{**first, "allowed_hosts": []}], first=True)  # kept, not counted
    again = {**first, "outcome": "soft", "error": "HTTP 503", "allowed_hosts": ["h"]}
    record_page_tries(con, [{**again, "upgraded_at": None}])
    (state,) = failed_pages(con)
    assert (state["outcome"], state["attempts"], state["allowed_hosts"]) == ("soft", 2, ["h"])
    assert con.execute("SELECT page_outcome, page_error FROM articles").fetchall() == [
        ("soft", "HTTP 503")
    ]
