"""One article, end to end and pure: page (or feed text) -> article record with mentions and deals.

This is the CPU-bound unit the ingest flow runs in batches on a process pool, so everything
here is picklable and touches neither the network nor the warehouse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from extractors.dates import choose_published
from extractors.dates import sane_date as sane_date  # where callers have always found it
from extractors.entities import Tagger
from extractors.page_kind import ARTICLE
from extractors.records import Mention, PageInput
from extractors.roundups import headline_items, is_roundup, items
from extractors.text import sentence_spans
from extractors.urls import canonical_url, same_site, url_key

if TYPE_CHECKING:
    from extractors.budget import Budget, Clock
    from extractors.records import Deal
    from extractors.stories import StoryKey

# Extraction (trafilatura), deal finding (its compiled rules) and fingerprints (numpy) are
# imported by the functions that use them: a process that only fetches and stores (the
# ingest's own, next to its analysis pool) or has nothing to do needs the records here, and
# importing those costs it about a second of CPU on a busy machine and tens of MB.

# Text sources, best first: where an article's text came from.
PAGE, FEED_CONTENT, FEED_SUMMARY, NONE = "page", "feed_content", "feed_summary", "none"

# Below this many characters (whitespace normalised) even a page's text is no identity:
# error pages, paywalls and consent walls read the same under many URLs of a site. Of the
# 779 WCXB dev articles 12 (1.5%) are shorter; copies of those still share a cluster.
MIN_IDENTITY_CHARS = 1000


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
    story: StoryKey | None = None  # MinHash signature and LSH bands; None if too short
    page_kind: str = ""  # article, or what else the page was (index, products, consent); "" unknown
    published_source: str = ""  # extractors.dates: feed, page_metadata, page_text, or ""
    analysis_note: str = ""  # what analysis set aside and why ("" when nothing)


def content_hash(text: str) -> str:
    """Hash of the text with whitespace normalised: the same body under two URLs matches."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:32] if text else ""


def identity_hash(text: str, source: str) -> str:
    """The content hash that may merge two articles: only of a page's own text, and only of
    one long enough to be an article; "" for feed text, teasers and error pages, so distinct
    entries never merge because their fallback text is equal. Their URL keys tell them apart."""
    if source != PAGE or len(" ".join(text.split())) < MIN_IDENTITY_CHARS:
        return ""
    return content_hash(text)


@dataclass(frozen=True)
class Tags:
    mentions: tuple[TaggedMention, ...]
    deals: tuple[Deal, ...]
    note: str  # what the budget set aside ("" when nothing)


def _with_context(
    text: str, found: list[Mention], in_title: bool, width: int, spans: list[tuple[int, int]]
) -> list[TaggedMention]:
    if not found:
        return []
    from extractors.budget import context

    spans = spans or [(0, len(text))]
    out: list[TaggedMention] = []
    i = 0
    for m in found:
        while i < len(spans) - 1 and spans[i][1] <= m.start:
            i += 1
        words = context(text, spans[i], m.start, m.end, width)
        out.append(TaggedMention(m.entity, m.text, m.start, m.end, words, in_title))
    return out


def tag_title_and_body(
    tagger: Tagger, title: str, text: str
) -> tuple[list[Mention], list[Mention]]:
    """The mentions of an article's title and of its body, as the ingest tags them (the
    evaluation of whole articles calls this too)."""
    if not is_roundup(title):
        found = tagger.tag(text)
        # The body vouches for ambiguous names in the title ("Claude" above a text on
        # Anthropic).
        titled = tagger.tag(title, anchors={m.entity for m in found})
        return _as_the_body_reads(tagger, titled, text, found), found
    # A roundup: each item read under its label ("The week in AI" says what each is about),
    # and its title's items each read alone ("Mistral eyes fresh funds; wind shuts Marseille
    # port"), the body vouching for them.
    parts = headline_items(title)
    found = _tag_items(tagger, text, title[slice(*parts[0])])
    named = {m.entity for m in found}
    titled = [
        Mention(m.entity, m.kind, m.text, m.start + lo, m.end + lo)
        for lo, hi in parts
        for m in tagger.tag(title[lo:hi], anchors=named)
    ]
    return _as_the_body_reads(tagger, titled, text, found), found


