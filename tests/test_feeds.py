"""Feed parsing into the project's own records: the seed feeds, broken and hostile input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extractors.errors import NotAFeedError
from extractors.feeds import parse_feed
from seeds import SITE_DIR

BASE = "http://127.0.0.1:8765"


def seed_feed(name: str) -> bytes:
    return (SITE_DIR / name).read_bytes().replace(b"{{BASE_URL}}", BASE.encode())


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_seed_feeds_list_both_articles(name: str) -> None:
    feed = parse_feed(seed_feed(name), url=f"{BASE}/{name}")
    assert feed.version in ("rss20", "atom10")
    assert feed.warning == ""
    assert [e.title for e in feed.entries] == [
        "AI Labs Are Fighting to Stay Ahead of Their Big Tech Backers",
        "Amazon’s Partnership With Anthropic Shows Size Matters in the AI Industry",
    ]
    first = feed.entries[0]
    assert first.url.startswith(f"{BASE}/ai-labs-big-tech-backers.html")
    assert first.published == datetime(2024, 5, 13, 11, 0, tzinfo=UTC)
    assert first.author == "Will Henshall"
    assert first.summary.startswith("OpenAI and Anthropic lead for now")
    assert "<p>" not in first.summary


def test_relative_links_resolve_against_the_feed_url() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>One</title><link>/posts/1</link></item></channel></rss>"""
    feed = parse_feed(body, url="https://news.example.com/feed.xml")
    assert feed.entries[0].url == "https://news.example.com/posts/1"


def test_entry_without_link_uses_a_permalink_guid_or_is_skipped() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>Guid</title><guid>https://example.com/g</guid></item>
    <item><title>Nothing</title><guid>opaque-123</guid></item></channel></rss>"""
    feed = parse_feed(body, url="https://example.com/feed")
    assert [e.url for e in feed.entries] == ["https://example.com/g"]


def test_content_encoded_becomes_text() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"
      xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>
    <item><title>One</title><link>https://example.com/1</link>
    <content:encoded><![CDATA[<p>First &amp; foremost.</p><script>alert(1)</script>
    <p>Second.</p>]]></content:encoded>
    </item></channel></rss>"""
    entry = parse_feed(body).entries[0]
    assert entry.content == "First & foremost.\n\nSecond."


def test_slightly_broken_feed_is_read_with_a_warning() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t &nbsp; x</title>
    <item><title>Still here</title><link>https://example.com/1</link></item>
    </channel>"""  # undefined entity, unclosed <rss>
    feed = parse_feed(body)
    assert [e.title for e in feed.entries] == ["Still here"]
    assert feed.warning


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body><h1>Not a feed</h1><p>Hello<br></body></html>",
        b"",
        b"\x00\x01\x02 binary junk \xff\xfe",
        b'{"json": "not a feed"}',
    ],
)
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeedError, match="not a feed"):
        parse_feed(body)
