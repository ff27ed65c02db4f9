"""The ingest's pipeline stores what a plain sequential run stores: batches fetched,
analysed on the pool and stored while the next ones are in flight give the same rows as one
batch analysed in the ingest's own process (issue 19: results unchanged by the speed-ups)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import STORED, rss_feed, seed_paragraphs, stored, story_item, story_page

pytestmark = pytest.mark.flow
STORIES = 30


def serve_world(httpserver: HTTPServer) -> list[str]:
    """Two feeds on one host sharing ten stories; one page missing (404), one a copy of
    another's text under its own URL, one entry with only its feed's summary to go on."""
    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = seed_paragraphs()

    def item(n: int) -> str:
        summary = f"<description>Summary of story {n} about OpenAI and Microsoft.</description>"
        return story_item(base, n, more=summary)

    feeds = {"/one.xml": range(0, 20), "/two.xml": range(10, STORIES)}
    for path, numbers in feeds.items():
        httpserver.expect_request(path).respond_with_data(
            rss_feed(path, map(item, numbers)), content_type="application/rss+xml"
        )
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)

    def page(request: Request) -> Response:
        n = int(request.path.rsplit("/", 1)[1])
        if n == 7:
            return Response("gone", status=404)
        shown = 3 if n == 4 else n  # story 4 copies story 3's text
        return Response(
            story_page(n, f"number {shown}", paragraphs[shown % 12 : shown % 12 + 6]),
            content_type="text/html",
        )

    for n in range(STORIES):
        httpserver.expect_request(f"/a/{n}").respond_with_handler(page)
    return [base + path for path in feeds]


def ingest(home: Path, feeds: list[str], port: int, **settings: Any) -> dict[str, Any]:
    from flows.ingest import run_ingest

    home.mkdir()
    overrides = {"allowed_private_hosts": [f"127.0.0.1:{port}"], "min_host_interval": 0,
                 "max_retries": 0, **settings}  # fmt: skip
    return run_ingest(feed_urls=feeds, home=str(home), overrides=overrides)


@pytest.mark.timeout(600)
def test_a_pipelined_ingest_stores_the_rows_of_a_sequential_one(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    feeds = serve_world(httpserver)
    # The reference: every page in one batch, analysed in this process, stored at once.
    one = ingest(tmp_path / "sequential", feeds, httpserver.port, batch_size=1000, workers=1)
    # Batches of 8 on a pool of two workers, each stored while the next ones are analysed.
    many = ingest(
        tmp_path / "pipelined", feeds, httpserver.port, batch_size=8, workers=2, store_size=1
    )
    # The same batches stored three at a time (flows/store_groups.py).
    grouped = ingest(
        tmp_path / "grouped", feeds, httpserver.port, batch_size=4, workers=2, store_size=12
    )

    figures = ("articles_new", "mentions", "deals", "pages_fetched", "pages_failed")
    assert {k: many[k] for k in figures} == {k: one[k] for k in figures}
    assert {k: grouped[k] for k in figures} == {k: one[k] for k in figures}
    assert one["articles_new"] == STORIES - 1  # the copy shares its original's article
    assert one["pages_failed"] == 1 and one["mentions"] > STORIES
    sequential, pipelined, in_groups = (
        stored(tmp_path / name / "labwatch.duckdb", STORED)
        for name in ("sequential", "pipelined", "grouped")
    )
    assert len(sequential["article_feeds"]) == STORIES + 10 - 1  # the shared ten, in both feeds
    assert len(sequential["page_retries"]) == 1
    for table, expected in sequential.items():
        assert pipelined[table] == expected, table
        assert in_groups[table] == expected, table


class StoreLines(logging.Handler):
    """The ingest's "stored batch…" log lines, and an event set once batch 1 is stored."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.first_stored = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        if line.startswith("stored batch"):
            self.lines.append(line)
            self.first_stored.set()


@pytest.mark.timeout(600)
def test_a_slow_network_does_not_hold_analysed_batches_back(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = seed_paragraphs()
    items = [story_item(base, n) for n in range(12)]
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss_feed("feed", items), content_type="application/rss+xml"
    )
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    lines = StoreLines()
    slow = threading.Event()  # on: pages of the second batch on wait for the first's store
    waited: list[bool] = []

    def page(request: Request) -> Response:
        n = int(request.path.rsplit("/", 1)[1])
        if slow.is_set() and n >= 4:  # batch 2 and 3 (batches of 4)
            waited.append(lines.first_stored.wait(timeout=120))
        return Response(
            story_page(n, f"number {n}", paragraphs[n % 12 : n % 12 + 3]),
            content_type="text/html",
        )

    for n in range(12):
        httpserver.expect_request(f"/a/{n}").respond_with_handler(page)
    logger = logging.getLogger("labwatch")
    logger.addHandler(lines)
    try:
        # Pages as fast as the pool takes them: how batches are grouped depends on which
        # finishes first, the next download or the analysis; the rows do not.
        fast = ingest(tmp_path / "fast", [base + "/feed.xml"], httpserver.port,
                      batch_size=4, workers=2, store_size=12)  # fmt: skip
        assert fast["articles_new"] == 12
        lines.lines.clear()
        lines.first_stored.clear()
        # Batch 2's pages wait until batch 1 is stored: it is, without waiting for 12
        # articles, since the run has nothing else to do while they download.
        slow.set()
        ingest(tmp_path / "slow", [base + "/feed.xml"], httpserver.port, batch_size=4,
               workers=2, store_size=12, timeout=300)  # fmt: skip
    finally:
        logger.removeHandler(lines)
    assert waited and all(waited), "batch 1 was not stored while batch 2 downloaded"
    assert lines.lines[0].startswith("stored batch 1/3: 4 new articles")
    assert sum(int(line.split(": ")[1].split()[0]) for line in lines.lines) == 12
    assert stored(
        tmp_path / "slow" / "labwatch.duckdb", ("articles",), skip=("fetched_at",)
    ) == stored(tmp_path / "fast" / "labwatch.duckdb", ("articles",), skip=("fetched_at",))
