"""The ingest flow: feeds -> new entries -> pages -> articles, mentions, deals -> warehouse.

Tasks work at feed-list or batch granularity (a Prefect task run costs milliseconds and
server writes, so one per article would dominate). Large arguments are passed as `quote(...)`:
Prefect otherwise walks every one looking for futures, up to a second per task on thousands
of entries. Each step is a plain function, tested
directly; the flow only wires them together. The warehouse is opened per step and closed at
once, so readers are locked out only for short transactions (steps that follow each other
with no wait between them share one opening).
"""

from __future__ import annotations

import asyncio
import gc
import os
import uuid
from collections import deque
from collections.abc import Callable, Container, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from extractors.crawl import FeedParsers, Tick, fetch_feeds
from extractors.errors import BLOCKED
from extractors.feedlist import feed_spec, load_feed_list
from extractors.fetch import FetchLimits
from extractors.records import NOT_MODIFIED, FeedEntry, FeedFetch, FeedSpec, PageInput, Watchlist
from extractors.urls import redact, redact_text, url_key
from flows import memory, rows
from flows.analysed import Analysed, batch_rows
from flows.analysis_pool import Analyser, Pending
from flows.connection import open_db
from flows.feed_lease import FeedLease, feed_lease
from flows.fetch_ahead import PageFetcher, PendingPages
from flows.held_signals import (
    held_signals,
    ignore_ctrl_c_if_served,
    pandas_known_absent,
    stopped_from_outside,
    stops_survive_finalizers,
)
from flows.oneoff import flow_run_id, prefect_flows, quote, step
from flows.page_retry import (
    RetryCounts,
    due_retries,
    fetch_retry_pages,
    first_tries,
    retry_entries,
    store_retries,
)
from flows.prefect_env import quiet_interrupts
from flows.progress import Progress, log, rate
from flows.settings import Settings, load_settings
from flows.store_groups import StoreGroups
from flows.warm_start import WarmWhenParsing
from warehouse import deal_ledger
from warehouse.append import record_watchlist, replace_row, upsert_feeds
from warehouse.articles import BatchCounts, append_batch, link_entries, unseen_keys
from warehouse.ducklake_lease import in_turn
from warehouse.errors import WarehouseError
from warehouse.feed_state import (
    feed_states,
    is_due,
    keep_validators,
    record_entry_failures,
    record_fetches,
)
from warehouse.page_retries import record_page_tries
from warehouse.run_lock import IngestRunningError, ingest_lock
from warehouse.runs import mark_interrupted
from warehouse.search import refresh_if_needed

if TYPE_CHECKING:
    import duckdb


T = TypeVar("T")

# DuckDB settings of the openings that store batches and finish the run. The analysis pool
# keeps every core busy meanwhile, so more DuckDB threads only contend with it, and DuckDB
# otherwise keeps each block it reads in memory, up to 80% of the machine's. Rebuilding the
# search index at 5,000 articles, measured at load 20: 12.6-13.8 s of CPU and a peak of
# 460-478 MB with the defaults; 8.0 s and 344 MB with these (work larger than the cap
# spills to a temporary file next to the warehouse).
INGEST_DB = {"threads": "1", "memory_limit": "256MB"}

# Batches on the analysis pool while the ingest stores an earlier one: with one, the pool
# ran dry whenever a store (a checkpoint, a growing deal ledger) outlasted an analysis.
ANALYSED_AHEAD = 2


def with_capped_db(
    settings: Settings,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    caps: Mapping[str, str] = INGEST_DB,
) -> T:
    """`work` on the warehouse opened with `caps`, or opened again without the caps if
    DuckDB runs out of memory under them (its transaction is rolled back: `work` must be
    safe to repeat after that, as the ingest's writes are). `work` of several transactions
    goes step by step to `capped_steps`."""
    result: T = capped_steps(settings, [work], caps)[0]
    return result


