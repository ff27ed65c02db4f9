"""Extractor records -> warehouse rows (column name -> value), where the two rooms meet."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from extractors.records import FeedEntry, FeedFetch, FeedSpec, Watchlist
from extractors.urls import redact, url_key

if TYPE_CHECKING:
    # Types only: the modules (deal rules, numpy) load where articles are turned into rows,
    # not in a run that has none to store (see extractors/analyse.py).
    from extractors.analyse import AnalysedArticle, TaggedMention
    from extractors.records import Deal

# A row built here from extractor records, still a dict its caller may add to; the
# warehouse takes it as a read-only warehouse.append.Row.
NewRow = dict[str, Any]


def feed_rows(feeds: Iterable[FeedSpec], now: datetime) -> list[NewRow]:
    return [{"feed_id": f.feed_id, "url": f.url, "name": f.name, "added_at": now} for f in feeds]


def fetch_rows(fetches: Iterable[FeedFetch], run_id: str, new: Mapping[str, int]) -> list[NewRow]:
    return [
        {
            "run_id": run_id,
            "feed_id": f.feed.feed_id,
            "url": redact(f.feed.url),  # the log shows no password; feeds.url keeps it
            "final_url": f.final_url or None,
            "fetched_at": f.fetched_at,
            "http_status": f.status,
            "outcome": f.outcome,
            "bytes": f.size,
            "duration_ms": round(f.duration * 1000, 1),
            "entries": len(f.entries) if f.parsed else None,
            "new_entries": new.get(f.feed.feed_id, 0) if f.parsed else None,
            "feed_title": f.parsed.title if f.parsed else None,
            "error": f.error or (f.parsed.warning if f.parsed else "") or None,
            "attempts": f.attempts,
            "retry_after": f.retry_after,
            "note": f.note or None,
            # Not log columns: the validators the feed's state keeps (see record_fetches).
            "etag": f.etag,
            "last_modified": f.last_modified,
            "body_hash": f.body_hash,
        }
        for f in fetches
    ]


def article_feed_rows(fetches: Iterable[FeedFetch], now: datetime) -> list[NewRow]:
    return [
        article_feed_row(url_key(e.url), f.feed.feed_id, e, now) for f in fetches for e in f.entries
    ]


def article_feed_row(key: str, feed_id: str, e: FeedEntry, now: datetime) -> NewRow:
    """The `article_feeds` row of entry `e` (whose URL key is `key`) of feed `feed_id`."""
    return {
        "article_id": key,
        "feed_id": feed_id,
        "entry_guid": e.guid,
        "entry_title": e.title,
        "entry_published_at": e.published,
        "first_seen_at": now,
    }


def article_rows(
    articles: Iterable[AnalysedArticle], run_id: str, now: datetime, version: str
) -> tuple[list[NewRow], list[NewRow], list[NewRow]]:
    """(articles, mentions, deals) rows for a batch."""
    arts: list[NewRow] = []
    mentions: list[NewRow] = []
    deals: list[NewRow] = []
    for a in articles:
        arts.append(article_row(a, run_id, now, version))
        mentions.extend(mention_rows(a.article_id, a.mentions, version))
        deals.extend(deal_rows(a.article_id, a.deals))
    return arts, mentions, deals


def article_row(a: AnalysedArticle, run_id: str, now: datetime, version: str) -> NewRow:
    """The `articles` row of `a` (its mentions and deals are rows of their own)."""
    from flows.stories import story_fields

    return (
        {
            "article_id": a.article_id,
            "entry_key": a.entry_key,
            "entry_url": a.url,
            "url": a.url,
            "canonical_url": a.canonical_url,
            "page_kind": a.page_kind or None,
            "page_error": a.page_error or None,
            "page_outcome": a.page_outcome or None,
            "published_source": a.published_source or None,
            "analysis_note": a.analysis_note or None,
            "fetched_at": now,
            "run_id": run_id,
            "watchlist_version": version,
        }
        | _text_fields(a)
        # Not article columns: the story key, stored apart (warehouse/stories.py).
        | story_fields(a.story)
    )


def mention_rows(article_id: str, mentions: Iterable[TaggedMention], version: str) -> list[NewRow]:
    return [
        {
            "article_id": article_id,
            "entity_id": m.entity,
            "surface": m.text,
            "start_offset": m.start,
            "end_offset": m.end,
            "sentence": m.sentence,
            "in_title": m.in_title,
            "watchlist_version": version,
        }
        for m in mentions
    ]


def deal_rows(article_id: str, deals: Iterable[Deal]) -> list[NewRow]:
    rows = []
    for n, d in enumerate(deals):
        # A deal built without its amount as written (older callers) was written in dollars.
        written = d.amount is not None
        rows.append(
            {
                "article_id": article_id,
                "deal_no": n,
                "kind": d.kind,
                "investor_id": d.investor,
                "target_id": d.target,
                "amount_usd": d.amount_usd,
                "amount_max_usd": d.amount_max_usd,
                "qualifier": d.qualifier,
                "year": d.year,
                "evidence": d.evidence,
                "status": d.status,
                "roles": [{"entity_id": e, "role": r} for e, r in d.roles],
                "currency": d.currency if written else "USD",
                "amount": d.amount if written else d.amount_usd,
                "amount_max": d.amount_max if written else d.amount_max_usd,
                "tranche": d.tranche,
                "found_by": d.found_by,
            }
        )
    return rows


def entity_rows(watchlist: Watchlist) -> list[NewRow]:
    now = datetime.now(UTC)
    return [
        {
            "entity_id": e.id,
            "watchlist_version": watchlist.version,
            "name": e.name,
            "kind": e.kind,
            "parent_id": e.parent or None,
            "aliases": list(e.aliases + e.aliases_ignore_case),
            "loaded_at": now,
        }
        for e in watchlist.entities
    ]


def entry_failure_rows(fetches: Iterable[FeedFetch], run_id: str, now: datetime) -> list[NewRow]:
    """`entry_failures` rows: the items of each parsed feed that cannot become articles."""
    found: dict[tuple[str, str], NewRow] = {}
    for f in fetches:
        for r in f.rejected:
            key = hashlib.sha256(f"{r.url}\n{r.guid}\n{r.title}".encode()).hexdigest()[:32]
            found[(f.feed.feed_id, key)] = {
                "feed_id": f.feed.feed_id,
                "entry_key": key,
                "url": r.url,
                "title": r.title,
                "guid": r.guid,
                "reason": r.reason,
                "run_id": run_id,
                "seen_at": now,
            }
    return list(found.values())


def upgrade_row(article_id: str, a: AnalysedArticle, version: str) -> NewRow:
    """What `upgrade_articles` writes over a stored article when its page's text arrives."""
    from flows.stories import story_fields

    return (
        {"article_id": article_id, "watchlist_version": version}
        | _text_fields(a)
        | story_fields(a.story)
    )


def _text_fields(a: AnalysedArticle) -> NewRow:
    """The columns that come from a page's text and metadata: what an article is stored with
    and what an upgrade from feed text to page text replaces."""
    return {
        "page_canonical_url": a.page_canonical_url or None,
        "title": a.title,
        "author": a.author,
        "published_at": a.published,
        "site_name": a.site_name,
        "language": a.language,
        "text": a.text,
        "text_source": a.text_source,
        "extractor": a.extractor,
        "content_hash": a.content_hash,
        "fingerprint": a.fingerprint,
    }
