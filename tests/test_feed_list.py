"""The feed list: a URL given once with `ingest --feed` is fetched that once and not kept,
unless saved (`--save`, `labwatch feeds add`). Real flows against a loopback site."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from extractors.feedlist import feed_spec
from flows.feed_admin import add_feed, list_feeds
from flows.settings import load_settings
from tests.test_concurrency import serve_site
from warehouse.database import open_warehouse

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def fetches(home: Path, url: str) -> int:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        row = con.execute(
            "SELECT count(*) FROM feed_fetches WHERE feed_id = ?", [feed_spec(url).feed_id]
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.timeout(900)  # four runs
def test_a_feed_given_once_is_not_kept_unless_saved(home: Path, httpserver: HTTPServer) -> None:
    from flows.ingest import ingest

    once = serve_site(httpserver, delay=0)
    listed = f"http://127.0.0.1:{httpserver.port}/listed.xml"
    httpserver.expect_request("/listed.xml").respond_with_data(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>L</title></channel></rss>',
        content_type="application/rss+xml",
    )
    (home / "feeds.toml").write_text(f'[[feed]]\nurl = "{listed}"\n')
    (home / "labwatch.toml").write_text(
        f'feeds = "feeds.toml"\nallowed_private_hosts = ["127.0.0.1:{httpserver.port}"]\n'
        "min_host_interval = 0\n"
    )
    settings = load_settings(home)

    assert ingest(feed_urls=[once], home=str(home))["articles_new"] > 0
    assert list_feeds(settings) == []  # fetched, not listed
    # A later run without --feed fetches the feed list (seeded from the settings' file),
    # not the one-off.
    summary = ingest(home=str(home), force=True)
    assert summary["feeds_total"] == 1
    assert [f["url"] for f in list_feeds(settings)] == [listed]
    assert (fetches(home, once), fetches(home, listed)) == (1, 1)

    ingest(feed_urls=[once], home=str(home), save=True)  # --save keeps it
    assert {f["url"] for f in list_feeds(settings)} == {listed, once}
    ingest(home=str(home), force=True)
    assert (fetches(home, once), fetches(home, listed)) == (3, 2)


@pytest.mark.timeout(600)
def test_feeds_add_keeps_a_feed_fetched_once_before(home: Path, httpserver: HTTPServer) -> None:
    from flows.ingest import ingest

    once = serve_site(httpserver, delay=0)
    (home / "labwatch.toml").write_text(
        f'allowed_private_hosts = ["127.0.0.1:{httpserver.port}"]\nmin_host_interval = 0\n'
    )
    settings = load_settings(home)
    ingest(feed_urls=[once], home=str(home))
    assert list_feeds(settings) == []
    added = add_feed(settings, once)
    assert added.added
    [kept] = list_feeds(settings)
    assert kept["url"] == once and kept["articles"] > 0  # the same feed, with its history
    assert not add_feed(settings, once).added  # already listed