def capped_steps(
    settings: Settings,
    steps: Sequence[Callable[[duckdb.DuckDBPyConnection], Any]],
    caps: Mapping[str, str] = INGEST_DB,
) -> list[Any]:
    """The results of `steps`, run in order on one opening of the warehouse with `caps`.
    When DuckDB runs out of memory under them, the warehouse is opened again without the
    caps and the steps go on from the one that failed (its transaction rolled back: each
    step must be safe to repeat after a failure of its own). A step done is not done again:
    a batch's append, once committed, would add nothing the second time and count nothing."""
    import duckdb

    results: list[Any] = []
    try:
        with open_db(settings, config=caps) as con:
            for work in steps:
                results.append(work(con))
        return results
    except duckdb.OutOfMemoryException as exc:
        log.debug(
            "out of memory under %s at step %d of %d, on without: %s",
            dict(caps), len(results) + 1, len(steps), exc,
        )  # fmt: skip
    with open_db(settings) as con:  # also when closing ran out: then no step is left
        for work in steps[len(results) :]:
            results.append(work(con))
    return results


@dataclass
class IngestSummary:
    run_id: str
    feeds_total: int = 0
    feeds_skipped: int = 0  # not due yet (backing off after failures), or another worker's
    feeds_fetched: int = 0  # answered, changed or not
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    feeds_held: int = 0  # of the skipped: due, but held by other workers (a lake); not in runs
    entries: int = 0
    entries_new: int = 0
    entries_rejected: int = 0  # items whose link cannot be fetched (see v_entry_failures)
    pages_fetched: int = 0
    pages_blocked: int = 0  # private address or robots.txt
    pages_failed: int = 0
    articles_new: int = 0
    mentions: int = 0
    deals: int = 0
    pages_retried: int = 0  # failed pages of earlier runs fetched again
    articles_upgraded: int = 0  # of which the page's text replaced the feed's
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason), redacted

    def run_row(
        self, status: str, started: datetime, error: str = "", flow: str = "ingest"
    ) -> dict[str, Any]:
        figures = {
            k: v for k, v in asdict(self).items() if k not in ("run_id", "failures", "feeds_held")
        }
        return {
            "run_id": self.run_id,
            "flow": flow,
            "prefect_run_id": flow_run_id(),
            "started_at": started,
            "ended_at": None if status == "running" else datetime.now(UTC),
            "status": status,
            "error": redact_text(error) or None,
            **figures,
        }


# Feed URLs with credentials given for this process (`ingest --feed`), by their redacted form:
# the flow's parameters, which Prefect stores and shows, carry only the redacted URL.
_FEED_SECRETS: dict[str, str] = {}


def flow_feed_urls(urls: Sequence[str]) -> list[str]:
    """`urls` as the ingest flow's parameters: redacted, the real ones kept in this process."""
    shown = []
    for url in urls:
        _FEED_SECRETS[redact(url)] = url
        shown.append(redact(url))
    return shown


def prepare_feeds(
    settings: Settings,
    feed_urls: Sequence[str] | None,
    feeds_file: str | None,
    watchlist: Watchlist,
    force: bool,
    save: bool = False,
) -> tuple[list[FeedSpec], int]:
    """The feeds to fetch now, with their validators, and how many were skipped (not due).

    Feeds come from `feed_urls`, else `feeds_file`, else the warehouse's feed list (seeded
    from the configured feed file the first time). New ones are registered; `feed_urls` are
    one-offs, kept out of the feed list unless `save`. The watchlist in use is recorded too.
    """
    now = datetime.now(UTC)

    def register(con: duckdb.DuckDBPyConnection) -> list[FeedSpec]:
        record_watchlist(con, rows.entity_rows(watchlist))
        if feed_urls:
            real = [_FEED_SECRETS.get(u, u) for u in feed_urls]
            wanted = list({s.feed_id: s for s in map(feed_spec, real)}.values())
        elif feeds_file:
            wanted = load_feed_list(Path(feeds_file))
        else:
            wanted = [] if feed_states(con) else load_feed_list(settings.feeds)
        upsert_feeds(con, rows.feed_rows(wanted, now), listed=save or not feed_urls)
        return wanted

    with open_db(settings) as con:
        # One transaction, in turn with other workers on a lake (no feed registered twice).
        wanted = in_turn(con, lambda: register(con))
        states = feed_states(con, [f.feed_id for f in wanted] if wanted else None)
    due = [
        FeedSpec(
            feed_id=s["feed_id"],
            url=s["url"],
            name=s["name"] or "",
            etag=s["etag"] or "",
            last_modified=s["last_modified"] or "",
            body_hash=s["body_hash"] or "",
        )
        for s in states
        if force or is_due(s, now)
    ]
    return due, len(states) - len(due)


