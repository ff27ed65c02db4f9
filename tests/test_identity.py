"""An article is identified by its URL keys; equal text merges two entries only when it is a
real page's text long enough to be an article, never a teaser, a feed summary or an error
page (issue 21: three stories whose pages failed, each summarised "Read more...", were stored
as one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from extractors.analyse import (
    FEED_SUMMARY,
    MIN_IDENTITY_CHARS,
    PAGE,
    AnalysedArticle,
    analyse,
    content_hash,
)
from extractors.entities import Tagger, load_watchlist
from extractors.records import FeedEntry, PageInput
from seeds import SEEDS_DIR
from tests.helpers import SEED_SLUGS, seed_text
from tests.test_duplicates import store as store_from_feeds
from warehouse.database import open_warehouse

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))
WHEN = datetime(2025, 11, 30, 9, 0, tzinfo=UTC)


def entry(url: str, title: str, summary: str = "Read more...") -> FeedEntry:
    return FeedEntry(
        url=url, title=title, guid=url, published=WHEN, author="", summary=summary, content=""
    )


def page(title: str, body: str, canonical: str = "") -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        f"<html><head><title>{title}</title>{link}</head><body>"
        f"<article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


def store(db: duckdb.DuckDBPyConnection, articles: list[AnalysedArticle]) -> None:
    store_from_feeds(db, [("feed", a) for a in articles])


@pytest.fixture
def db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        yield con


def test_entries_whose_pages_failed_are_not_merged_by_their_teaser(
    db: duckdb.DuckDBPyConnection,
) -> None:
    failed = [
        analyse(PageInput(entry(f"https://news.example/{n}", f"Story {n}"), page_error="HTTP 404"), TAGGER)
        for n in range(3)
    ]  # fmt: skip
    assert {a.text_source for a in failed} == {FEED_SUMMARY}
    assert {a.text for a in failed} == {"Read more..."}
    assert {a.content_hash for a in failed} == {""}  # a teaser is no identity
    store(db, failed[:2])
    store(db, failed[2:])  # and against stored articles, in a later batch
    titles = db.execute("SELECT title FROM articles ORDER BY title").fetchall()
    assert titles == [("Story 0",), ("Story 1",), ("Story 2",)]
    assert db.execute("SELECT count(*) FROM article_feeds").fetchone() == (3,)


def test_equal_short_page_text_is_no_identity_either(db: duckdb.DuckDBPyConnection) -> None:
    # A soft 404 or a paywall: the same few hundred characters under every URL of a site.
    wall = (
        "Subscribe to keep reading this story and everything else we publish every day.\n\n"
        "Our journalism is funded by readers like you, who make independent reporting possible.\n\n"
        "Already a subscriber? Sign in to continue reading where you left off on any device."
    )
    assert 200 <= len(wall) < MIN_IDENTITY_CHARS
    walled = [
        analyse(PageInput(entry(u, t), u, page("Subscribe", wall)), TAGGER)
        for u, t in (("https://paper.example/a", "A"), ("https://paper.example/b", "B"))
    ]
    assert {a.text_source for a in walled} == {PAGE}
    assert {a.content_hash for a in walled} == {""}
    store(db, walled)
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (2,)


def test_exact_copies_of_real_page_text_still_merge(db: duckdb.DuckDBPyConnection) -> None:
    text = seed_text(SEED_SLUGS[0])
    copies = [
        analyse(PageInput(entry(u, "Story"), u, page("Story", text)), TAGGER)
        for u in ("https://a.example/story", "https://mirror.example/copy")
    ]
    assert copies[0].content_hash == copies[1].content_hash == content_hash(copies[0].text)
    store(db, copies)
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM article_urls").fetchone() == (2,)


def test_a_home_page_canonical_does_not_name_an_article(db: duckdb.DuckDBPyConnection) -> None:
    # Error pages and paywalls often declare the site's home page as their canonical URL.
    bodies = [seed_text(slug) for slug in SEED_SLUGS]
    found = [
        analyse(PageInput(entry(u, t), u, page(t, b, canonical="https://site.example/")), TAGGER)
        for u, t, b in (
            ("https://site.example/news/one", "One", bodies[0]),
            ("https://site.example/news/two", "Two", bodies[1]),
        )
    ]
    assert [a.canonical_url for a in found] == [
        "https://site.example/news/one",
        "https://site.example/news/two",
    ]
    store(db, found)
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    # A canonical with a query names a post ("/?p=7"): it is honoured.
    post = page("Post", bodies[0], canonical="https://site.example/?p=7")
    item = PageInput(entry("https://site.example/news/one?amp=1", "Post"), "", post)
    assert analyse(item, TAGGER).canonical_url == "https://site.example/?p=7"


def _rss(items: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{u}</link><description>Read more...</description>"
        "<pubDate>Sun, 30 Nov 2025 09:00:00 GMT</pubDate></item>"
        for t, u in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"{body}</channel></rss>"
    ).encode()


def _query(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_ingest_keeps_three_stories_whose_pages_fail(home: Path, httpserver: HTTPServer) -> None:
    from flows.ingest import ingest

    base = f"http://127.0.0.1:{httpserver.port}"
    items = [(f"Story {n}", f"{base}/story-{n}") for n in range(3)]
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/feed.xml").respond_with_data(
        _rss(items), content_type="application/rss+xml"
    )
    for _, url in items:
        httpserver.expect_request(url.removeprefix(base)).respond_with_data("gone", status=404)
    result = ingest(
        feed_urls=[f"{base}/feed.xml"],
        home=str(home),
        overrides={
            "allowed_private_hosts": [f"127.0.0.1:{httpserver.port}"],
            "min_host_interval": 0,
        },
    )
    assert result["articles_new"] == 3
    stored = _query(home, "SELECT title, text, text_source FROM articles ORDER BY title")
    assert stored == [(t, "Read more...", "feed_summary") for t, _ in items]
