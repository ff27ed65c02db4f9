"""A week of wire copies, ingested for real: five news sites on loopback (127.0.0.2-6), each
with its feed, telling five stories; copies rewritten the way wire desks do (new headline,
credit line, lede, "said" for "says", "bn" for "billion", paragraphs cut, a local paragraph,
an update). One site names itself in no page metadata; an aggregator's feed carries the
wire's article two days late. The digest must list each story once with all its sources,
named as publishers, and the page must read at 1280 and 390 px wide in Chromium.
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from flows.eval_clusters import REPO_STORIES, _project_stories, rewrite
from tests.browser import CHROMIUM, chromium_page
from warehouse.database import open_warehouse
from warehouse.digest_queries import digest_data

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

WEEK = "2025-W20"
MONDAY = datetime(2025, 5, 12, tzinfo=UTC)
NOW = datetime(2025, 5, 26, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Site:
    name: str
    host: str
    site_meta: bool  # whether its pages carry og:site_name


SITES = [
    Site("Wire Service", "127.0.0.2", True),
    Site("Daily Ledger", "127.0.0.3", True),
    Site("Tech Courier", "127.0.0.4", False),  # trafilatura would name it by host and port
    Site("Metro Times", "127.0.0.5", True),
    Site("The Aggregator", "127.0.0.6", True),
]
# story -> [(site index, edits, hours after the original)]
COPIES: dict[str, list[tuple[int, tuple[str, ...], int]]] = {
    "anthropic-funding": [
        (1, ("headline", "credit", "says", "shorthand"), 3),
        (2, ("headline", "lede", "reorder", "cut", "update"), 6),
        (3, ("headline", "credit", "local", "shorthand", "drop"), 20),
    ],
    "openai-device": [(1, ("headline", "lede", "says", "local"), 5)],
    "anthropic-model": [(2, ("headline", "credit", "shorthand", "cut"), 4)],
    "google-cloud-deal": [(2, ("headline", "lede", "update"), 8)],
    "microsoft-nuclear": [(3, ("headline", "credit", "local", "says"), 2)],
    # Its page gives no date (and names no year): its date comes from the feeds carrying it.
    "microsoft-layoffs": [],
}
UNDATED = "microsoft-layoffs"


def page(title: str, body: str, site: Site, when: datetime | None) -> str:
    meta = (
        f'<meta property="og:site_name" content="{html.escape(site.name)}">'
        if site.site_meta
        else ""
    )
    if when:
        meta += f'<meta property="article:published_time" content="{when.isoformat()}">'
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title>{meta}</head><body>"
        f"<header><nav>Home | World | Business | Technology</nav></header><main><article>"
        f"<h1>{html.escape(title)}</h1>{paragraphs}</article></main>"
        f"<footer>© {html.escape(site.name)}</footer></body></html>"
    )


def feed(site: Site, items: list[tuple[str, str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{u}</link><guid>{u}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for t, u, when in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{html.escape(site.name)}</title>'
        f"<link>http://{site.host}/</link>{entries}</channel></rss>"
    )


@dataclass
class World:
    home: Path
    feeds: list[str]
    allow: list[str]
    wire_urls: dict[str, str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    stories = _project_stories(REPO_STORIES)
    servers = [HTTPServer(host=s.host, port=0) for s in SITES]
    for server in servers:
        server.start()
        server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    try:
        items: list[list[tuple[str, str, datetime]]] = [[] for _ in SITES]
        wire_urls = {}
        for n, (slug, copies) in enumerate(COPIES.items()):
            story = stories[slug]
            when = MONDAY + timedelta(days=story["day"], hours=9 + n)
            url = servers[0].url_for(f"/{slug}")
            wire_urls[slug] = url
            body = page(
                story["title"], story["text"].strip(), SITES[0], None if slug == UNDATED else when
            )
            servers[0].expect_request(f"/{slug}").respond_with_data(body, content_type="text/html")
            items[0].append((story["title"], url, when))
            for k, (site, edits, hours) in enumerate(copies):
                title, text = rewrite(
                    story["title"], story["text"].strip(), edits, seed=100 * n + k
                )
                path = f"/news/{slug}-copy"
                copied = when + timedelta(hours=hours)
                servers[site].expect_request(path).respond_with_data(
                    page(title, text, SITES[site], copied), content_type="text/html"
                )
                items[site].append((title, servers[site].url_for(path), copied))
        # The aggregator lists the wire's undated story two days late.
        late = stories[UNDATED]
        items[4].append(
            (late["title"], wire_urls[UNDATED], MONDAY + timedelta(days=late["day"] + 2, hours=9))
        )
        feeds = []
        for server, site, its in zip(servers, SITES, items, strict=True):
            server.expect_request("/feed.xml").respond_with_data(
                feed(site, its), content_type="application/rss+xml"
            )
            feeds.append(server.url_for("/feed.xml"))
        home = tmp_path_factory.mktemp("wire") / "home"
        home.mkdir()
        allow = [f"{s.host}:{srv.port}" for s, srv in zip(SITES, servers, strict=True)]
        world = World(home, feeds, allow, wire_urls)
        from flows.ingest import ingest

        overrides = {"allowed_private_hosts": allow, "min_host_interval": 0, "max_retries": 0}
        # The aggregator's feed is read first, alone: the article is stored with its late
        # date; the next run meets the wire's own entry for it.
        first = ingest(feed_urls=feeds[4:], home=str(home), overrides=overrides)
        result: dict[str, Any] = ingest(feed_urls=feeds, home=str(home), overrides=overrides)
        assert first["articles_new"] + result["articles_new"] == sum(
            len(c) + 1 for c in COPIES.values()
        )
        yield world
    finally:
        for server in servers:
            server.clear()
            server.stop()


def query(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def test_each_story_once_with_all_its_sources(world: World) -> None:
    with open_warehouse(world.home / "labwatch.duckdb", read_only=True) as con:
        data = digest_data(con, WEEK, NOW)
    stories = {s.title: sorted(x.site for x in s.links) for s in data.stories}
    wire = _project_stories(REPO_STORIES)
    assert stories == {
        wire["anthropic-funding"]["title"]: [
            "Daily Ledger",
            "Metro Times",
            "Tech Courier",
            "Wire Service",
        ],
        wire["openai-device"]["title"]: ["Daily Ledger", "Wire Service"],
        wire["anthropic-model"]["title"]: ["Tech Courier", "Wire Service"],
        wire["google-cloud-deal"]["title"]: ["Tech Courier", "Wire Service"],
        wire["microsoft-nuclear"]["title"]: ["Metro Times", "Wire Service"],
        wire[UNDATED]["title"]: ["Wire Service"],
    }
    assert data.stories[0].title == wire["anthropic-funding"]["title"]  # carried most
    assert data.this_week.sources == 4  # the aggregator only carried the wire's own page
    rows = query(
        world.home, "SELECT title, articles, sources FROM v_stories ORDER BY articles DESC, title"
    )
    assert len(rows) == 6 and rows[0][1:] == (4, 4)


def test_sources_are_publishers_not_hosts(world: World) -> None:
    names = {r[0] for r in query(world.home, "SELECT DISTINCT site_name FROM articles")}
    assert names == {"Wire Service", "Daily Ledger", "Tech Courier", "Metro Times"}


def test_an_aggregators_later_entry_does_not_make_the_original_newer(world: World) -> None:
    day = _project_stories(REPO_STORIES)[UNDATED]["day"]
    n = list(COPIES).index(UNDATED)
    [(published,)] = query(
        world.home,
        "SELECT a.published_at FROM articles a JOIN article_urls u USING (article_id)"
        f" WHERE u.url = '{world.wire_urls[UNDATED]}'",
    )
    assert published == MONDAY + timedelta(days=day, hours=9 + n)
    feeds = query(
        world.home,
        "SELECT count(*) FROM article_feeds af JOIN article_urls u USING (article_id)"
        f" WHERE u.url = '{world.wire_urls[UNDATED]}'",
    )
    assert feeds == [(2,)]  # the wire's feed and the aggregator's


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")


@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_digest_reads_at_desktop_and_phone_width(world: World, width: int, tmp_path: Path) -> None:
    from flows.digest import build_digest
    from flows.settings import load_settings

    result = build_digest(load_settings(world.home), WEEK, NOW)
    png = tmp_path / f"digest-{WEEK}-{width}.png"
    with chromium_page() as browser:
        browser.open(result.html.resolve().as_uri(), width)
        measured = browser.overflow()
        text = browser.evaluate("document.body.innerText")
        browser.screenshot(png, width)
    # No horizontal scrolling: nothing wider than the viewport, no inner scroller either.
    assert measured["scrollWidth"] <= measured["width"] == width, measured
    assert measured["outside"] == [], measured
    assert "Anthropic led the week" in text
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    keep = os.environ.get("DIGEST_SCREENSHOT_DIR")  # for a person to look at
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)
