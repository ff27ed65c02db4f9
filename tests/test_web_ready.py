"""Search's per-file state prepared off the request path (flows/web_ready.py): when the
server starts, and after an ingest in another process changed the file; one computation at
a time (warehouse/index_facts.py). A real warehouse filled by real ingests, the server on
loopback in this process (its record is read here), the second ingest a `labwatch ingest`
process of its own, as `labwatch serve` runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from flows.ingest import run_ingest
from flows.seed_site import seed_feed_urls, seed_host
from flows.web_ready import Readiness
from tests.helpers import rss_feed, story_item, story_page, web_in_thread
from tests.test_web import web_env
from warehouse import index_facts, search
from warehouse.database import open_warehouse

WORD = "quokkalike"  # in the second ingest's one article only


@pytest.fixture
def served(home: Path, seed_site: str) -> Iterator[tuple[Path, str, Readiness, HTTPServer]]:
    """The seed site ingested into `home`; `labwatch web` on it in this process; a loopback
    site with one more story for a later ingest. Yields (file, address, readiness, site)."""
    site = HTTPServer(host="127.0.0.1", port=0)
    site.start()
    try:
        hosts = [seed_host(seed_site), f"127.0.0.1:{site.port}"]
        (home / "labwatch.toml").write_text(
            f"allowed_private_hosts = {json.dumps(hosts)}\n"
            "min_host_interval = 0\nmax_retries = 0\nworkers = 1\n",
            encoding="utf-8",
        )
        result = run_ingest(feed_urls=seed_feed_urls(seed_site), home=str(home))
        assert result.get("articles_new") == 2, result
        with web_in_thread(home) as (base, server):
            ready: Readiness = server.config.app.state.ready
            yield home / "labwatch.duckdb", base, ready, site
    finally:
        site.clear()
        site.stop()


def counts(path: Path) -> dict[str, int]:
    return {n: index_facts.COMPUTED[(path, n)] for n in (index_facts.FACTS, search.DOC_TIMES)}


def api_search(base: str, q: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/api/search?q={q}", timeout=60) as response:
        found: dict[str, Any] = json.loads(response.read())
    return found


def test_ready_after_start_without_a_request(
    served: tuple[Path, str, Readiness, HTTPServer],
) -> None:
    path, base, ready, _ = served
    facts = index_facts.known(path)
    assert facts is not None and facts.state == index_facts.CURRENT
    assert index_facts.ready(path, search.DOC_TIMES) is not None
    assert ready.passes == 1 and ready.prepared == index_facts.file_key(path)
    before = counts(path)
    assert before == {index_facts.FACTS: 1, search.DOC_TIMES: 1}
    assert api_search(base, "billion")["total"] == 2  # both seed articles
    assert counts(path) == before  # the request computed none of them


def test_refreshed_after_an_ingest_in_another_process(
    served: tuple[Path, str, Readiness, HTTPServer],
) -> None:
    path, base, ready, site = served
    assert api_search(base, WORD)["total"] == 0
    base_url = site.url_for("").rstrip("/")
    site.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    site.expect_request("/feed.xml").respond_with_data(
        rss_feed("More", [story_item(base_url, 1)]), content_type="application/rss+xml"
    )
    paragraphs = [
        f"The {WORD} compute deal was named by Anthropic on Monday, in a filing that ran to "
        f"forty pages and listed every party to it. Story {n} of a series on who buys compute."
        for n in range(4)
    ]
    site.expect_request("/a/1").respond_with_data(
        story_page(1, "one", paragraphs), content_type="text/html"
    )
    before, passes = counts(path), ready.passes
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "ingest", "--home", str(path.parent),
         "--feed", site.url_for("/feed.xml")],
        env=web_env(path.parent), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    deadline = time.monotonic() + 120  # the thread looks twice a second; the machine is shared
    while ready.prepared != index_facts.file_key(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready.prepared == index_facts.file_key(path), "not prepared after the ingest"
    assert ready.passes > passes
    prepared = counts(path)
    assert all(prepared[n] > before[n] for n in before)  # computed again, by the thread
    found = api_search(base, WORD)
    assert found["total"] == 1 and found["items"][0]["title"] == "Story 1"
    assert counts(path) == prepared  # the search found them ready


def test_one_computation_at_a_time(tmp_path: Path) -> None:
    """Two readers asking for the same value of one state of the file: the second waits for
    the first's computation and takes its value."""
    path = tmp_path / "labwatch.duckdb"
    with open_warehouse(path):
        pass
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()

    def slow(con: duckdb.DuckDBPyConnection) -> int:
        calls.append(1)
        started.set()
        release.wait(30)
        row = con.execute("SELECT count(*) FROM articles").fetchone()
        assert row is not None
        return int(row[0])

    got: list[int] = []

    def ask() -> None:
        with open_warehouse(path, read_only=True) as con:
            got.append(index_facts.kept(con, path, "slow", slow))

    first = threading.Thread(target=ask)
    first.start()
    started.wait(30)
    second = threading.Thread(target=ask)
    second.start()
    second.join(0.5)  # it waits for the first computation (not a timing assertion)
    release.set()
    first.join(30)
    second.join(30)
    assert got == [0, 0] and len(calls) == 1