def fetch_all_feeds(
    feeds: Sequence[FeedSpec],
    limits: FetchLimits,
    tick: Tick | None = None,
    lease: FeedLease | None = None,
    parsers: FeedParsers | None = None,
) -> list[FeedFetch]:
    """Every feed (on a lake: those this run leases, flows/feed_lease.py), parsed by
    `parsers` (by default in a thread)."""
    if lease is not None:
        return lease.fetch(feeds, limits, tick, parsers)
    return asyncio.run(fetch_feeds(feeds, limits, tick, parsers))


class FeedLinks:
    """Every entry of a run's feeds with its URL key, computed once: a batch's `article_feeds`
    rows are then picked by key, not rebuilt (and every URL keyed again) for each batch."""

    def __init__(self, fetches: Sequence[FeedFetch]) -> None:
        self.entries = [(url_key(e.url), f.feed.feed_id, e) for f in fetches for e in f.entries]

    def rows(self, now: datetime, keys: Container[str] | None = None) -> list[dict[str, Any]]:
        """The `article_feeds` rows of the entries whose key is in `keys` (all without),
        in feed order, as `rows.article_feed_rows` gives them."""
        return [
            rows.article_feed_row(key, feed_id, e, now)
            for key, feed_id, e in self.entries
            if keys is None or key in keys
        ]


def _new_entries(
    con: duckdb.DuckDBPyConnection, feed_links: FeedLinks
) -> tuple[list[FeedEntry], dict[str, int]]:
    """Entries whose article is not stored yet (each once, even if several feeds carry it),
    and how many new entries each feed brought."""
    unseen = unseen_keys(con, (key for key, _, _ in feed_links.entries))
    fresh: dict[str, FeedEntry] = {}
    per_feed: dict[str, int] = {}
    for key, feed_id, e in feed_links.entries:
        if key in unseen:
            per_feed[feed_id] = per_feed.get(feed_id, 0) + 1
            fresh.setdefault(key, e)
    return list(fresh.values()), per_feed


def _log_fetches(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    fetches: Sequence[FeedFetch],
    per_feed: dict[str, int],
) -> None:
    step = timedelta(minutes=settings.backoff_minutes)
    now = datetime.now(UTC)
    record_fetches(con, rows.fetch_rows(fetches, run_id, per_feed), step)
    record_entry_failures(con, rows.entry_failure_rows(fetches, run_id, now))


def select_and_log(
    settings: Settings, run_id: str, fetches: Sequence[FeedFetch], feed_links: FeedLinks
) -> list[FeedEntry]:
    """The new entries, with the feeds' fetches logged, in one opening of the warehouse (an
    opening costs a few tenths of a second: the catalog is read, and closing checkpoints)."""
    with open_db(settings) as con:
        entries, per_feed = _new_entries(con, feed_links)
        _log_fetches(con, settings, run_id, fetches, per_feed)
    return entries


