"""The ingest flow: feeds -> new entries -> pages -> articles, mentions, deals -> warehouse.

Tasks work at feed-list or batch granularity (a Prefect task run costs milliseconds and
server writes, so one per article would dominate). Each step is a plain function, tested
directly; the flow only wires them together. The warehouse is opened per step and closed at
once, so readers are locked out only for short transactions.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.runtime import flow_run

from extractors.analyse import AnalysedArticle, PageInput
from extractors.crawl import OK, FeedFetch, FeedSpec, fetch_feeds, fetch_pages
from extractors.entities import Watchlist, load_watchlist
from extractors.feedlist import feed_spec, load_feed_list
from extractors.feeds import FeedEntry
from extractors.fetch import FetchLimits
from extractors.urls import url_key
from flows import rows
from flows.analysis import Analyser
from flows.settings import Settings, load_settings
from warehouse.append import (
    BatchCounts,
    append_batch,
    insert_rows,
    record_fetches,
    replace_row,
    unseen_keys,
    upsert_feeds,
)
from warehouse.database import open_warehouse


@dataclass
class IngestSummary:
    run_id: str
    feeds_total: int = 0
    feeds_fetched: int = 0
    feeds_failed: int = 0
    entries: int = 0
    entries_new: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    articles_new: int = 0
    mentions: int = 0
    deals: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)

    def run_row(self, status: str, started: datetime, error: str = "") -> dict[str, Any]:
        figures = {k: v for k, v in asdict(self).items() if k not in ("run_id", "failures")}
        return {
            "run_id": self.run_id,
            "flow": "ingest",
            "prefect_run_id": flow_run.get_id(),
            "started_at": started,
            "ended_at": None if status == "running" else datetime.now(UTC),
            "status": status,
            "error": error or None,
            **figures,
        }


def register(settings: Settings, feeds: Sequence[FeedSpec], watchlist: Watchlist) -> None:
    """Make sure the feeds and the watchlist in use are in the warehouse."""
    now = datetime.now(UTC)
    with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
        upsert_feeds(con, rows.feed_rows(feeds, now))
        insert_rows(con, "entities", rows.entity_rows(watchlist))


def fetch_all_feeds(feeds: Sequence[FeedSpec], limits: FetchLimits) -> list[FeedFetch]:
    return asyncio.run(fetch_feeds(feeds, limits))


def new_entries(
    settings: Settings, fetches: Sequence[FeedFetch]
) -> tuple[list[FeedEntry], dict[str, int]]:
    """Entries whose article is not stored yet (each once, even if several feeds carry it),
    and how many new entries each feed brought."""
    with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
        unseen = unseen_keys(con, (url_key(e.url) for f in fetches for e in f.entries))
    fresh: dict[str, FeedEntry] = {}
    per_feed: dict[str, int] = {}
    for f in fetches:
        for e in f.entries:
            key = url_key(e.url)
            if key in unseen:
                per_feed[f.feed.feed_id] = per_feed.get(f.feed.feed_id, 0) + 1
                fresh.setdefault(key, e)
    return list(fresh.values()), per_feed


def log_fetches(
    settings: Settings, run_id: str, fetches: Sequence[FeedFetch], per_feed: dict[str, int]
) -> None:
    with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
        record_fetches(con, rows.fetch_rows(fetches, run_id, per_feed))


def fetch_page_batch(
    entries: Sequence[FeedEntry], limits: FetchLimits, allow_private: bool
) -> list[PageInput]:
    return asyncio.run(fetch_pages(entries, limits, allow_private=allow_private))


def store(
    settings: Settings,
    run_id: str,
    analysed: Sequence[AnalysedArticle],
    fetches: Sequence[FeedFetch],
    version: str,
) -> BatchCounts:
    """Append a batch in one transaction, with the feed links of its articles."""
    now = datetime.now(UTC)
    ids = {a.article_id for a in analysed}
    links = [r for r in rows.article_feed_rows(fetches, now) if r["article_id"] in ids]
    articles, mentions, deals = rows.article_rows(analysed, run_id, now, version)
    with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
        return append_batch(con, articles, links, mentions, deals)


def link_known_articles(settings: Settings, fetches: Sequence[FeedFetch]) -> None:
    """Record feeds that carry articles stored earlier (the same story seen in another feed)."""
    links = rows.article_feed_rows(fetches, datetime.now(UTC))
    with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
        known = set(r["article_id"] for r in links) - unseen_keys(
            con, (r["article_id"] for r in links)
        )
        insert_rows(con, "article_feeds", [r for r in links if r["article_id"] in known])


def write_run(settings: Settings, row: dict[str, Any]) -> None:
    with open_warehouse(settings.warehouse, lock_wait=settings.lock_wait) as con:
        replace_row(con, "runs", row)


def summarise_fetches(summary: IngestSummary, fetches: Sequence[FeedFetch]) -> None:
    summary.feeds_total = len(fetches)
    for f in fetches:
        if f.outcome == OK or f.outcome == "not_modified":
            summary.feeds_fetched += 1
        else:
            summary.feeds_failed += 1
            summary.failures.append((f.feed.url, f.error))
        summary.entries += len(f.entries)


def summarise_batch(
    summary: IngestSummary, pages: Sequence[PageInput], counts: BatchCounts
) -> None:
    for p in pages:
        if p.html is None:
            summary.pages_failed += 1
            summary.failures.append((p.entry.url, p.page_error))
        else:
            summary.pages_fetched += 1
    summary.articles_new += counts.articles
    summary.mentions += counts.mentions
    summary.deals += counts.deals


def _task(fn: Any, name: str) -> Any:
    # No result caching: inputs are large lists, and re-running a step must redo its work.
    return task(fn, name=name, cache_policy=NONE, persist_result=False)


register_task = _task(register, "register feeds and watchlist")
fetch_feeds_task = _task(fetch_all_feeds, "fetch feeds")
new_entries_task = _task(new_entries, "select new entries")
log_fetches_task = _task(log_fetches, "log feed fetches")
fetch_pages_task = _task(fetch_page_batch, "fetch pages")
analyse_task = _task(lambda analyser, pages: analyser(pages), "extract, tag, find deals")
store_task = _task(store, "store batch")
link_task = _task(link_known_articles, "link known articles to feeds")


def resolve_feeds(
    settings: Settings, feed_urls: Sequence[str] | None, feeds_file: str | None
) -> list[FeedSpec]:
    if feed_urls:
        return list({s.feed_id: s for s in map(feed_spec, feed_urls)}.values())
    return load_feed_list(Path(feeds_file) if feeds_file else settings.feeds)


@flow(name="ingest", log_prints=True)
def ingest(
    feed_urls: list[str] | None = None,
    feeds_file: str | None = None,
    home: str | None = None,
    allow_private_pages: bool | None = None,
) -> dict[str, Any]:
    """Fetch the feeds, store every new article with its mentions and deals; return the figures.

    Feeds come from `feed_urls`, else `feeds_file`, else the configured feed list. A failing
    feed or page is recorded with its reason and never fails the run; only a systemic fault
    (the warehouse unusable) does.
    """
    settings = load_settings(home, allow_private_pages=allow_private_pages)
    feeds = resolve_feeds(settings, feed_urls, feeds_file)
    watchlist = load_watchlist(settings.watchlist)
    limits = settings.fetch_limits()
    summary = IngestSummary(run_id=uuid.uuid4().hex[:16])
    started = datetime.now(UTC)
    register_task(settings, feeds, watchlist)
    write_run(settings, summary.run_row("running", started))
    try:
        fetches = fetch_feeds_task(feeds, limits)
        entries, per_feed = new_entries_task(settings, fetches)
        log_fetches_task(settings, summary.run_id, fetches, per_feed)
        summarise_fetches(summary, fetches)
        summary.entries_new = len(entries)
        with Analyser(watchlist, settings.workers) as analyser:
            for start in range(0, len(entries), settings.batch_size):
                batch = entries[start : start + settings.batch_size]
                pages = fetch_pages_task(batch, limits, settings.allow_private_pages)
                analysed = analyse_task(analyser, pages)
                counts = store_task(settings, summary.run_id, analysed, fetches, watchlist.version)
                summarise_batch(summary, pages, counts)
        link_task(settings, fetches)
    except BaseException as exc:
        write_run(settings, summary.run_row("failed", started, f"{type(exc).__name__}: {exc}"))
        raise
    write_run(settings, summary.run_row("completed", started))
    return asdict(summary)
