"""Failed pages fetched again: on a schedule, with `ingest --force`, or with `labwatch refetch`.

Which are due (`due_retries`):
- transient failures (timeouts, connection errors, 5xx: "soft"; 429 and 503 with Retry-After:
  "rate_limited") up to `MAX_PAGE_ATTEMPTS` runs in all, waiting `backoff_minutes` × 2^(n-1)
  after the n-th (capped at a day);
- refused addresses ("blocked") when the allow list changed so that their host is allowed now
  and was not when they were refused;
- everything else (404, not HTML, no text found...) only on demand.

A page that arrives upgrades its article in place (warehouse.articles.upgrade_articles): its
text, tags and story key are the page's, and it joins the story its page tells; one that
fails again keeps the feed's text and its newest reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from extractors.analyse import FEED_CONTENT, FEED_SUMMARY, PAGE, AnalysedArticle
from extractors.crawl import fetch_pages
from extractors.errors import BLOCKED, RATE_LIMITED, SOFT
from extractors.fetch import FetchLimits, host_allowed
from extractors.records import FeedEntry, PageInput
from flows import rows
from flows.analysed import Analysed
from flows.connection import open_db
from flows.settings import Settings
from warehouse.articles import upgrade_articles
from warehouse.page_retries import failed_pages, record_page_tries, retry_inputs

MAX_PAGE_ATTEMPTS = 4  # runs that try a transiently failing page, the first included
RETRY_CAP = timedelta(hours=24)
TRANSIENT = (SOFT, RATE_LIMITED)


def is_due(page: dict[str, Any], now: datetime, step: timedelta, allowed: frozenset[str]) -> bool:
    """Whether a failed page is due for another try on the schedule (see the module doc)."""
    outcome, attempts = page["outcome"], int(page["attempts"])
    if outcome in TRANSIENT:
        if attempts >= MAX_PAGE_ATTEMPTS:
            return False
        wait = min(step * 2 ** (attempts - 1), RETRY_CAP)
        return bool(page["last_tried_at"] + wait <= now)
    if outcome == BLOCKED:
        then = frozenset(h.lower() for h in page["allowed_hosts"] or ())
        return host_allowed(page["url"], allowed) and not host_allowed(page["url"], then)
    return False


def due_retries(
    settings: Settings,
    run_id: str,
    *,
    force: bool = False,
    since: datetime | None = None,
    feed_id: str | None = None,
) -> list[str]:
    """The article ids whose pages to fetch again now: those due on the schedule, or with
    `force` every failed page (filtered by `since` and `feed_id`). Pages of articles stored by
    `run_id` itself are never fetched twice in one run."""
    now = datetime.now(UTC)
    allowed = settings.fetch_limits().allowed_private_hosts
    step = timedelta(minutes=settings.backoff_minutes)
    with open_db(settings) as con:
        pages = failed_pages(
            con,
            outcomes=None if force else (*TRANSIENT, BLOCKED),
            since=since,
            feed_id=feed_id,
            exclude_run=run_id,
        )
    return [p["article_id"] for p in pages if force or is_due(p, now, step, allowed)]


def retry_entries(settings: Settings, article_ids: Sequence[str]) -> list[tuple[str, FeedEntry]]:
    """(article_id, the feed entry rebuilt from the stored article) for each id."""
    with open_db(settings) as con:
        found = retry_inputs(con, article_ids)
    return [
        (
            r["article_id"],
            FeedEntry(
                url=r["url"],
                title=r["title"],
                guid=r["url"],
                published=r["published_at"],
                author=r["author"],
                summary=r["text"] if r["text_source"] == FEED_SUMMARY else "",
                content=r["text"] if r["text_source"] == FEED_CONTENT else "",
            ),
        )
        for r in found
    ]


def fetch_retry_pages(entries: Sequence[FeedEntry], limits: FetchLimits) -> list[PageInput]:
    return asyncio.run(fetch_pages(entries, limits))


@dataclass(frozen=True)
class RetryCounts:
    retried: int
    upgraded: int
    mentions: int
    deals: int


def store_retries(
    settings: Settings,
    ids: Sequence[str],
    analysed: Sequence[Analysed],
    version: str,
) -> RetryCounts:
    """Upgrade the articles whose page arrived; record the try of every page."""
    now = datetime.now(UTC)
    allowed = sorted(settings.fetch_limits().allowed_private_hosts)
    upgrades: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    tries: list[dict[str, Any]] = []
    for article_id, shipped in zip(ids, analysed, strict=True):
        a = shipped.article
        arrived = a.text_source == PAGE
        tries.append(
            {
                "article_id": article_id,
                "outcome": PAGE if arrived else (a.page_outcome or "none"),
                "error": None if arrived else a.page_error or None,
                "allowed_hosts": allowed,
                "tried_at": now,
                "upgraded_at": now if arrived else None,
            }
        )
        if arrived:
            # The stored article keeps its id, whatever the page's canonical URL says.
            upgrades.append(rows.upgrade_row(article_id, a, version))
            mentions += shipped.mention_rows(article_id, version)
            deals += shipped.deal_rows(article_id)
    from flows.stories import STORY_RULE  # here: most runs have no page to retry (numpy)

    with open_db(settings) as con:
        upgraded = upgrade_articles(con, upgrades, mentions, deals, stories=STORY_RULE)
        record_page_tries(con, tries)
    return RetryCounts(len(ids), upgraded, len(mentions), len(deals))


def first_tries(
    analysed: Sequence[AnalysedArticle], allowed: frozenset[str], now: datetime
) -> list[dict[str, Any]]:
    """`record_page_tries(first=True)` rows for new articles whose page failed: the allow
    list they were refused under decides when a blocked one is due (see is_due)."""
    return [
        {
            "article_id": a.article_id,
            "outcome": a.page_outcome,
            "error": a.page_error or None,
            "allowed_hosts": sorted(allowed),
            "tried_at": now,
        }
        for a in analysed
        if a.text_source != PAGE and a.page_outcome
    ]