def store(
    settings: Settings,
    run_id: str,
    analysed: Sequence[Analysed],
    fetches: Sequence[FeedFetch] | FeedLinks,
    version: str,
) -> BatchCounts:
    """Append a batch in one transaction, with the feed links of its articles."""
    now = datetime.now(UTC)
    keys = {a.article.entry_key for a in analysed}
    feed_links = fetches if isinstance(fetches, FeedLinks) else FeedLinks(fetches)
    links = feed_links.rows(now, keys)
    articles, mentions, deals = batch_rows(analysed, run_id, now, version)
    allowed = settings.fetch_limits().allowed_private_hosts
    from flows.stories import STORY_RULE  # here: a run with nothing new never needs numpy

    def append(con: duckdb.DuckDBPyConnection) -> BatchCounts:
        # The deals ledger of the run's stores is computed once, by the closing step.
        return append_batch(
            con, articles, links, mentions, deals, stories=STORY_RULE, defer_ledger=True
        )

    def tries(con: duckdb.DuckDBPyConnection) -> None:
        # Pages that failed: kept so they are fetched again when due (flows/page_retry.py).
        tried = first_tries([a.article for a in analysed], allowed, now)
        record_page_tries(con, tried, first=True)

    # Two steps: the append's counts stand even if recording the tries runs out of memory.
    counts: BatchCounts = capped_steps(settings, [append, tries])[0]
    return counts


def refresh_search(settings: Settings, changed: bool) -> None:
    """Rebuild the full-text index so `labwatch search` sees the new articles: when this run
    `changed` articles, or the index is missing or stale (runs killed before building it)."""
    with open_db(settings) as con:
        refresh_if_needed(con, force=changed)


def finish_run(
    settings: Settings, fetches: Sequence[FeedFetch], feed_links: FeedLinks, changed: bool
) -> None:
    """In one opening of the warehouse, in this order: record feeds that carry articles stored
    earlier (the same story seen in another feed); keep the feeds' validators now that their
    entries are stored (see keep_validators); compute the deals ledger of the groups the
    run's stores left pending (warehouse/deal_ledger.py `catch_up`); rebuild the search index
    (`refresh_search`)."""
    links = feed_links.rows(datetime.now(UTC))

    capped_steps(
        settings,
        [
            lambda con: link_entries(con, links),
            lambda con: keep_validators(con, rows.fetch_rows(fetches, "", {})),
            deal_ledger.catch_up,
            lambda con: refresh_if_needed(con, force=changed),
        ],
        closing_db(settings.workers),
    )


def closing_db(workers: int) -> dict[str, str]:
    """The closing step's DuckDB settings: the ingest's caps, but the analysis pool is gone
    by now, so the index is built on as many threads as it had workers, up to the cores (its
    words step took half the wall time on two)."""
    return {**INGEST_DB, "threads": str(max(1, min(workers, os.cpu_count() or 1)))}


def write_run(settings: Settings, row: dict[str, Any]) -> None:
    with open_db(settings) as con:
        if row["status"] == "running":
            # We hold the ingest lock, so a run still marked running was killed mid-way; and
            # the deals its stores left pending are computed now, not at this run's end.
            mark_interrupted(con)
            catch_up_ledger(con)
        replace_row(con, "runs", row)
        if row["status"] == "failed":
            catch_up_ledger(con)  # the stores that did end are in the ledger, as after a run


def catch_up_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Compute the deals a run's stores left pending (warehouse/deal_ledger.py) outside the
    run's own closing step: at the start of the next run, and after a failed one. Best
    effort: a failure is logged and leaves them for the next try, not the run stopped."""
    import duckdb

    try:
        if deal_ledger.catch_up(con):
            log.info("deals ledger: brought up to date after a run that did not finish")
    except (duckdb.Error, WarehouseError) as exc:
        log.warning("deals ledger not brought up to date (the next run tries again): %s", exc)


def summarise_fetches(summary: IngestSummary, fetches: Sequence[FeedFetch]) -> None:
    for f in fetches:
        if f.succeeded:
            summary.feeds_fetched += 1
            summary.feeds_not_modified += f.outcome == NOT_MODIFIED
        else:
            summary.feeds_failed += 1
            summary.failures.append((redact(f.feed.url), f.error))
        summary.entries += len(f.entries)
        summary.entries_rejected += len(f.rejected)


def page_counts(pages: Sequence[PageInput]) -> tuple[int, int, int]:
    """Pages fetched, blocked (private address or robots.txt) and failed."""
    fetched = sum(p.html is not None for p in pages)
    blocked = sum(p.html is None and p.page_outcome == BLOCKED for p in pages)
    return fetched, blocked, len(pages) - fetched - blocked


@dataclass(frozen=True)
class PageTally:
    """What a batch's pages came to: kept while the batch waits for its analysis and its
    store, where the pages themselves (5-10 MB a batch) are let go."""

    fetched: int
    blocked: int
    failed: int
    failures: tuple[tuple[str, str], ...]  # (url, reason) of each page not fetched

    @classmethod
    def of(cls, pages: Sequence[PageInput]) -> PageTally:
        failures = tuple((p.entry.url, p.page_error) for p in pages if p.html is None)
        return cls(*page_counts(pages), failures)

    @classmethod
    def joined(cls, tallies: Sequence[PageTally]) -> PageTally:
        """The tally of several batches' pages."""
        return cls(
            sum(t.fetched for t in tallies),
            sum(t.blocked for t in tallies),
            sum(t.failed for t in tallies),
            tuple(f for t in tallies for f in t.failures),
        )


