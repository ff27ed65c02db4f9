"""The analysis pool starts while the feeds are read once they are seen being parsed, and not
for a run whose feeds are unchanged (flows/warm_start.py; issue 19: the run's serial start)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flows.warm_start import WarmWhenParsing
from tests.helpers import STORED, rss_feed, stored, story_item


def burn(seconds: float) -> None:
    """Use `seconds` of this thread's CPU."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_starts_once_other_threads_use_cpu_not_the_fetching_one() -> None:
    started: list[int] = []
    ticks: list[int] = []
    warming = WarmWhenParsing(lambda: started.append(1), lambda: ticks.append(1), cpu=0.15)
    burn(0.3)  # the fetching thread's own work (HTTP, 304s) is not parsing
    warming()
    assert not warming.started and not started
    parser = threading.Thread(target=burn, args=(0.2,))
    parser.start()
    parser.join()
    warming()
    warming()
    assert warming.started and started == [1]  # once
    assert len(ticks) == 3  # the step's own tick, every time


FEEDS = 8  # parsed before the last feed is asked for: two requests to a host at a time
ITEMS = 150


def workers_seen(wait: float) -> bool:
    """Whether a process of this one's (the ingest's pool) appears within `wait` seconds."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        if multiprocessing.active_children():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.flow
@pytest.mark.timeout(600)
def test_the_pool_starts_while_feeds_are_parsed_not_for_unchanged_ones(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    from flows.ingest import run_ingest

    base = f"http://127.0.0.1:{httpserver.port}"
    # Every feed carries the same stories, whose pages are at an address the guard refuses
    # without a connection: the articles are their summaries.
    more = "<description>OpenAI and Microsoft agreed a $2 billion deal, it said.</description>"
    items = [story_item("http://10.255.255.1", n, more=more) for n in range(ITEMS)]
    for n in range(FEEDS):
        httpserver.expect_request(f"/{n}.xml").respond_with_data(
            rss_feed(f"feed {n}", items), content_type="application/rss+xml"
        )
    # The last feed answers once the pool's workers are up, or after `wait` seconds (less than
    # the fetch's read timeout: the feed step waits for it).
    wait = {"seconds": 0.0}
    seen: list[bool] = []

    def last(request: Request) -> Response:
        if wait["seconds"]:
            seen.append(workers_seen(wait["seconds"]))
        return Response(rss_feed("last", items[:3]), content_type="application/rss+xml")

    httpserver.expect_request("/last.xml").respond_with_handler(last)
    feeds = [f"{base}/{n}.xml" for n in range(FEEDS)] + [f"{base}/last.xml"]

    def ingest(home: Path, **settings: Any) -> dict[str, Any]:
        overrides = {"allowed_private_hosts": [f"127.0.0.1:{httpserver.port}"],
                     "min_host_interval": 0, "max_retries": 0, **settings}  # fmt: skip
        return run_ingest(feed_urls=feeds, home=str(home), overrides=overrides)

    reference = ingest(tmp_path / "inline", workers=1)  # no pool: this process analyses
    wait["seconds"] = 10.0  # within the fetch's read timeout (20 s)
    warm = ingest(tmp_path / "pooled", workers=2)
    assert seen == [True], "the pool did not start while the feeds were read"
    assert warm["feeds_failed"] == 0
    assert warm["articles_new"] == reference["articles_new"] == ITEMS
    assert stored(tmp_path / "pooled" / "labwatch.duckdb", STORED) == stored(
        tmp_path / "inline" / "labwatch.duckdb", STORED
    )

    # The same feeds again: unchanged bodies, nothing parsed, no worker started.
    seen.clear()
    wait["seconds"] = 2.0
    again = ingest(tmp_path / "pooled", workers=2)
    assert (again["feeds_not_modified"], again["entries_new"]) == (FEEDS + 1, 0)
    assert seen == [False], "a pool was started for feeds that brought nothing"
    assert not multiprocessing.active_children()
