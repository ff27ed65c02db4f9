"""Feed parsing: RSS, RDF, Atom and JSON Feed bodies become `ParsedFeed` and `FeedEntry` records.

feedparser reads RSS and Atom; JSON Feed 1.0/1.1 (jsonfeed.org) is read here. When feedparser
finds no entry in a body that holds items (RSS whose elements carry a namespace prefix it does
not know, or an unbound one), the items are read again by local name with lxml's recovering
parser. Entry URLs are checked where they enter: an item whose link is missing or cannot be
fetched (out-of-range port, `javascript:`, spaces…) becomes a `RejectedEntry` with its reason.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree

from extractors.errors import EmptyFeedError, NotAFeedError
from extractors.records import FeedEntry, ParsedFeed, RejectedEntry
from extractors.text import html_to_text
from extractors.urls import redact, strip_credentials, url_problem


def _when(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            # feedparser normalises to a UTC struct_time.
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _date(text: str) -> datetime | None:
    """An RFC 822 or ISO 8601 date (the two feeds use), in UTC; None when neither."""
    text = text.strip()
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _link_of(link: str, guid: str, guid_is_link: bool) -> str:
    if guid_is_link and not re.match(r"https?://", link):
        link = ""  # feedparser took an opaque guid for a permalink
    if not link and re.match(r"https?://", guid):
        link = guid  # some feeds put the permalink only in the guid
    return link


def make_entry(
    *,
    link: str,
    base: str,
    title: str,
    guid: str,
    published: datetime | None,
    author: str,
    summary: str,
    content: str,
) -> FeedEntry | RejectedEntry:
    """An entry whose URL is checked and stripped of credentials, or the reason it is not."""
    if not link:
        return RejectedEntry("", title, guid, "no link")
    try:
        url = urljoin(base, link.strip()) if base else link.strip()
    except ValueError as exc:
        return RejectedEntry(redact(link), title, guid, f"unparsable URL: {exc}")
    problem = url_problem(url)
    if problem:
        return RejectedEntry(redact(url), title, guid, problem)
    url = strip_credentials(url)
    return FeedEntry(url, title, guid or url, published, author, summary, content)


def _entry(raw: Mapping[str, Any], base: str) -> FeedEntry | RejectedEntry:
    guid = (raw.get("id") or "").strip()
    contents = raw.get("content") or []
    return make_entry(
        link=_link_of((raw.get("link") or "").strip(), guid, bool(raw.get("guidislink"))),
        base=base,
        title=html_to_text(raw.get("title", "")),
        guid=guid,
        published=_when(raw),
        author=(raw.get("author") or "").strip(),
        summary=html_to_text(raw.get("summary", "")),
        content=max((html_to_text(c.get("value", "")) for c in contents), key=len, default=""),
    )


def _local(tag: object) -> str:
    """Local name of an element, whatever its namespace or (unbound) prefix."""
    if not isinstance(tag, str):
        return ""  # comments, processing instructions
    return tag.rpartition("}")[2].rpartition(":")[2].lower()


_ITEM_TAGS = ("item", "entry")
_ITEM_RE = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s>/]", re.IGNORECASE)


def _children(element: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for child in element:
        found.setdefault(_local(child.tag), child)
    return found


def _first(kids: dict[str, Any], *names: str) -> Any:
    # Not `a or b`: an lxml element without children is falsy.
    return next((kids[n] for n in names if n in kids), None)


def _text(element: Any) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _lxml_items(body: bytes, titles: list[str]) -> Iterator[tuple[Any, dict[str, Any]]]:
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return
    if root is None:
        return
    for element in root.iter():
        name = _local(element.tag)
        if name in _ITEM_TAGS:
            yield element, _children(element)
        elif name in ("channel", "feed"):
            titles.append(_text(_first(_children(element), "title")))


def _by_local_name(body: bytes, base: str, titles: list[str]) -> list[FeedEntry | RejectedEntry]:
    """Items read by their elements' local names: RSS/RDF whose elements carry a prefix that
    feedparser does not map (an unknown namespace, or an unbound prefix)."""
    found: list[FeedEntry | RejectedEntry] = []
    for element, kids in _lxml_items(body, titles):
        link_el = kids.get("link")
        link = _text(link_el) or (link_el.get("href", "") if link_el is not None else "")
        guid = _text(_first(kids, "guid", "id"))
        about = next((v for k, v in element.attrib.items() if _local(k) == "about"), "")
        published = next(
            (
                d
                for name in ("pubdate", "date", "published", "updated", "issued")
                if (d := _date(_text(kids.get(name))))
            ),
            None,
        )
        found.append(
            make_entry(
                link=_link_of(link or about, guid, False),
                base=base,
                title=html_to_text(_text(kids.get("title"))),
                guid=guid or about,
                published=published,
                author=_text(_first(kids, "creator", "author")),
                summary=html_to_text(_text(_first(kids, "description", "summary"))),
                content=html_to_text(_text(_first(kids, "encoded", "content"))),
            )
        )
    return found


JSON_FEED_VERSIONS = {
    "https://jsonfeed.org/version/1": "json1",
    "https://jsonfeed.org/version/1.1": "json11",
}


def _json_feed(body: bytes, url: str) -> ParsedFeed | None:
    """A JSON Feed 1.0/1.1 document, or None when the body is not one."""
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    version = JSON_FEED_VERSIONS.get(str(doc.get("version", "")).rstrip("/"))
    if version is None:
        return None
    raw_items = doc.get("items")
    items = [i for i in raw_items if isinstance(i, dict)] if isinstance(raw_items, list) else []
    base = str(doc.get("feed_url") or url or "")
    found: list[FeedEntry | RejectedEntry] = []
    for item in items:

        def field(name: str, item: dict[str, Any] = item) -> str:
            value = item.get(name)
            return value.strip() if isinstance(value, str) else ""

        authors = item.get("authors") or ([item["author"]] if "author" in item else [])
        names = [a.get("name", "") for a in authors if isinstance(a, dict)]
        guid = str(item.get("id", "")).strip()
        found.append(
            make_entry(
                link=field("url") or field("external_url") or _link_of("", guid, False),
                base=base,
                title=html_to_text(field("title")),
                guid=guid,
                published=_date(field("date_published") or field("date_modified")),
                author=", ".join(n.strip() for n in names if isinstance(n, str) and n.strip()),
                summary=html_to_text(field("summary")),
                content=html_to_text(field("content_html")) or field("content_text"),
            )
        )
    return _parsed(
        title=html_to_text(str(doc.get("title", ""))),
        link=str(doc.get("home_page_url", "")),
        version=version,
        found=found,
        warning="" if isinstance(raw_items, list) else "JSON Feed without an items array",
    )


def _parsed(
    *, title: str, link: str, version: str, found: list[FeedEntry | RejectedEntry], warning: str
) -> ParsedFeed:
    return ParsedFeed(
        title=title,
        link=link,
        version=version,
        entries=tuple(e for e in found if isinstance(e, FeedEntry)),
        warning=warning,
        rejected=tuple(e for e in found if isinstance(e, RejectedEntry)),
        items=len(found),
    )


def unusable(feed: ParsedFeed) -> str:
    """Why a parsed feed is a failure although it parsed ("" when it is not): it holds items
    and not one of them is usable."""
    if not feed.items or feed.entries:
        return ""
    reasons = sorted({r.reason for r in feed.rejected})
    return f"{feed.items} item(s), none usable: {'; '.join(reasons)[:300]}"


def parse_feed(
    body: bytes, *, url: str = "", headers: Mapping[str, str] | None = None
) -> ParsedFeed:
    """Parse an RSS, RDF, Atom or JSON Feed body; raise NotAFeedError when it holds no feed.

    A feed that is malformed but still yields entries is accepted, with the reason kept in
    `warning`: real feeds are often slightly broken and still worth reading. A body with
    items of which none can be read at all raises EmptyFeedError, with the count.
    """
    # Whitespace before the XML declaration (a classic of WordPress plugins) makes the strict
    # parser give up on an otherwise sound feed.
    body = body.lstrip(b" \t\r\n")
    as_json = _json_feed(body, url)
    if as_json is not None:
        return as_json
    parsed = feedparser.parse(
        body,
        response_headers=dict(headers or {}),
        # We keep only text, so the HTML sanitiser and URI rewriting are wasted work (3x slower).
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    problem = parsed.get("bozo_exception")
    warning = f"{type(problem).__name__}: {problem}" if parsed.get("bozo") and problem else ""
    base = url or parsed.feed.get("link") or ""
    found = [_entry(raw, base) for raw in parsed.entries]
    version = parsed.get("version", "")
    title = html_to_text(parsed.feed.get("title", ""))
    if not found and _ITEM_RE.search(body):
        titles: list[str] = []
        found = _by_local_name(body, base, titles)
        title = title or html_to_text(next(iter(titles), ""))
        if found:
            version = version or "rss"
            warning = warning or "items read by element name (namespace not recognised)"
    if not version and not found:
        raise NotAFeedError(f"not a feed: {warning or 'no RSS, Atom or JSON Feed document found'}")
    if not found and _ITEM_RE.search(body):
        items = len(_ITEM_RE.findall(body))
        raise EmptyFeedError(
            f"not a feed: the body holds {items} item(s) and none could be read"
            + (f" ({warning})" if warning else "")
        )
    return _parsed(
        title=title,
        link=parsed.feed.get("link", ""),
        version=version,
        found=found,
        warning=warning,
    )