def summarise_batch(summary: IngestSummary, pages: PageTally, counts: BatchCounts) -> None:
    summary.pages_fetched += pages.fetched
    summary.pages_blocked += pages.blocked
    summary.pages_failed += pages.failed
    summary.failures += pages.failures
    summary.articles_new += counts.articles
    summary.mentions += counts.mentions
    summary.deals += counts.deals


def log_feeds(summary: IngestSummary, seconds: float) -> None:
    held = summary.feeds_held  # due, but another worker's (a lake): not backing off
    log.info(
        "feeds: %d due, %d fetched (%d not modified), %d failed, %d backing off%s; "
        "%d new entries; %.1f s",
        summary.feeds_total - summary.feeds_skipped + held, summary.feeds_fetched,
        summary.feeds_not_modified, summary.feeds_failed, summary.feeds_skipped - held,
        f", {held} held by other workers" if held else "", summary.entries_new, seconds,
    )  # fmt: skip
    for url, reason in summary.failures:
        log.debug("feed failed: %s: %s", url, reason)


def log_batch(number: int, batches: int, pages: PageTally, done: Progress) -> None:
    log.info(
        "batch %d/%d: %d pages fetched, %d blocked, %d failed; %d/%d pages at %s",
        number, batches, pages.fetched, pages.blocked, pages.failed, done.done, done.total,
        rate(done.done, done.seconds),
    )  # fmt: skip
    for url, reason in pages.failures:
        log.debug("page not fetched: %s: %s", url, reason)


def log_store(numbers: Sequence[int], batches: int, counts: BatchCounts) -> None:
    span = f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else f"{numbers[0]}"
    log.info(
        "stored batch%s %s/%d: %d new articles, %d mentions, %d deals",
        "es" if len(numbers) > 1 else "", span, batches, counts.articles, counts.mentions,
        counts.deals,
    )  # fmt: skip


def _task(fn: Any, name: str, retries: int = 0) -> Any:
    # A Prefect task in a Prefect flow run, else a plain call (flows/oneoff.py). No result
    # caching: inputs are large lists, and re-running a step must redo its work.
    return step(fn, name, retries, [10.0, 60.0][:retries])


prepare_task = _task(prepare_feeds, "select due feeds")
# Each request already has timeouts and bounded retries with backoff (extractors/fetch.py) and
# a failing feed or page is a record, not an exception; a task retry covers the unexpected
# (the event loop or the resolver failing as a whole). Both steps are safe to repeat.
fetch_feeds_task = _task(fetch_all_feeds, "fetch feeds", retries=2)
select_task = _task(select_and_log, "select new entries, log feed fetches")
fetch_pages_task = _task(lambda fetching: fetching.result(), "fetch pages", retries=2)
analyse_task = _task(lambda pending: pending.result(), "extract, tag, find deals")
store_task = _task(store, "store batch")
search_task = _task(refresh_search, "refresh the search index")
finish_task = _task(
    finish_run, "link known articles to feeds, keep feed validators, refresh the search index"
)
retry_entries_task = _task(retry_entries, "load failed pages' articles")
fetch_retries_task = _task(fetch_retry_pages, "fetch failed pages again", retries=2)
store_retries_task = _task(store_retries, "upgrade articles whose page arrived")


