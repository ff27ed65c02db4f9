"""Running `extractors.analyse` over a batch: inline for small batches, on a process pool otherwise.

Extraction is CPU bound (trafilatura, about 25 ms a page), so larger batches go to one
worker process per core. The pool lives for a whole ingest run, and each worker builds the
tagger once, not once per page.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from extractors.analyse import AnalysedArticle, PageInput, analyse
from extractors.entities import Tagger, Watchlist

# Below this many pages, starting worker processes costs more than it saves.
POOL_THRESHOLD = 8

_worker_tagger: Tagger | None = None


def _init_worker(watchlist: Watchlist) -> None:
    global _worker_tagger
    _worker_tagger = Tagger(watchlist)


def _analyse_in_worker(page: PageInput) -> AnalysedArticle:
    assert _worker_tagger is not None
    return analyse(page, _worker_tagger)


class Analyser:
    """Analyses batches of pages; use as a context manager so the pool is shut down."""

    def __init__(self, watchlist: Watchlist, workers: int) -> None:
        self.watchlist = watchlist
        self.workers = max(1, workers)
        self.tagger = Tagger(watchlist)
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, pages: Sequence[PageInput]) -> list[AnalysedArticle]:
        if self.workers == 1 or len(pages) < POOL_THRESHOLD:
            return [analyse(p, self.tagger) for p in pages]
        if self._pool is None:
            # forkserver, not fork: the flow runs threads (Prefect's), and forking a threaded
            # process can deadlock the child.
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_init_worker,
                initargs=(self.watchlist,),
            )
        chunk = max(1, len(pages) // (self.workers * 4))
        return list(self._pool.map(_analyse_in_worker, pages, chunksize=chunk))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Analyser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
