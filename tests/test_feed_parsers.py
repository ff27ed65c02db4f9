"""Feeds parsed in another process (extractors/crawl.py `FeedParsers`: the ingest's analysis
pool, once its workers are up) come out as when parsed in a thread of the fetching process,
failures included, and a pool that is gone leaves the feeds to the thread."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from pytest_httpserver import HTTPServer

from extractors.crawl import FeedParsers, fetch_feeds
from extractors.errors import NotAFeedError
from extractors.fetch import FetchLimits
from extractors.records import FeedFetch, FeedSpec
from tests.helpers import rss_feed, story_item

LIMITS = FetchLimits(min_host_interval=0.0, max_retries=0)
FEEDS = 6


def serve_feeds(httpserver: HTTPServer) -> list[FeedSpec]:
    """`FEEDS` feeds of 40 stories each, a page that is no feed, and a body with items none of
    which has a link (a failure of the feed)."""
    for n in range(FEEDS):
        items = [story_item("https://example.com", f"{n}-{s}") for s in range(40)]
        httpserver.expect_request(f"/{n}.xml").respond_with_data(
            rss_feed(f"feed {n}", items), content_type="application/rss+xml"
        )
    httpserver.expect_request("/page").respond_with_data(
        "<html><body><p>Not a feed</p></body></html>", content_type="text/html"
    )
    httpserver.expect_request("/nolinks.xml").respond_with_data(
        rss_feed("no links", ["<item><title>A</title></item>"] * 3), content_type="text/xml"
    )
    paths = [f"/{n}.xml" for n in range(FEEDS)] + ["/page", "/nolinks.xml"]
    return [FeedSpec(p, httpserver.url_for(p)) for p in paths]


def outcome(f: FeedFetch) -> tuple[object, ...]:
    """A fetch less its clock (when, how long)."""
    return (f.feed, f.outcome, f.status, f.size, f.parsed, f.error, f.body_hash, f.note)


def test_feeds_parsed_in_a_pool_are_the_same(httpserver: HTTPServer) -> None:
    feeds = serve_feeds(httpserver)
    in_thread = asyncio.run(fetch_feeds(feeds, LIMITS))
    assert [f.outcome for f in in_thread] == ["ok"] * FEEDS + ["hard", "hard"]
    parsers = FeedParsers()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parsers.add(pool)
        parsers.add(pool)
        in_pool = asyncio.run(fetch_feeds(feeds, LIMITS, parsers=parsers))
        assert parsers.in_executors > 0  # the pool took some
        again = asyncio.run(fetch_feeds(feeds, LIMITS, parsers=parsers))  # a lake's next chunk
        # The parser's failures come back from a worker as they are.
        with pytest.raises(NotAFeedError, match="not a feed"):
            asyncio.run(parsers._parse(pool, b"<html><p>no feed</p></html>", "", {}))
    assert [outcome(f) for f in in_pool] == [outcome(f) for f in in_thread]
    assert [outcome(f) for f in again] == [outcome(f) for f in in_thread]


def test_a_pool_that_is_gone_leaves_the_feeds_to_the_thread(httpserver: HTTPServer) -> None:
    feeds = serve_feeds(httpserver)
    in_thread = asyncio.run(fetch_feeds(feeds, LIMITS))
    parsers = FeedParsers()
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    pool.shutdown()  # as the ingest's pool when the run stops early
    parsers.add(pool)
    parsed = asyncio.run(fetch_feeds(feeds, LIMITS, parsers=parsers))
    assert parsers.in_executors == 0
    assert [outcome(f) for f in parsed] == [outcome(f) for f in in_thread]
