"""One article, end to end and pure: page (or feed text) -> article record with mentions and deals.

This is the CPU-bound unit the ingest flow runs in batches on a process pool, so everything
here is picklable and touches neither the network nor the warehouse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from extractors.article import extract_article
from extractors.deals import Deal, find_deals
from extractors.entities import Mention, Tagger
from extractors.feeds import FeedEntry
from extractors.fingerprint import as_bigint, simhash
from extractors.text import sentence_spans
from extractors.urls import canonical_url, same_site, url_key

# Text sources, best first: where an article's text came from.
PAGE, FEED_CONTENT, FEED_SUMMARY, NONE = "page", "feed_content", "feed_summary", "none"

_EARLIEST = datetime(1991, 8, 6, tzinfo=UTC)  # the first web page


@dataclass(frozen=True)
class PageInput:
    """A new feed entry and what fetching its page gave (html, or the reason it failed)."""

    entry: FeedEntry
    final_url: str = ""
    html: str | bytes | None = None
    page_error: str = ""
    page_outcome: str = ""  # "" when fetched, else the FetchError outcome class


@dataclass(frozen=True)
class TaggedMention:
    entity: str
    text: str
    start: int
    end: int
    sentence: str
    in_title: bool


@dataclass(frozen=True)
class AnalysedArticle:
    article_id: str  # key of the canonical URL: the page's rel=canonical when on the same site
    entry_key: str  # key of the feed entry's URL, which may differ
    url: str  # the feed entry's URL
    canonical_url: str
    page_canonical_url: str
    title: str
    author: str
    published: datetime | None
    site_name: str
    language: str
    text: str
    text_source: str
    extractor: str
    content_hash: str
    fingerprint: int | None  # SimHash as a signed 64-bit int (DuckDB BIGINT); None if too short
    page_error: str
    page_outcome: str  # "" when the page gave the text, else why not (a FetchError outcome)
    mentions: tuple[TaggedMention, ...]
    deals: tuple[Deal, ...]


def content_hash(text: str) -> str:
    """Hash of the text with whitespace normalised: the same body under two URLs matches."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:32] if text else ""


def sane_date(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """The date if it is plausible for a news article (not in the future, not before the web)."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    return value if _EARLIEST <= value <= now + timedelta(days=1) else None


def _published(page: datetime | None, feed: datetime | None) -> datetime | None:
    page, feed = sane_date(page), sane_date(feed)
    # Pages often give only a day; the feed's timestamp on that same day is more precise.
    if page and feed and page.date() == feed.date():
        return feed
    return page or feed


def _with_sentences(
    text: str,
    found: list[Mention],
    in_title: bool,
    spans: list[tuple[int, int]] | None = None,
) -> list[TaggedMention]:
    if not found:
        return []
    spans = sentence_spans(text) if spans is None else spans
    out: list[TaggedMention] = []
    i = 0
    for m in found:
        while i < len(spans) - 1 and spans[i][1] <= m.start:
            i += 1
        s, e = spans[i] if spans else (0, len(text))
        out.append(TaggedMention(m.entity, m.text, m.start, m.end, text[s:e], in_title))
    return out


def tag_article(
    tagger: Tagger, title: str, text: str, published: datetime | None = None
) -> tuple[tuple[TaggedMention, ...], tuple[Deal, ...]]:
    """The mentions (title first, then body, each with its sentence) and deals of an article;
    `published` dates the deals' relative years ("last year") and earlier deals."""
    found = tagger.tag(text)
    spans = sentence_spans(text) if found else []  # once, for the mentions and the deals
    title_mentions = _with_sentences(title, tagger.tag(title), in_title=True)
    body_mentions = _with_sentences(text, found, in_title=False, spans=spans)
    day = published.date() if published else None
    return tuple(title_mentions + body_mentions), tuple(
        find_deals(text, found, tagger.watchlist.ancestors, day, spans)
    )


def analyse(item: PageInput, tagger: Tagger) -> AnalysedArticle:
    entry = item.entry
    page_error, page_outcome = item.page_error, item.page_outcome
    article = None
    if item.html:
        try:
            article = extract_article(item.html, item.final_url or entry.url)
        except Exception as exc:  # lxml/trafilatura on hostile markup: fall back, keep the reason
            page_error = f"extraction failed: {type(exc).__name__}: {exc}"
            page_outcome = "no_text"
    if article is not None:
        text, source, extractor = article.text, PAGE, article.extractor
    elif entry.content:
        text, source, extractor = entry.content, FEED_CONTENT, "feed"
    elif entry.summary:
        text, source, extractor = entry.summary, FEED_SUMMARY, "feed"
    else:
        text, source, extractor = "", NONE, ""
    if item.html and article is None:
        page_error = page_error or "no article text found in the page"
        page_outcome = page_outcome or "no_text"
    title = (article.title if article and article.title else entry.title) or ""
    # The page's own canonical URL wins when it is on the same site (a mobile or AMP copy,
    # tracking paths); another site's canonical is not trusted to name this article.
    canonical = canonical_url(entry.url)
    if article and article.page_canonical_url and same_site(article.page_canonical_url, entry.url):
        canonical = canonical_url(article.page_canonical_url)
    fp = simhash(text)
    published = _published(article.published if article else None, entry.published)
    mentions, deals = tag_article(tagger, title, text, published)
    return AnalysedArticle(
        article_id=url_key(canonical),
        entry_key=url_key(entry.url),
        url=entry.url,
        canonical_url=canonical,
        page_canonical_url=article.page_canonical_url if article else "",
        title=title,
        author=(article.author if article and article.author else entry.author),
        published=published,
        site_name=article.site_name if article else "",
        language=article.language if article else "",
        text=text,
        text_source=source,
        extractor=extractor,
        content_hash=content_hash(text),
        fingerprint=as_bigint(fp),
        page_error=page_error,
        page_outcome=page_outcome,
        mentions=mentions,
        deals=deals,
    )