def _tag_items(tagger: Tagger, text: str, label: str = "") -> list[Mention]:
    """A roundup's mentions, each of its items (paragraphs) read as a text of its own, under
    the roundup's `label` (the headline's part before its items: "The week in AI" says what
    each item is about): what one item names or calls a name says nothing of the next.
    (Vouching across items, as the body does for a title, was tried: it gave back more names
    of the other sense than it kept of the entity's, docs/tagging.md.)"""
    found: list[Mention] = []
    head = label + "\n" if label else ""
    for lo, hi in items(text):
        shift = lo - len(head)
        found.extend(
            Mention(m.entity, m.kind, m.text, m.start + shift, m.end + shift)
            for m in tagger.tag(head + text[lo:hi])
            if m.start >= len(head)
        )
    return found


def _as_the_body_reads(
    tagger: Tagger, titled: list[Mention], text: str, found: list[Mention]
) -> list[Mention]:
    """The title's mentions, less the ambiguous names that the body spells the same way and
    never as the entity, where the body tells the other thing: above "outside Azure, a
    community of about 300 people … Residents of Azure …", the title's "near Azure" is the
    town, though the body names Microsoft Azure too. A title is too short to say which thing
    it means; the text under it says. The body tells it when it names the entity otherwise
    (the bare name is kept for the other thing) or spells the bare name more than once; one
    bare spelling it could not confirm says nothing ("Perplexity will answer questions
    using articles …" under "Perplexity signs deal with newspaper archive")."""
    ambiguous = [m for m in titled if m.text in tagger.watchlist.get(m.entity).ambiguous]
    if not ambiguous:
        return titled
    kept = {(m.entity, m.text) for m in found}
    named = {m.entity for m in found}
    spans = [(m.start, m.end) for m in found]
    dropped = set()
    for m in ambiguous:
        if (m.entity, m.text) in kept:
            continue
        # Spelled bare in the body (not inside a longer name it counted: "Microsoft Azure").
        bare = [at for at in _spelled(text, m.text) if not any(lo <= at < hi for lo, hi in spans)]
        if bare and (m.entity in named or len(bare) > 1):
            dropped.add((m.entity, m.text))
    return [m for m in titled if (m.entity, m.text) not in dropped]


def _spelled(text: str, name: str) -> list[int]:
    """Where `name` stands as a word of its own in text."""
    out = []
    at = text.find(name)
    while at >= 0:
        end = at + len(name)
        if (at == 0 or not text[at - 1].isalnum()) and (
            end == len(text) or not text[end].isalnum()
        ):
            out.append(at)
        at = text.find(name, at + 1)
    return out


def tag_text(
    tagger: Tagger,
    title: str,
    text: str,
    budget: Budget | None = None,
    clock: Clock | None = None,
    published: datetime | None = None,
) -> Tags:
    """The mentions (title first, then body, each with its context) and deals of an article,
    within `budget`: the first `budget.text_chars` of the text (and title) are analysed, and
    deal finding stops when `clock` (default: started now, on `budget`) is over its budget
    (`budget.seconds` of this thread's CPU time, or the wall-clock backstop); mentions are
    always kept. `note` says what was left out. `published` dates the deals' relative years
    ("last year") and tells earlier deals from news. Without `budget`, extractors.budget's
    DEFAULT_BUDGET."""
    from extractors.budget import DEFAULT_BUDGET, Clock, deals_within, leading

    budget = DEFAULT_BUDGET if budget is None else budget
    clock = Clock(budget) if clock is None else clock
    notes: list[str] = []
    part = leading(text, budget.text_chars)
    if len(part) < len(text):
        notes.append(f"text analysed up to character {len(part):,} of {len(text):,}")
    head = leading(title, budget.text_chars)
    title_found, found = tag_title_and_body(tagger, head, part)
    spans = sentence_spans(part)
    width = budget.context_chars
    title_mentions = _with_context(head, title_found, True, width, sentence_spans(head))
    body_mentions = _with_context(part, found, False, width, spans)
    day = published.date() if published else None
    deals, reached = deals_within(
        part, found, spans, tagger.watchlist.ancestors, clock, day, budget.deal_model
    )
    if reached < len(part):
        done = f"deals sought up to character {reached:,}" if reached else "deal finding skipped"
        notes.append(f"{clock.cut}: {done}")
    return Tags(tuple(title_mentions + body_mentions), tuple(deals), "; ".join(notes))