def retry_pages(
    settings: Settings,
    summary: IngestSummary,
    analyser: Analyser,
    version: str,
    *,
    force: bool = False,
    since: datetime | None = None,
    feed_id: str | None = None,
) -> None:
    """Fetch failed pages of earlier runs again (those due, or all with `force`) in batches;
    upgrade the articles whose page arrives, in place."""
    # A plain call, not a task: it runs every ingest, usually to find nothing.
    ids = due_retries(settings, summary.run_id, force=force, since=since, feed_id=feed_id)
    limits = settings.fetch_limits()
    for start in range(0, len(ids), settings.batch_size):
        pairs = retry_entries_task(settings, ids[start : start + settings.batch_size])
        pages = fetch_retries_task(quote([entry for _, entry in pairs]), limits)
        analysed = analyser(pages)
        counts: RetryCounts = store_retries_task(
            settings, [i for i, _ in pairs], quote(analysed), version
        )
        fetched, blocked, failed = page_counts(pages)
        summary.pages_fetched += fetched
        summary.pages_blocked += blocked
        summary.pages_failed += failed
        summary.pages_retried += counts.retried
        summary.articles_upgraded += counts.upgraded
        summary.mentions += counts.mentions
        summary.deals += counts.deals
    if ids:
        log.info(
            "failed pages fetched again: %d, %d articles upgraded to the page's text",
            summary.pages_retried, summary.articles_upgraded,
        )  # fmt: skip


def run_ingest(
    feed_urls: list[str] | None = None,
    feeds_file: str | None = None,
    home: str | None = None,
    force: bool = False,
    overrides: dict[str, Any] | None = None,
    save: bool = False,
) -> dict[str, Any]:
    """Fetch the due feeds, store every new article with its mentions and deals; return the
    run's figures.

    Feeds come from `feed_urls` (fetched this once, added to the feed list only if `save`),
    else `feeds_file`, else the warehouse's feed list; feeds backing off after failures are
    skipped unless `force`. `overrides` sets settings for this
    run only (e.g. `{"allowed_private_hosts": ["127.0.0.1:8765"]}`). A failing feed or page
    is recorded with its reason and never fails the run; only a systemic fault (the warehouse
    unusable) does. When another ingest holds the warehouse, nothing is done and the result
    is `{"skipped": reason}`.
    """
    quiet_interrupts()
    ignore_ctrl_c_if_served()  # serve ends its runs itself (flows/held_signals.py)
    stops_survive_finalizers()
    memory.limit_heaps()  # before the run starts its threads (flows/memory.py)
    settings = load_settings(home, **(overrides or {}))
    try:
        # No stop lost in DuckDB's import of pandas (flows/held_signals.py).
        with pandas_known_absent(), ingest_lock(settings.warehouse), feed_lease(settings) as lease:
            return _ingest(settings, feed_urls, feeds_file, force, save, lease)
    except IngestRunningError as exc:
        # Not a failure: the run that holds the lock does the work. Say so, record it, stop.
        now = datetime.now(UTC)
        row = IngestSummary(run_id=uuid.uuid4().hex[:16]).run_row("skipped", now, str(exc))
        write_run(settings, row)
        return {"skipped": str(exc), "run_id": row["run_id"]}


