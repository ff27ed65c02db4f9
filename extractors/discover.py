"""Feed discovery: given a web page rather than a feed, find the feed it advertises."""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.html
from lxml.etree import ParserError

from extractors.charset import decode_html
from extractors.errors import NotAFeedError
from extractors.feeds import parse_feed
from extractors.fetch import Fetcher, FetchResult
from extractors.records import ParsedFeed

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


def feed_links(html: str, base_url: str) -> list[str]:
    """The feeds a page advertises with <link rel="alternate" type="…rss/atom…">, in order."""
    try:
        root = lxml.html.fromstring(html)
    except (ParserError, ValueError):
        return []
    links: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            try:
                url = urljoin(base_url, href)
            except ValueError:  # a malformed href (an unclosed IPv6 bracket...) is no link
                continue
            if url not in links:
                links.append(url)
    return links


async def discover_feed(fetcher: Fetcher, url: str) -> tuple[str, ParsedFeed]:
    """(feed URL, parsed feed) for `url`, a feed itself or a page that links to one.

    Raises NotAFeedError when the page neither is nor advertises a working feed, and the
    fetch errors of `Fetcher.get`.
    """
    result = await fetcher.get(url, allow_private=True)
    if (feed := _as_feed(result)) is not None:
        return result.final_url, feed
    html = decode_html(result.body, result.headers.get("content-type", ""))
    candidates = feed_links(html, result.final_url)
    for candidate in candidates:
        found = await fetcher.get(candidate, allow_private=True)
        if (feed := _as_feed(found)) is not None:
            return found.final_url, feed
    tried = f" (tried {', '.join(candidates)})" if candidates else ""
    raise NotAFeedError(f"{url} is not a feed and advertises no working feed{tried}")


def _as_feed(result: FetchResult) -> ParsedFeed | None:
    """The fetched body as a feed, or None when it is not one."""
    try:
        return parse_feed(result.body, url=result.final_url, headers=result.headers)
    except NotAFeedError:
        return None
