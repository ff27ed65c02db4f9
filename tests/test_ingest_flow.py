"""The ingest flow, run for real under Prefect's test harness, against loopback servers."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from flows.seed_site import seed_feed_urls, seed_host
from warehouse.database import open_warehouse

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def run_ingest(home: Path, feeds: list[str], allow: list[str] | None = None) -> dict[str, Any]:
    """Ingest `feeds`, allowing pages from the loopback hosts in `allow`, without pacing."""
    from flows.ingest import ingest

    overrides = {"allowed_private_hosts": allow or [], "min_host_interval": 0, "max_retries": 0}
    result: dict[str, Any] = ingest(feed_urls=feeds, home=str(home), overrides=overrides)
    return result


def query(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_seed_site_stores_two_articles_once(home: Path, seed_site: str) -> None:
    first = run_ingest(home, seed_feed_urls(seed_site), [seed_host(seed_site)])
    assert (first["feeds_fetched"], first["entries"], first["articles_new"]) == (2, 4, 2)
    assert query(home, "SELECT count(*) FROM articles") == [(2,)]
    mentions = query(home, "SELECT count(*) FROM mentions")[0][0]
    assert mentions == first["mentions"] > 150  # 154 in the bodies, 2 in a title
    assert query(home, "SELECT DISTINCT text_source FROM articles") == [("page",)]
    # The RSS and the Atom feed list the same two stories under different URL spellings.
    assert query(home, "SELECT count(*) FROM article_feeds") == [(4,)]

    second = run_ingest(home, seed_feed_urls(seed_site), [seed_host(seed_site)])
    assert (second["entries_new"], second["articles_new"], second["pages_fetched"]) == (0, 0, 0)
    assert query(home, "SELECT count(*) FROM articles") == [(2,)]
    assert query(home, "SELECT count(*) FROM mentions") == [(mentions,)]
    runs = query(home, "SELECT status, articles_new FROM runs ORDER BY started_at")
    assert runs == [("completed", 2), ("completed", 0)]


def test_failing_feeds_are_recorded_and_the_run_completes(
    home: Path, seed_site: str, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/error.xml").respond_with_data("boom", status=500)
    httpserver.expect_request("/page.xml").respond_with_data(
        "<!DOCTYPE html><html><body><p>Not a feed</p></body></html>", content_type="text/html"
    )
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    feeds = [refused, httpserver.url_for("/error.xml"), httpserver.url_for("/page.xml")]
    summary = run_ingest(home, [*seed_feed_urls(seed_site)[:1], *feeds], [seed_host(seed_site)])
    assert (summary["feeds_fetched"], summary["feeds_failed"]) == (1, 3)
    assert summary["articles_new"] == 2
    log = {
        url: (status, outcome, error)
        for url, status, outcome, error in query(
            home, "SELECT url, http_status, outcome, error FROM feed_fetches"
        )
    }
    assert log[refused][:2] == (None, "soft") and "Connect" in log[refused][2]
    assert log[httpserver.url_for("/error.xml")] == (500, "soft", f"HTTP 500 ({feeds[1]})")
    status, outcome, error = log[httpserver.url_for("/page.xml")]
    assert (status, outcome) == (200, "hard") and error.startswith("not a feed")
    failing = query(home, "SELECT count(*) FROM feeds WHERE consecutive_failures = 1")
    assert failing == [(3,)]


def test_pages_on_loopback_are_refused_by_default(home: Path, seed_site: str) -> None:
    summary = run_ingest(home, seed_feed_urls(seed_site)[:1])
    assert (summary["pages_fetched"], summary["pages_blocked"]) == (0, 2)
    rows = query(home, "SELECT text_source, page_outcome, page_error, text FROM articles")
    assert len(rows) == 2
    for source, outcome, error, text in rows:
        assert (source, outcome) == ("feed_summary", "blocked")
        assert "non-public address" in error
        assert text


def test_without_feed_arguments_the_warehouse_list_is_used(home: Path, seed_site: str) -> None:
    from flows.ingest import ingest

    # The first run seeds the warehouse's list from the configured feed file ...
    (home / "feeds.toml").write_text(f'[[feed]]\nurl = "{seed_feed_urls(seed_site)[0]}"\n')
    (home / "labwatch.toml").write_text(
        f'feeds = "{home / "feeds.toml"}"\nallowed_private_hosts = ["{seed_host(seed_site)}"]\n'
        "min_host_interval = 0\n"
    )
    first = ingest(home=str(home))
    assert (first["feeds_total"], first["articles_new"]) == (1, 2)
    # ... later runs use the list in the warehouse, whatever the file says now.
    (home / "feeds.toml").write_text('[[feed]]\nurl = "http://127.0.0.1:1/other.xml"\n')
    second = ingest(home=str(home))
    assert (second["feeds_total"], second["feeds_not_modified"]) == (1, 1)
    assert query(home, "SELECT url FROM feeds") == [(seed_feed_urls(seed_site)[0],)]


def test_a_second_concurrent_ingest_is_skipped_with_a_clear_message(
    home: Path, seed_site: str
) -> None:
    from flows.ingest import ingest
    from tests.test_cli import labwatch
    from warehouse.run_lock import ingest_lock

    # Hold the run lock as a running ingest would (flock: per open file, so this conflicts
    # with the flow below in this process and with the command in another process).
    with ingest_lock(home / "labwatch.duckdb"):
        assert (
            "another ingest is running"
            in ingest(feed_urls=seed_feed_urls(seed_site), home=str(home))["skipped"]
        )
        out = labwatch("ingest", "--feed", seed_feed_urls(seed_site)[0], home=home)
        assert out.returncode == 1
        assert "skipped: another ingest is running" in out.stderr and "Traceback" not in out.stderr
    # Nothing was fetched or stored; both refusals are in the run log with their reason.
    assert query(home, "SELECT count(*) FROM articles") == [(0,)]
    skipped = query(home, "SELECT status, error, feeds_fetched FROM runs")
    assert len(skipped) == 2 and all(
        s == "skipped" and "another ingest is running" in e and f == 0 for s, e, f in skipped
    )
    done = run_ingest(home, seed_feed_urls(seed_site), [seed_host(seed_site)])  # free again
    assert done["articles_new"] == 2
    assert query(home, "SELECT count(*) FROM runs WHERE status = 'completed'") == [(1,)]