def _ingest(
    settings: Settings,
    feed_urls: list[str] | None,
    feeds_file: str | None,
    force: bool,
    save: bool = False,
    lease: FeedLease | None = None,
) -> dict[str, Any]:
    watchlist = settings.load_watchlist()
    limits = settings.fetch_limits()
    summary = IngestSummary(run_id=uuid.uuid4().hex[:16])
    started = datetime.now(UTC)
    if lease is not None:  # a lake: the run beats, so that a killed one is told from a live one
        lease.beat_for(summary.run_id)
    write_run(settings, summary.run_row("running", started))
    analyser = Analyser(watchlist, settings.workers, settings.deal_model)
    try:
        feeds, summary.feeds_skipped = prepare_task(
            settings, feed_urls, feeds_file, watchlist, force, save
        )
        summary.feeds_total = len(feeds) + summary.feeds_skipped
        counter = Progress("feeds", len(feeds))
        # The pool's workers start while the feeds are read, once these are seen being
        # parsed (flows/warm_start.py): on the core the parser leaves idle, not after it;
        # once up, they parse feeds too, beside this process's thread.
        parsers = FeedParsers()
        warming = WarmWhenParsing(lambda: analyser.warm_up(on_ready=parsers.add), counter.tick)
        fetches = fetch_feeds_task(quote(feeds), limits, warming, quote(lease), quote(parsers))
        if parsers.in_executors:
            log.debug("feeds parsed by the analysis pool: %d", parsers.in_executors)
        summary.feeds_held = len(feeds) - len(fetches)  # another worker's (a lake)
        summary.feeds_skipped += summary.feeds_held
        counter.close()
        memory.trim()  # the feeds' bodies and parse trees are gone; their entries stay
        feed_links = FeedLinks(fetches)  # every entry keyed once for the whole run
        entries = select_task(settings, summary.run_id, quote(fetches), quote(feed_links))
        summarise_fetches(summary, fetches)
        summary.entries_new = len(entries)
        if warming.started and not entries:
            analyser.close(abandon=True)  # nothing to analyse: the warm workers go at once
        log_feeds(summary, counter.seconds)
        # What the run holds from here to its end (imports, the feeds' entries) is left out
        # of the cyclic collector's passes, which walked all of it 34 times at 5,000 articles
        # (1.5 s of the ingest process's CPU); `finally` hands it back.
        gc.freeze()
        pages_done = Progress("pages", len(entries))
        batches_total = -(-len(entries) // settings.batch_size)

        def store_batches(batches: Sequence[tuple[int, PageTally, list[Analysed]]]) -> None:
            analysed = [a for _, _, batch in batches for a in batch]
            counts = store_task(
                settings, summary.run_id, quote(analysed), quote(feed_links), watchlist.version
            )
            pages = PageTally.joined([tally for _, tally, _ in batches])
            summarise_batch(summary, pages, counts)
            log_store([number for number, _, _ in batches], batches_total, counts)
            memory.trim()  # the batches' pages and rows, freed

        waiting = StoreGroups(settings.store_size, store_batches)

        def finish_batch(number: int, pages: PageTally, pending: Pending) -> None:
            analysed: list[Analysed] = analyse_task(quote(pending))
            pages_done.close()
            log_batch(number, batches_total, pages, pages_done)
            waiting.add((number, pages, analysed), len(analysed))

        def store_while_fetching(fetching: PendingPages) -> None:
            # A slow network: batches the pool has finished are taken while the next one
            # downloads (oldest first), and once the pool has none left to analyse, they
            # are stored without waiting for `store_size`: the cores would be idle. While
            # the pool has work, a store would take its CPU, as the download ends anyway.
            while not fetching.done():
                if in_flight and in_flight[0][2].done():
                    finish_batch(*in_flight.popleft())
                elif waiting and not in_flight:
                    waiting.flush()
                elif in_flight:  # the first to finish of the oldest batch and the download
                    oldest = in_flight[0][2]
                    either: list[Future[Any]] = [*fetching.futures(), *oldest.futures()]
                    wait([f for f in either if not f.done()], return_when=FIRST_COMPLETED)
                else:
                    return

        # A pipeline: while batch N-2 is stored, batches N-1 and N are on the pool and batch
        # N+1 downloads (in the page fetcher's thread), so the cores are not idle while we
        # wait on the network or DuckDB: the pool has a batch in hand when it finishes one,
        # even when a store takes longer than an analysis. Stored in the order fetched.
        size = settings.batch_size
        chunks = [entries[start : start + size] for start in range(0, len(entries), size)]
        with analyser, PageFetcher(limits, pages_done.tick) as fetcher:
            analyser.warm_up(len(entries))  # when the feeds were not parsed enough to start it
            fetching = fetcher.submit(chunks[0]) if chunks else None
            in_flight: deque[tuple[int, PageTally, Pending]] = deque()
            for number in range(1, len(chunks) + 1):
                assert fetching is not None  # a batch is downloading until the last
                store_while_fetching(fetching)
                pages = fetch_pages_task(quote(fetching))
                fetching = fetcher.submit(chunks[number]) if number < len(chunks) else None
                in_flight.append((number, PageTally.of(pages), analyser.submit(pages)))
                del pages  # the pool's work items hold them until analysed, then they go
                if len(in_flight) > ANALYSED_AHEAD:
                    finish_batch(*in_flight.popleft())
            while in_flight:
                finish_batch(*in_flight.popleft())
            waiting.flush()
            retry_pages(settings, summary, analyser, watchlist.version, force=force)
        changed = bool(summary.articles_new or summary.articles_upgraded)
        finish_task(settings, quote(fetches), quote(feed_links), changed)
    except BaseException as exc:
        # Stopped from outside (serve stopping: SIGTERM, Ctrl-C) is not a failure of the run.
        status = "interrupted" if stopped_from_outside(exc) else "failed"
        # A second Ctrl-C or SIGTERM (serve sends another to a run that outlives the first)
        # waits until the row is written.
        with held_signals():
            # Workers started while the feeds were read, when the run stopped before the
            # batches (the batches' pool was closed on the way here).
            analyser.close(abandon=True)
            write_run(settings, summary.run_row(status, started, f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        gc.unfreeze()
    write_run(settings, summary.run_row("completed", started))
    log.info(
        "ingest %s completed in %.1f s: %d new articles, %d mentions, %d deals",
        summary.run_id, (datetime.now(UTC) - started).total_seconds(),
        summary.articles_new, summary.mentions, summary.deals,
    )  # fmt: skip
    return asdict(summary)


def run_refetch(
    home: str | None = None,
    since: datetime | None = None,
    feed_id: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fetch every failed page again (articles published since `since`, carried by the feed
    `feed_id`), whatever its schedule; upgrade the articles whose page arrives. Recorded in
    `runs` as flow "refetch"; skipped while an ingest runs."""
    stops_survive_finalizers()
    settings = load_settings(home, **(overrides or {}))
    summary = IngestSummary(run_id=uuid.uuid4().hex[:16])
    started = datetime.now(UTC)
    try:
        with pandas_known_absent(), ingest_lock(settings.warehouse, holder="refetch"):
            write_run(settings, summary.run_row("running", started, flow="refetch"))
            try:
                watchlist = settings.load_watchlist()
                with Analyser(watchlist, settings.workers, settings.deal_model) as analyser:
                    retry_pages(
                        settings, summary, analyser, watchlist.version,
                        force=True, since=since, feed_id=feed_id,
                    )  # fmt: skip
                search_task(settings, bool(summary.articles_upgraded))
            except BaseException as exc:
                error = f"{type(exc).__name__}: {exc}"
                # Stopped from outside (Ctrl-C, SIGTERM) is not a failure, as for ingest.
                status = "interrupted" if stopped_from_outside(exc) else "failed"
                with held_signals():
                    write_run(settings, summary.run_row(status, started, error, flow="refetch"))
                raise
            write_run(settings, summary.run_row("completed", started, flow="refetch"))
    except IngestRunningError as exc:
        return {"skipped": str(exc), "run_id": summary.run_id}
    return asdict(summary)


# The Prefect flows `ingest` and `refetch` (run_ingest, run_refetch), built when first looked
# up; a one-off command without a Prefect server calls the functions (flows/oneoff.py).
_flows = prefect_flows(globals(), ingest=run_ingest, refetch=run_refetch)


def __getattr__(name: str) -> Any:
    return _flows(name)
