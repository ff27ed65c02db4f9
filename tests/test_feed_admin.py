"""Feed management: discovery, OPML, and the `labwatch feeds` and `labwatch eval` commands."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from extractors.discover import discover_feed, feed_links
from extractors.errors import NotAFeedError
from extractors.fetch import Fetcher, FetchLimits
from extractors.opml import OPMLError, OPMLFeed, parse_opml, to_opml
from tests.test_cli import labwatch

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Lab News</title>
<item><title>One</title><link>https://example.com/1</link></item></channel></rss>"""
PAGE = """<!DOCTYPE html><html><head><title>Blog</title>
<link rel="stylesheet" href="/site.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" href="https://other.example/atom.xml">
</head><body><p>Hello</p></body></html>"""


def test_feed_links_in_a_page() -> None:
    assert feed_links(PAGE, "https://blog.example/post/1") == [
        "https://blog.example/feed.xml",
        "https://other.example/atom.xml",
    ]
    assert feed_links("<html><body>no links", "https://x/") == []


def test_discovery_from_a_page_and_from_a_feed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/blog").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/feed.xml").respond_with_data(
        RSS, content_type="application/rss+xml"
    )
    httpserver.expect_request("/nothing").respond_with_data(
        "<p>plain</p>", content_type="text/html"
    )

    async def run(path: str) -> tuple[str, str]:
        async with Fetcher(FetchLimits(min_host_interval=0, max_retries=0)) as fetcher:
            url, feed = await discover_feed(fetcher, httpserver.url_for(path))
            return url, feed.title

    assert run_sync(run("/blog")) == (httpserver.url_for("/feed.xml"), "Lab News")
    assert run_sync(run("/feed.xml")) == (httpserver.url_for("/feed.xml"), "Lab News")
    with pytest.raises(NotAFeedError, match="advertises no working feed"):
        run_sync(run("/nothing"))


def run_sync(coro: object) -> tuple[str, str]:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_opml_round_trip_flattens_folders() -> None:
    doc = b"""<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
      <outline text="AI"><outline text="One &amp; Two" xmlUrl="https://a.example/feed"/>
        <outline text="Nested"><outline title="B" xmlUrl="https://b.example/rss"/></outline>
      </outline><outline text="no url"/></body></opml>"""
    feeds = parse_opml(doc)
    assert feeds == [
        OPMLFeed("https://a.example/feed", "One & Two"),
        OPMLFeed("https://b.example/rss", "B"),
    ]
    assert parse_opml(to_opml(feeds).encode()) == feeds


@pytest.mark.parametrize(
    "doc",
    [
        b"<html><body/></html>",
        b"not xml at all <<<",
        # Entity expansion ("billion laughs") must not be expanded.
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><opml><body><outline xmlUrl="&lol2;"/></body></opml>',
    ],
)
def test_bad_opml(doc: bytes) -> None:
    with pytest.raises(OPMLError):
        parse_opml(doc)


def test_feeds_commands(home: Path, httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/blog").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/feed.xml").respond_with_data(
        RSS, content_type="application/rss+xml"
    )
    feed_url = f"http://127.0.0.1:{httpserver.port}/feed.xml"
    out = labwatch("feeds", "add", f"http://127.0.0.1:{httpserver.port}/blog", home=home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"added: {feed_url} (Lab News)"
    assert "already listed" in labwatch("feeds", "add", feed_url, home=home).stdout

    opml = tmp_path / "in.opml"
    opml.write_bytes(
        to_opml([OPMLFeed("https://a.example/feed", "A"), OPMLFeed(feed_url, "dup")]).encode()
    )
    out = labwatch("feeds", "import", str(opml), home=home)
    assert out.stdout.strip() == f"imported {opml}: 1 new of 2 feeds"

    listed = json.loads(labwatch("feeds", "list", "--format", "json", home=home).stdout)
    assert [f["url"] for f in listed] == [feed_url, "https://a.example/feed"]
    assert listed[0]["name"] == "Lab News" and listed[0]["failures"] == 0

    exported = tmp_path / "out.opml"
    assert labwatch("feeds", "export", str(exported), home=home).returncode == 0
    assert [f.url for f in parse_opml(exported.read_bytes())] == [
        feed_url,
        "https://a.example/feed",
    ]

    assert labwatch("feeds", "remove", "https://a.example/feed", home=home).returncode == 0
    out = labwatch("feeds", "remove", "https://a.example/feed", home=home)
    assert out.returncode == 1 and "not in the feed list" in out.stderr
    out = labwatch("feeds", "add", "http://127.0.0.1:1/none", home=home)
    assert out.returncode == 1 and "Traceback" not in out.stderr


def test_eval_feeds_counts_each_verdict(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "good.xml").write_bytes(RSS)
    (folder / "leading-space.xml").write_bytes(b"\n\n  " + RSS)
    (folder / "broken.xml").write_bytes(
        RSS.replace(b"</channel></rss>", b"<item><title>x &bogus; y")
    )
    (folder / "page.xml").write_bytes(b"<!DOCTYPE html><html><body><p>Hello<br></body></html>")
    (folder / "expected.json").write_text("{}")  # notes beside feeds are skipped
    out = labwatch("eval", "feeds", str(folder), "--format", "csv")
    assert out.returncode == 0, out.stderr
    verdicts = dict(line.split(",")[:2] for line in out.stdout.splitlines()[1:])
    assert verdicts == {
        "good.xml": "parsed",
        "leading-space.xml": "parsed",
        "broken.xml": "recovered",
        "page.xml": "rejected",
    }
    assert "4 files: 2 parsed, 1 recovered, 1 rejected, 0 crashed" in out.stderr
