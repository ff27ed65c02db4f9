"""Hold Ctrl-C and SIGTERM while a run records how it ended; ignore Ctrl-C in a served run.

A run stopped from outside can be sent two signals. Under `labwatch serve` a flow run does
not always keep serve's blocked SIGINT (seen in /proc: some runs' main threads have it
unblocked), so a terminal's Ctrl-C reaches the run and serve's SIGTERM follows a moment
later; a user may also press Ctrl-C twice. The second one, landing while the run wrote its
`interrupted` row, aborted the write and left the run `running` in the warehouse (in CI,
and once in 29 stops here under load). Held here, it waits until the row is written and is
raised then, so the run still stops. A run serve started ignores Ctrl-C altogether
(`ignore_ctrl_c_if_served`): serve ends it with SIGTERM. And a stop can be lost: Python
drops the exception a handler raises inside a finalizer, so such a stop is sent again
(`stops_survive_finalizers`; serve also sends another to a run that outlives its first),
and DuckDB drops one that lands in its attempt to import pandas (`pandas_known_absent`).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_STOPS = {signal.SIGINT, signal.SIGTERM}
# Set by `labwatch serve` for the processes it starts; Prefect's runner sets the other in
# each flow run's process.
SERVED = "LABWATCH_SERVED"
_FLOW_RUN = "PREFECT__FLOW_RUN_ID"


def stopped_from_outside(exc: BaseException | None) -> bool:
    """Whether an exception ending a run is its stop (Ctrl-C, a SIGTERM as Prefect's
    TerminationSignal: exceptions that are not `Exception`s), or what a stop caused where it
    landed: DuckDB ends a statement it interrupts with RuntimeError("Query interrupted")
    raised from the signal's exception, and a rollback then may raise another. Such a run
    is `interrupted`, not `failed`."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if not isinstance(exc, Exception):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def ignore_ctrl_c_if_served() -> bool:
    """In a flow run's process under `labwatch serve`, ignore SIGINT: a terminal's Ctrl-C
    reaches serve's whole process group, and serve ends its runs itself (SIGTERM, then the
    run records how it ended). Serve blocks SIGINT for the processes it starts, but a run's
    main thread does not always keep the block, and a Ctrl-C that reached one interrupted its
    store mid-statement ("Query interrupted", a traceback in serve's log). Whether it did."""
    if os.environ.get(SERVED) != "1" or not os.environ.get(_FLOW_RUN):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return True


@contextmanager
def held_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block: those that arrive meanwhile are only noted, and
    raised again in this process when it ends, so their own handlers run then (SIGTERM
    first, what serve and Prefect act on; once a handler raises, the rest are dropped: the
    run is stopping). The handlers are swapped, not the signals blocked: a run has other
    threads (DuckDB's, the page fetcher's, Prefect's), the kernel hands a signal to one that
    does not block it, and Python runs the handler in the main thread all the same. Python
    runs handlers in the main thread only, so elsewhere nothing needs holding. (Prefect
    does not see its SIGTERM handler during the block: a cancel from its UI then is
    reported as a crash.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    swapped: list[tuple[int, Any]] = []

    def note(signum: int, frame: object) -> None:
        arrived.append(signum)

    try:
        for stop in (signal.SIGTERM, signal.SIGINT):
            handler = signal.getsignal(stop)
            # None: set outside Python, not ours to swap; SIG_IGN: nothing to hold.
            if handler is not None and handler is not signal.SIG_IGN:
                swapped.append((stop, handler))  # before the swap: put back whatever follows
                signal.signal(stop, note)
        yield
    finally:
        _put_back(swapped)
        for stop in (signal.SIGTERM, signal.SIGINT):
            if stop in arrived:
                signal.raise_signal(stop)


def _put_back(swapped: list[tuple[int, Any]]) -> None:
    """Each handler back, even if one put back first runs and raises in between."""
    if swapped:
        (stop, handler), rest = swapped[0], swapped[1:]
        try:
            signal.signal(stop, handler)
        finally:
            _put_back(rest)


def stops_survive_finalizers() -> None:
    """Send a stop again when Python dropped it: a signal handler's exception (Prefect's
    TerminationSignal, KeyboardInterrupt) raised while a finalizer (`__del__`, a weakref
    callback) runs is printed as "Exception ignored" and the run goes on, its stop lost.
    Python reports such exceptions to `sys.unraisablehook`; the signal is sent again from a
    thread a moment later, so that its handler runs after the finalizer, in the run's own
    code. Called as a flow starts; once a process."""
    if getattr(sys.unraisablehook, "_labwatch_stops", False):
        return
    report = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        report(unraisable)
        exc = unraisable.exc_value
        signum = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else getattr(exc, "signal", 0)
        if signum in _STOPS and not isinstance(exc, Exception):
            again = threading.Timer(0.05, os.kill, (os.getpid(), signum))
            again.daemon = True
            again.start()

    hook._labwatch_stops = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


@contextmanager
def pandas_known_absent() -> Iterator[None]:
    """For the block, where pandas is not installed, have `sys.modules` say so (None: what
    Python puts there for a module known absent). DuckDB tries `import pandas` twice at every
    statement with parameters, and each try runs Python's import machinery, where a stop's
    signal handler can run: DuckDB takes the exception it raises for "no pandas" and drops
    it, and the run goes on as if no stop had come (31 of 286 stops sent during such
    statements, docs/architecture.md). With None there the import fails at once, in C,
    running no handler (and a statement with parameters is 0.1 ms faster); `import pandas`
    still raises ModuleNotFoundError and importlib.util.find_spec still answers None. Only
    while a run runs (flows/ingest.py): pyarrow, which none of our runs imports, reads a
    None there as pandas loaded and fails."""
    if "pandas" in sys.modules or importlib.util.find_spec("pandas") is not None:
        yield
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if "pandas" in sys.modules and sys.modules["pandas"] is None:
            del sys.modules["pandas"]
