"""Fetching the ingest's pages ahead, on an event loop of its own thread.

The ingest asks for batch N+1 before it stores batch N-1, so the download overlaps the
store (DuckDB) and the analysis (the pool) instead of waiting for them. One fetcher serves
the whole run: its connection pool, its TLS setup (two certificate stores loaded, about
70 ms of CPU each time) and each host's robots.txt are set up once, not once per batch, and
its per-host pacing carries from one batch to the next. At most one batch is fetched ahead,
so the pages held in memory stay bounded whatever the number of new entries.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Sequence
from types import TracebackType

from extractors.crawl import Tick, fetch_pages, fetch_pages_with
from extractors.fetch import Fetcher, FetchLimits
from extractors.records import FeedEntry, PageInput
from extractors.robots import RobotsCache
from flows.progress import log

CLOSE_WAIT = 30.0  # seconds to let the fetcher close its connections at the end of a run


class PendingPages:
    """A batch being fetched: `result()` waits for its pages, in the order of the entries.

    Should the background fetch fail as a whole (the event loop, the resolver), `result()`
    raises; called again (a step's retry), it fetches the batch anew in this thread."""

    def __init__(
        self,
        future: concurrent.futures.Future[list[PageInput]] | None,
        entries: Sequence[FeedEntry],
        limits: FetchLimits,
        tick: Tick | None,
    ) -> None:
        self._future = future
        self.entries, self._limits, self._tick = entries, limits, tick

    def done(self) -> bool:
        """Whether `result()` would not wait for the background fetch."""
        return self._future is None or self._future.done()

    def futures(self) -> list[concurrent.futures.Future[list[PageInput]]]:
        """What to wait on (with others, `concurrent.futures.wait`) until `done()`."""
        return [] if self._future is None else [self._future]

    def result(self) -> list[PageInput]:
        if self._future is not None:
            future, self._future = self._future, None
            return future.result()
        return asyncio.run(fetch_pages(self.entries, self._limits, self._tick))


class PageFetcher:
    """Fetches batches of pages in the background with one fetcher for the whole run; use
    as a context manager so its connections and thread are closed."""

    def __init__(self, limits: FetchLimits, tick: Tick | None = None) -> None:
        self.limits, self.tick = limits, tick
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._fetcher: Fetcher | None = None
        self._robots: RobotsCache | None = None
        self._running: set[concurrent.futures.Future[list[PageInput]]] = set()

    def submit(self, entries: Sequence[FeedEntry]) -> PendingPages:
        """Start fetching the pages of `entries`; returns at once."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="page-fetcher", daemon=True
            )
            self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._fetch(entries), self._loop)
        self._running = {f for f in self._running if not f.done()} | {future}
        return PendingPages(future, entries, self.limits, self.tick)

    async def _fetch(self, entries: Sequence[FeedEntry]) -> list[PageInput]:
        if self._fetcher is None or self._robots is None:
            fetcher = Fetcher(self.limits)
            await fetcher.__aenter__()
            self._fetcher, self._robots = fetcher, RobotsCache(fetcher)
        # Bodies undecoded: the analysis workers decode them (flows/analysis_pool.py).
        return await fetch_pages_with(self._fetcher, self._robots, entries, self.tick, decode=False)

    async def _close(self) -> None:
        if self._fetcher is not None:
            fetcher, self._fetcher = self._fetcher, None
            await fetcher.__aexit__(None, None, None)
        loop = asyncio.get_running_loop()
        await loop.shutdown_asyncgens()
        await loop.shutdown_default_executor()  # decode_html's threads

    def close(self) -> None:
        """Stop fetching (a batch still downloading is cancelled: the run is over or failed),
        close the connections, end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None
        for future in self._running:
            future.cancel()
        try:
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(CLOSE_WAIT)
        except Exception as exc:
            # Closing connections must not hide how the run went; say what happened.
            log.debug("page fetcher: closing failed: %s: %s", type(exc).__name__, exc)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_WAIT)
        if not thread.is_alive():
            loop.close()

    def __enter__(self) -> PageFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
