"""Feed parsing: feedparser's untyped dicts become `ParsedFeed` and `FeedEntry` where they enter."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from extractors.errors import NotAFeedError
from extractors.text import html_to_text


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str
    guid: str
    published: datetime | None
    author: str
    summary: str  # plain text
    content: str  # plain text of the full content (content:encoded, Atom content), if any


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str
    version: str
    entries: tuple[FeedEntry, ...]
    warning: str  # why feedparser flagged the body as malformed ("" when clean)


def _when(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            # feedparser normalises to a UTC struct_time.
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _entry(raw: Mapping[str, Any], base: str) -> FeedEntry | None:
    link = (raw.get("link") or "").strip()
    if raw.get("guidislink") and not re.match(r"https?://", link):
        link = ""  # feedparser took an opaque guid for a permalink
    if not link:
        # Some feeds put the permalink only in the guid.
        guid = (raw.get("id") or "").strip()
        link = guid if re.match(r"https?://", guid) else ""
    if not link:
        return None
    contents = raw.get("content") or []
    content = max((html_to_text(c.get("value", "")) for c in contents), key=len, default="")
    return FeedEntry(
        url=urljoin(base, link),
        title=html_to_text(raw.get("title", "")),
        guid=(raw.get("id") or link).strip(),
        published=_when(raw),
        author=(raw.get("author") or "").strip(),
        summary=html_to_text(raw.get("summary", "")),
        content=content,
    )


def parse_feed(
    body: bytes, *, url: str = "", headers: Mapping[str, str] | None = None
) -> ParsedFeed:
    """Parse an RSS/Atom body; raise NotAFeedError when it holds no feed at all.

    A feed that is malformed but still yields entries is accepted, with the reason kept
    in `warning`: real feeds are often slightly broken and still worth reading.
    """
    # Whitespace before the XML declaration (a classic of WordPress plugins) makes the strict
    # parser give up on an otherwise sound feed.
    body = body.lstrip(b" \t\r\n")
    parsed = feedparser.parse(
        body,
        response_headers=dict(headers or {}),
        # We keep only text, so the HTML sanitiser and URI rewriting are wasted work (3x slower).
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    problem = parsed.get("bozo_exception")
    warning = f"{type(problem).__name__}: {problem}" if parsed.get("bozo") and problem else ""
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeedError(f"not a feed: {warning or 'no RSS or Atom document found'}")
    base = parsed.feed.get("link") or url
    entries = tuple(e for e in (_entry(raw, url or base) for raw in parsed.entries) if e)
    return ParsedFeed(
        title=html_to_text(parsed.feed.get("title", "")),
        link=parsed.feed.get("link", ""),
        version=parsed.get("version", ""),
        entries=entries,
        warning=warning,
    )
