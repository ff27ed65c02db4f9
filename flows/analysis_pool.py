"""Running `extractors.analyse` over a batch: inline for small batches, on a process pool otherwise.

`submit` returns while the pool works, so the ingest fetches the next batch and stores the
last one in the meantime (fetching is I/O, storing is DuckDB: both leave the cores free).

Extraction is CPU bound (trafilatura, about 25 ms a page), so larger batches go to one
worker process per core. The pool lives for a whole ingest run, and each worker builds the
tagger once, not once per page. A worker exits as soon as the ingest that started it is
gone, even killed outright (kill -9): it would otherwise wait for work forever.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

from extractors.analyse import analyse
from extractors.charset import decoded
from extractors.entities import Tagger
from extractors.records import PageInput, Watchlist
from flows import memory
from flows.analysed import Analysed, with_rows
from flows.pool_context import LeanSpawn

if TYPE_CHECKING:
    from extractors.budget import Budget
    from flows.retag_rows import Retagged, StoredArticle

# Below this many pages, starting worker processes costs more than it saves.
POOL_THRESHOLD = 8

_worker_tagger: Tagger | None = None
_worker_version = ""  # the watchlist's version, which the mention rows carry
_worker_budget: Budget | None = None  # None: extractors.budget's default


def _exit_with_parent() -> None:
    """Exit this worker when the process that started it ends, however it ends.

    A pool worker waits on a queue whose write end it holds itself, so it never sees its
    parent die. The parent's sentinel (a pipe the parent holds open, flows/pool_context.py)
    reads as closed once the parent is gone.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)  # no cleanup to do: results go nowhere now

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _init_worker(watchlist: Watchlist, deal_model: bool = True) -> None:
    global _worker_tagger, _worker_version, _worker_budget
    # Ctrl-C in a terminal reaches the whole process group: the parent decides what happens
    # (it closes the pool, or ends and `_exit_with_parent` ends us), so a worker waiting for
    # work does not print a KeyboardInterrupt traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    memory.limit_heaps()
    _exit_with_parent()
    # What analyse() imports when first called (extraction, deal rules, fingerprints), here,
    # so a warmed-up worker does it before the first batch arrives.
    import extractors.article
    import extractors.budget
    import extractors.fingerprint
    import extractors.stories  # noqa: F401

    _worker_tagger = Tagger(watchlist)
    _worker_version = watchlist.version
    _worker_budget = _budget(deal_model)
    memory.trim()  # building the tagger's tables left freed heap behind
    atexit.register(_exit_at_once)


def _budget(deal_model: bool) -> Budget | None:
    """The analysis's budget: the default (with the deal model), or without the model when
    the setting is off (the ingest's own process imports extractors.budget, which brings the
    deal rules, only then)."""
    if deal_model:
        return None
    from extractors.budget import Budget

    return Budget(deal_model=False)


def _exit_at_once() -> None:
    """A worker's end, once the pool is shut down: without tearing down its heap (the
    tagger's tables, the English word list, the extraction libraries), which took 0.09-0.17 s
    that the ingest waited for in the pool's shutdown before its closing step. Its results
    went back as it made them, and multiprocessing has flushed its output and run its own
    clean-up before the interpreter's exit handlers; its log handlers are flushed here.
    Registered last, this runs first: the interpreter's other exit handlers do not run."""
    logging.shutdown()
    os._exit(0)


def _ready() -> bool:
    return _worker_tagger is not None


def _analyse_chunk(pages: Sequence[PageInput]) -> list[Analysed]:
    assert _worker_tagger is not None
    try:
        # Pages come as fetched (bytes): decoding here, not in the ingest, keeps it off the
        # one process whose CPU is not spread over the cores; so do the mentions and deals
        # sent back as rows (flows/analysed.py).
        tagger, version, budget = _worker_tagger, _worker_version, _worker_budget
        return [with_rows(analyse(decoded(page), tagger, budget), version) for page in pages]
    finally:
        memory.trim()  # the pages' parse trees, freed: a worker stays at its working size


def _retag_chunk(articles: Sequence[StoredArticle]) -> Retagged:
    from flows.retag_rows import retag_rows  # a retag's workers only

    assert _worker_tagger is not None
    try:
        return retag_rows(articles, _worker_tagger, _worker_version, _worker_budget)
    finally:
        memory.trim()


