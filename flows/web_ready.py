"""What search keeps per state of the warehouse file, made ready off the request path.

At 1M articles the first search after the web server starts, or after an ingest changed the
file, read the index's facts and the documents' times (warehouse/index_facts.py) and loaded
the stemmer (warehouse/query_terms.py): about 0.4 s that one request paid. `Readiness` does
that work when the server starts, before it answers (waiting at most `START_WAIT`), and again
in a thread of its own when the file has changed and then stayed unchanged for one poll (an
ingest writes in several short transactions: between them it is left alone). A request that
comes while it works waits for that one computation (index_facts.kept lets only one run), or
computes what it needs itself if the file changed again.

It reads as a request does: a read-only connection opened for one pass and closed after it,
so an ingest is never held up for longer than one page would hold it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import duckdb

from warehouse import index_facts, search
from warehouse.errors import QueryError, WarehouseError

POLL = 0.5  # seconds between looks at the file's state (an os.stat each)
START_WAIT = 10.0  # seconds the server waits for the first pass before it answers anyway

log = logging.getLogger("labwatch")
Opener = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


class Readiness:
    """Prepares search for `path` (opened by `opener`) at start and after each change."""

    def __init__(self, path: Path, opener: Opener, poll: float = POLL) -> None:
        self.path = path
        self.opener = opener
        self.poll = poll
        self.prepared: tuple[int, ...] | None = None  # the file's state last prepared
        self.passes = 0  # passes that prepared a state (the record tests read)
        self._tried: tuple[int, ...] | None = None  # the state last tried, prepared or not
        self._first = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def prepare(self) -> bool:
        """One pass for the file's state now; False if it could not be read (no file yet, a
        writer holding it past the lock wait, no index: the next change tries again)."""
        try:
            with self.opener() as con:
                key = index_facts.file_key(self.path)  # unchanged while `con` is open
                self._tried = key
                facts = search.prepare(con, self.path)
        except (WarehouseError, QueryError, duckdb.Error):
            return False
        if facts.state == index_facts.MISSING:
            return False
        self.prepared = key
        self.passes += 1
        return True

    def _pass(self) -> None:
        try:
            self.prepare()
        except Exception:  # anything else: the requests compute it as before; keep watching
            log.exception("web: could not prepare search for %s", self.path)

    def _run(self) -> None:
        self._pass()
        self._first.set()
        seen = index_facts.file_key(self.path)
        while not self._stop.wait(self.poll):
            now = index_facts.file_key(self.path)
            # Changed since the last pass, and not since the last look: the writer is done.
            if now == seen and now not in (self.prepared, self._tried):
                self._pass()
            seen = now

    def start(self, wait: float = START_WAIT) -> None:
        """The thread started; returns after its first pass (or `wait` seconds)."""
        self._thread = threading.Thread(target=self._run, name="labwatch-web-ready", daemon=True)
        self._thread.start()
        self._first.wait(wait)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
