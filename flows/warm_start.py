"""When the ingest starts its analysis pool: while the feeds are read, once they are seen
being parsed (issue 19: the run's serial start).

A pool worker takes about a second of CPU to start (imports, its tagger). Started after the
feeds are read, that is serial time before the first batch is analysed; started while they
are read, it runs on the core that parsing them leaves idle (the parser holds the GIL: one
core). But a scheduled run whose feeds are unchanged (304s, bodies seen before) brings
nothing to analyse, and workers started for it cost it CPU and about 100 MB of memory for
nothing (docs/benchmarks.md). Such feeds are not parsed, and parsing is what fetching alone
never does: CPU in threads other than the one fetching (the parser runs in
`asyncio.to_thread`, extractors/crawl.py). So the workers start once those threads have used
`PARSING_CPU` seconds: a few feeds parsed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from extractors.crawl import Tick
from flows.progress import log

# CPU seconds the feed step's other threads use before the pool starts: about five feeds of
# 50 entries parsed; the threads a run has besides (Prefect's, the lake's heartbeat) use a
# few milliseconds in a feed step.
PARSING_CPU = 0.08


class WarmWhenParsing:
    """A feed step's tick (called as each feed is done, in the thread that fetches) that calls
    `start` once, when the process's other threads have used `cpu` seconds since the step
    began (`started` says whether it did)."""

    def __init__(
        self, start: Callable[[], None], tick: Tick | None = None, cpu: float = PARSING_CPU
    ) -> None:
        self._start, self._tick, self._cpu = start, tick, cpu
        self.started = False
        self._thread = threading.get_ident()
        self._base = time.process_time() - time.thread_time()

    def _others(self) -> float:
        """CPU seconds the process's threads other than this one used since the step began."""
        if threading.get_ident() != self._thread:
            # Ticks come from another thread than the one that made this: count from now
            # (a step's own retries, or a runner that fetches in a thread of its own).
            self._thread = threading.get_ident()
            self._base = time.process_time() - time.thread_time()
        return time.process_time() - time.thread_time() - self._base

    def __call__(self) -> None:
        if self._tick is not None:
            self._tick()
        if not self.started and (others := self._others()) >= self._cpu:
            self.started = True
            log.debug("analysis pool started: %.2f s of CPU parsing feeds", others)
            self._start()