class Pending:
    """A batch being analysed: `result()` waits for it, in the order the pages were given."""

    def __init__(
        self,
        done: list[Analysed] | None = None,
        futures: list[Future[list[Analysed]]] | None = None,
    ) -> None:
        self._done = done
        self._futures = futures or []

    def done(self) -> bool:
        """Whether `result()` would not wait for the pool."""
        return self._done is not None or all(f.done() for f in self._futures)

    def futures(self) -> list[Future[list[Analysed]]]:
        """What to wait on (with others, `concurrent.futures.wait`) until `done()`."""
        return [] if self._done is not None else list(self._futures)

    def result(self) -> list[Analysed]:
        if self._done is None:
            self._done = [a for f in self._futures for a in f.result()]
        return self._done

    def cancel(self) -> None:
        for f in self._futures:
            f.cancel()


class Analyser:
    """Analyses batches of pages; use as a context manager so the pool is shut down."""

    def __init__(self, watchlist: Watchlist, workers: int, deal_model: bool = True) -> None:
        self.watchlist = watchlist
        self.workers = max(1, workers)
        self.deal_model = deal_model  # the setting: the deal model's deals besides the rules'
        self.budget = _budget(deal_model)
        self._tagger: Tagger | None = None
        self._pool: ProcessPoolExecutor | None = None

    @property
    def tagger(self) -> Tagger:
        # Built on first use: with a pool, the workers tag and this process never needs one
        # (a tagger holds its automaton and the English word list: tens of MB to hundreds).
        if self._tagger is None:
            self._tagger = Tagger(self.watchlist)
        return self._tagger

    def __call__(self, pages: Sequence[PageInput]) -> list[Analysed]:
        return self.submit(pages).result()

    def submit(self, pages: Sequence[PageInput]) -> Pending:
        """Start analysing `pages` and return at once when they go to the pool, so the
        caller can fetch the next batch and store the last one meanwhile."""
        # Small batches inline, unless the pool is up anyway (a run's last, short batch).
        if self.workers == 1 or (self._pool is None and len(pages) < POOL_THRESHOLD):
            version = self.watchlist.version  # the tagger built only for pages to tag
            return Pending(
                done=[
                    with_rows(analyse(decoded(p), self.tagger, self.budget), version) for p in pages
                ]
            )
        chunk = max(1, len(pages) // (self.workers * 4))
        chunks = [pages[i : i + chunk] for i in range(0, len(pages), chunk)]
        return Pending(futures=[self._executor().submit(_analyse_chunk, c) for c in chunks])

    def retag(self, articles: Sequence[StoredArticle]) -> Future[Retagged]:
        """Tag stored articles again (flows/retag.py): on the pool, or here with one worker."""
        if self.workers == 1:
            from flows.retag_rows import retag_rows

            done: Future[Retagged] = Future()
            done.set_result(retag_rows(articles, self.tagger, self.watchlist.version, self.budget))
            return done
        return self._executor().submit(_retag_chunk, articles)

    def warm_up(
        self, pages: int | None = None, on_ready: Callable[[Executor], None] | None = None
    ) -> None:
        """Start the pool's workers now, so they import and build their tagger (a second or
        two each) while this process does other work: reading the feeds, when how many pages
        there will be is not known yet (`pages` None), or fetching the first batch. Not when
        `pages` are known and too few for the pool. `on_ready(pool)` is called as each
        worker is taken to be ready (from the pool's thread): the feeds are parsed there
        too (extractors/crawl.py `FeedParsers`)."""
        if self.workers == 1 or (pages is not None and pages < POOL_THRESHOLD):
            return
        pool = self._executor()

        def started(ready: Future[bool]) -> None:
            if on_ready is not None and not ready.cancelled() and ready.exception() is None:
                on_ready(pool)

        for _ in range(self.workers):
            # Each submit starts a worker, until all are up.
            pool.submit(_ready).add_done_callback(started)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=LeanSpawn(),
                initializer=_init_worker,
                initargs=(self.watchlist, self.deal_model),
            )
        return self._pool

    def close(self, abandon: bool = False) -> None:
        """Stop the pool; `abandon` (the run is ending on an error or an interrupt, or warm
        workers are not needed after all) stops the workers at once instead of waiting for
        the chunks they are analysing or for their start. The analyser stays usable: a
        later batch starts a new pool."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            workers = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=not abandon, cancel_futures=True)
            if abandon:
                for worker in workers:
                    worker.terminate()
                for worker in workers:
                    worker.join(timeout=5)

    def __enter__(self) -> Analyser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(abandon=exc_type is not None)
