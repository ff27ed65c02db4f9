"""Feed parsing into the project's own records: the seed feeds, broken and hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from extractors.errors import NotAFeedError
from extractors.feeds import parse_feed, unusable
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


def test_namespace_prefixed_rss_is_read() -> None:
    # An unbound prefix (feedparser: SAX error, no entries) and an unknown namespace.
    for body in (
        b"""<?xml version="1.0"?><rss:rss version="2.0"><rss:channel><rss:title>T</rss:title>
        <rss:item><rss:title>A</rss:title><rss:link>https://e.example/a</rss:link>
        <rss:description>Hello &lt;b&gt;there&lt;/b&gt;</rss:description>
        <rss:pubDate>Mon, 13 May 2024 11:00:00 GMT</rss:pubDate></rss:item>
        </rss:channel></rss:rss>""",
        b"""<?xml version="1.0"?><x:rss xmlns:x="http://example.org/rss" version="2.0">
        <x:channel><x:title>T</x:title><x:item><x:title>A</x:title>
        <x:link>https://e.example/a</x:link><x:description>Hello there</x:description>
        <x:pubDate>Mon, 13 May 2024 11:00:00 GMT</x:pubDate></x:item></x:channel></x:rss>""",
        # An RSS 2.0 root with prefixed children: feedparser says rss20 and finds no entry.
        b"""<?xml version="1.0"?><rss version="2.0" xmlns:a="http://example.org/a"><a:channel>
        <a:title>T</a:title><a:item><a:title>A</a:title><a:link>https://e.example/a</a:link>
        <a:description>Hello there</a:description>
        <a:pubDate>Mon, 13 May 2024 11:00:00 GMT</a:pubDate></a:item></a:channel></rss>""",
    ):
        feed = parse_feed(body, url="https://e.example/feed")
        assert feed.title == "T"
        assert [(e.url, e.title, e.summary) for e in feed.entries] == [
            ("https://e.example/a", "A", "Hello there")
        ]
        assert feed.entries[0].published == datetime(2024, 5, 13, 11, 0, tzinfo=UTC)


def test_rdf_with_prefixed_rss_elements() -> None:
    body = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns:rss="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <rss:channel rdf:about="https://e.example/"><rss:title>R</rss:title></rss:channel>
    <rss:item rdf:about="https://e.example/1"><rss:title>One</rss:title>
      <rss:link>https://e.example/1</rss:link><dc:date>2024-05-13T11:00:00Z</dc:date></rss:item>
    <rss:item rdf:about="https://e.example/2"><rss:title>Two</rss:title>
      <rss:link>https://e.example/2</rss:link></rss:item>
    </rdf:RDF>"""
    feed = parse_feed(body)
    assert feed.version == "rss10"
    assert [e.url for e in feed.entries] == ["https://e.example/1", "https://e.example/2"]
    assert feed.entries[0].published == datetime(2024, 5, 13, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("version", "expected"),
    [("https://jsonfeed.org/version/1", "json1"), ("https://jsonfeed.org/version/1.1", "json11")],
)
def test_json_feed(version: str, expected: str) -> None:
    doc = {
        "version": version,
        "title": "JSON news",
        "home_page_url": "https://j.example/",
        "items": [
            {
                "id": "1",
                "url": "https://j.example/1",
                "title": "Microsoft &amp; OpenAI",
                "content_html": "<p>First.</p><p>Second.</p>",
                "summary": "Short.",
                "date_published": "2024-05-13T11:00:00+02:00",
                "authors": [{"name": "Ann"}],
            },
            {"id": "https://j.example/2", "content_text": "Only text.", "author": {"name": "Bo"}},
            {"id": "3", "url": "javascript:alert(1)"},
            {"id": "opaque"},
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), url="https://j.example/feed.json")
    assert (feed.version, feed.title, feed.link, feed.items) == (
        expected,
        "JSON news",
        "https://j.example/",
        4,
    )
    first, second = feed.entries
    assert (first.url, first.title, first.summary, first.content, first.author) == (
        "https://j.example/1",
        "Microsoft & OpenAI",
        "Short.",
        "First.\n\nSecond.",
        "Ann",
    )
    assert first.published == datetime(2024, 5, 13, 9, 0, tzinfo=UTC)
    assert (second.url, second.content, second.author) == (
        "https://j.example/2",
        "Only text.",
        "Bo",
    )
    assert sorted(r.reason for r in feed.rejected) == ["no link", "not an http(s) URL (javascript)"]


HOSTILE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>port</title><link>https://example.com:99999/a</link></item>
<item><title>v6</title><link>http://[::1]:8080/x</link></item>
<item><title>spaces</title><link>http://exa mple.com/a b</link></item>
<item><title>js</title><link>javascript:alert(1)</link></item>
<item><title>mail</title><link>mailto:x@example.com</link></item>
<item><title>data</title><link>data:text/html,hi</link></item>
<item><title>bracket</title><link>http://[::1/x</link></item>
<item><title>login</title><link>http://u:secret@example.com/x</link></item>
<item><title>good</title><link>https://example.com/good?amp</link></item>
</channel></rss>"""


def test_hostile_entry_urls_are_rejected_with_their_reason() -> None:
    feed = parse_feed(HOSTILE, url="https://example.com/feed")
    assert [(e.title, e.url) for e in feed.entries] == [
        ("v6", "http://[::1]:8080/x"),
        ("login", "http://example.com/x"),  # an item link's credentials are never used
        ("good", "https://example.com/good?amp"),
    ]
    reasons = {r.title: r.reason for r in feed.rejected}
    assert reasons == {
        "port": "port out of range 1-65535 (99999)",
        "spaces": "URL contains spaces or control characters",
        "js": "not an http(s) URL (javascript)",
        "mail": "not an http(s) URL (mailto)",
        "data": "not an http(s) URL (data)",
        "bracket": reasons["bracket"],
    }
    assert "Invalid IPv6 URL" in reasons["bracket"]
    assert feed.items == 9 and unusable(feed) == ""


def test_items_of_which_none_is_usable_make_a_failure() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>One</title><guid>opaque-1</guid></item>
    <item><title>Two</title><link>javascript:void(0)</link></item></channel></rss>"""
    feed = parse_feed(body)
    assert (feed.entries, feed.items) == ((), 2)
    assert unusable(feed) == "2 item(s), none usable: no link; not an http(s) URL (javascript)"
    empty = parse_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    )
    assert unusable(empty) == ""  # no items: an empty feed, not a failure
