"""Fetching many feeds and pages concurrently, each failure kept with its reason.

One bad feed or page never stops the others: every outcome comes back as a record, and the
caller stores it. Feeds are fetched conditionally (ETag, Last-Modified, and a hash of the
last body for servers that ignore both), so an unchanged feed costs no parsing.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import BrokenExecutor, Executor
from contextlib import asynccontextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from extractors.charset import decode_html
from extractors.errors import (
    HARD,
    FetchError,
    HTTPStatusError,
    NotAFeedError,
    RobotsDeniedError,
)
from extractors.feeds import parse_feed, unusable
from extractors.fetch import Fetcher, FetchLimits
from extractors.records import (
    NOT_MODIFIED,
    OK,
    FeedEntry,
    FeedFetch,
    FeedSpec,
    PageInput,
    ParsedFeed,
)
from extractors.robots import RobotsCache
from extractors.urls import redact

T = TypeVar("T")

# Content types that are certainly not a feed; anything else is given to the parser, since
# real feeds are served as text/html, text/plain and application/octet-stream too.
_NOT_FEED_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def _conditional_headers(feed: FeedSpec) -> dict[str, str]:
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
    }
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


Parse = Callable[[bytes, str, Mapping[str, str]], Awaitable[ParsedFeed]]
_Job = tuple[bytes, str, dict[str, str], "asyncio.Future[ParsedFeed]"]


class FeedParsers:
    """Where fetched feeds are parsed: in one thread of this process (the parser holds the
    GIL: more threads parse no faster), and in the executors `add`ed while the feeds are read
    (the ingest's analysis pool, once its workers are up: then the feeds are parsed on the
    cores, not only under this process's GIL), each feed by whichever is free first. One
    object serves every `fetch_feeds` of a run (a lake's run fetches in chunks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executors: list[Executor] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._jobs: asyncio.Queue[_Job] | None = None
        self._consumers: list[asyncio.Task[None]] = []
        self.in_executors = 0  # feeds parsed in an added executor

    def add(self, executor: Executor) -> None:
        """Parse in `executor` too, a feed at a time (call once per worker to use); from any
        thread."""
        with self._lock:
            self._executors.append(executor)
            loop = self._loop
        if loop is not None:
            with suppress(RuntimeError):  # the loop closed meanwhile: the feeds are read
                loop.call_soon_threadsafe(self._consume_in, executor)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Parse]:
        """`parse(body, url, headers)` for the feeds fetched within the block."""
        jobs: asyncio.Queue[_Job] = asyncio.Queue()
        with self._lock:
            self._loop, self._jobs = asyncio.get_running_loop(), jobs
            executors = list(self._executors)
        self._consumers = [asyncio.create_task(self._consume(jobs, None))]
        for executor in executors:
            self._consume_in(executor)

        async def parse(body: bytes, url: str, headers: Mapping[str, str]) -> ParsedFeed:
            done: asyncio.Future[ParsedFeed] = asyncio.get_running_loop().create_future()
            jobs.put_nowait((body, url, dict(headers), done))
            return await done

        try:
            yield parse
        finally:
            with self._lock:
                self._loop = self._jobs = None
            for task in self._consumers:
                task.cancel()
            await asyncio.gather(*self._consumers, return_exceptions=True)
            self._consumers = []

    def _consume_in(self, executor: Executor) -> None:
        if self._jobs is not None:
            self._consumers.append(asyncio.create_task(self._consume(self._jobs, executor)))

    async def _consume(self, jobs: asyncio.Queue[_Job], executor: Executor | None) -> None:
        while True:
            job = await jobs.get()
            body, url, headers, done = job
            if done.done():  # its fetch was cancelled
                continue
            try:
                parsed = await self._parse(executor, body, url, headers)
            except _ExecutorGone:
                jobs.put_nowait(job)  # parsed by another consumer; this one ends
                return
            except Exception as exc:  # the parser's own: NotAFeedError, or a fault
                if not done.done():
                    done.set_exception(exc)
                continue
            if not done.done():
                done.set_result(parsed)

    async def _parse(
        self, executor: Executor | None, body: bytes, url: str, headers: dict[str, str]
    ) -> ParsedFeed:
        if executor is None:
            return await asyncio.to_thread(parse_feed, body, url=url, headers=headers)
        try:
            future = executor.submit(parse_feed, body, url=url, headers=headers)
        except RuntimeError as exc:  # shut down (the run is ending) or broken
            raise _ExecutorGone from exc
        try:
            parsed = await asyncio.wrap_future(future)
        except BrokenExecutor as exc:  # a worker died
            raise _ExecutorGone from exc
        self.in_executors += 1
        return parsed


class _ExecutorGone(Exception):
    """An added executor can parse no more."""


async def _fetch_feed(fetcher: Fetcher, feed: FeedSpec, parse: Parse) -> FeedFetch:
    started = datetime.now(UTC)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        # Feed URLs are chosen by the user, so they may point at private hosts (an intranet
        # feed, the demo's loopback site); pages linked *from* feeds may not (see fetch_pages).
        result = await fetcher.get(feed.url, allow_private=True, headers=_conditional_headers(feed))
    except FetchError as exc:
        return FeedFetch(
            feed,
            started,
            exc.outcome,
            status=exc.status if isinstance(exc, HTTPStatusError) else None,
            duration=loop.time() - t0,
            error=str(exc),
            attempts=exc.attempts,
            retry_after=exc.retry_after if isinstance(exc, HTTPStatusError) else None,
        )
    fetched = FeedFetch(
        feed,
        started,
        OK,
        final_url=redact(result.final_url),  # stored and shown: never a password
        status=result.status,
        size=len(result.body),
        duration=loop.time() - t0,
        attempts=result.attempts,
        # A server that sends no validators this time keeps the ones we had.
        etag=result.headers.get("etag", feed.etag),
        last_modified=result.headers.get("last-modified", feed.last_modified),
        body_hash=feed.body_hash,
    )
    if result.status == 304:
        return replace(fetched, outcome=NOT_MODIFIED, note="304 Not Modified")
    body_hash = hashlib.sha256(result.body).hexdigest()[:32]
    fetched = replace(fetched, body_hash=body_hash)
    if body_hash == feed.body_hash:
        return replace(fetched, outcome=NOT_MODIFIED, note="body unchanged")
    if result.content_type.startswith(_NOT_FEED_TYPES):
        return replace(fetched, outcome=HARD, error=f"not a feed: served as {result.content_type}")
    try:
        # Parsing is CPU work: elsewhere than this thread, so the other fetches keep moving.
        parsed = await parse(result.body, result.final_url, result.headers)
    except NotAFeedError as exc:
        return replace(fetched, outcome=NotAFeedError.outcome, error=str(exc), body_hash="")
    failed = unusable(parsed)
    if failed:
        # Items, none usable: a failure (its rejected entries are still recorded), parsed
        # again next time.
        return replace(fetched, parsed=parsed, outcome=HARD, error=failed, body_hash="")
    return replace(fetched, parsed=parsed)


Tick = Callable[[], None]  # called once per feed or page done, for progress displays


async def _counted(work: Awaitable[T], tick: Tick | None) -> T:
    result = await work
    if tick is not None:
        tick()
    return result


async def fetch_feeds(
    feeds: Sequence[FeedSpec],
    limits: FetchLimits,
    tick: Tick | None = None,
    parsers: FeedParsers | None = None,
) -> list[FeedFetch]:
    """Fetch and parse every feed concurrently, in the order given (parsed by `parsers`:
    by default in a thread of this process)."""
    async with Fetcher(limits) as fetcher, (parsers or FeedParsers()).running() as parse:
        fetches = (_counted(_fetch_feed(fetcher, f, parse), tick) for f in feeds)
        return list(await asyncio.gather(*fetches))


async def _fetch_page(
    fetcher: Fetcher, robots: RobotsCache, entry: FeedEntry, decode: bool = True
) -> PageInput:
    try:
        await fetcher.check_address(entry.url)
        if not await robots.allowed(entry.url):
            raise RobotsDeniedError(entry.url, "disallowed by robots.txt")
        result = await fetcher.get(entry.url)
    except FetchError as exc:
        return PageInput(entry, page_error=str(exc), page_outcome=exc.outcome)
    # A missing content type is given the benefit of the doubt; a declared non-HTML one is not.
    if result.content_type and not result.content_type.startswith(_PAGE_TYPES):
        return PageInput(
            entry,
            result.final_url,
            page_error=f"not HTML: served as {result.content_type}",
            page_outcome=HARD,
        )
    content_type = result.headers.get("content-type", "")
    if not decode:
        return PageInput(entry, result.final_url, html=result.body, content_type=content_type)
    html = await asyncio.to_thread(decode_html, result.body, content_type)
    return PageInput(entry, result.final_url, html=html)


async def fetch_pages(
    entries: Sequence[FeedEntry], limits: FetchLimits, tick: Tick | None = None
) -> list[PageInput]:
    """Fetch the page of every entry concurrently, honouring robots.txt and the address
    guard (hosts in `limits.allowed_private_hosts` excepted); a failed page keeps its reason."""
    async with Fetcher(limits) as fetcher:
        return await fetch_pages_with(fetcher, RobotsCache(fetcher), entries, tick)


async def fetch_pages_with(
    fetcher: Fetcher,
    robots: RobotsCache,
    entries: Sequence[FeedEntry],
    tick: Tick | None = None,
    decode: bool = True,
) -> list[PageInput]:
    """`fetch_pages` with a fetcher and robots rules kept from batch to batch (an ingest's
    run): its connections, TLS setup and each host's robots.txt serve every batch. Without
    `decode`, each page keeps its body as bytes and its content type, for
    `extractors.charset.decoded` to turn into text later, in another process (the ingest's
    analysis workers)."""
    fetches = (_counted(_fetch_page(fetcher, robots, e, decode), tick) for e in entries)
    return list(await asyncio.gather(*fetches))