def tag_article(
    tagger: Tagger,
    title: str,
    text: str,
    budget: Budget | None = None,
    published: datetime | None = None,
) -> tuple[tuple[TaggedMention, ...], tuple[Deal, ...]]:
    """The mentions (title first, then body, each with its context) and deals of an article,
    within `budget` (see `tag_text`)."""
    tags = tag_text(tagger, title, text, budget, published=published)
    return tags.mentions, tags.deals


def _names_article(canonical: str) -> bool:
    """Whether a page's canonical URL can name one article: a site's home page cannot (error
    pages and paywalls often declare it, which would make every such entry one article)."""
    parts = urlsplit(canonical)
    return bool(parts.path.strip("/") or parts.query)  # "/?p=123" names a post


def analyse(item: PageInput, tagger: Tagger, budget: Budget | None = None) -> AnalysedArticle:
    """Extract, date, fingerprint, tag and find deals for one page, within `budget` (whose
    clock starts here, so a slow extraction leaves less time for deals; without it,
    extractors.budget's DEFAULT_BUDGET)."""
    from extractors.article import extract_article
    from extractors.budget import DEFAULT_BUDGET, Clock, leading
    from extractors.fingerprint import as_bigint, simhash
    from extractors.stories import story_key

    budget = DEFAULT_BUDGET if budget is None else budget
    clock = Clock(budget)  # this thread's CPU time: a busy machine does not cut deals
    entry = item.entry
    page_error, page_outcome = item.page_error, item.page_outcome
    article = None
    if item.html:
        try:
            article = extract_article(item.html, item.final_url or entry.url)
        except Exception as exc:  # lxml/trafilatura on hostile markup: fall back, keep the reason
            page_error = f"extraction failed: {type(exc).__name__}: {exc}"
            page_outcome = "no_text"
    kind = article.page_kind if article else ""  # "" when no page text was seen
    if article is not None and kind != ARTICLE:
        article = None  # a home page, index, product grid or consent wall: not its text
    if article is not None:
        text, source, extractor = article.text, PAGE, article.extractor
    elif entry.content:
        text, source, extractor = entry.content, FEED_CONTENT, "feed"
    elif entry.summary:
        text, source, extractor = entry.summary, FEED_SUMMARY, "feed"
    else:
        text, source, extractor = "", NONE, ""
    if item.html and article is None and not kind:
        page_error = page_error or "no article text found in the page"
        page_outcome = page_outcome or "no_text"
    notes: list[str] = []
    if len(text) > budget.stored_chars:
        kept = leading(text, budget.stored_chars)
        notes.append(f"text stored up to character {len(kept):,} of {len(text):,}")
        text = kept
    title = (article.title if article and article.title else entry.title) or ""
    # The page's own canonical URL wins when it is on the same site (a mobile or AMP copy,
    # tracking paths); another site's canonical is not trusted to name this article, nor is
    # a home page.
    canonical = canonical_url(entry.url)
    page_canonical = article.page_canonical_url if article else ""
    if page_canonical and same_site(page_canonical, entry.url) and _names_article(page_canonical):
        canonical = canonical_url(page_canonical)
    published = choose_published(
        entry.published,
        article.published if article else None,
        item.html if article else None,
        item.final_url or entry.url,
    )
    analysed_text = leading(text, budget.text_chars)
    fp = simhash(analysed_text)
    tags = tag_text(tagger, title, text, budget, clock, published.value)
    return AnalysedArticle(
        article_id=url_key(canonical),
        entry_key=url_key(entry.url),
        url=entry.url,
        canonical_url=canonical,
        page_canonical_url=page_canonical,
        title=title,
        author=(article.author if article and article.author else entry.author),
        published=published.value,
        site_name=article.site_name if article else "",
        language=article.language if article else "",
        text=text,
        text_source=source,
        extractor=extractor,
        page_kind=kind,
        content_hash=identity_hash(text, source),
        fingerprint=as_bigint(fp),
        page_error=page_error,
        page_outcome=page_outcome,
        mentions=tags.mentions,
        deals=tags.deals,
        published_source=published.source,
        story=story_key(analysed_text, tagger.name_words, title),
        analysis_note="; ".join(n for n in (*notes, tags.note, published.note) if n),
    )
