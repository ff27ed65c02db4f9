"""Hold Ctrl-C and SIGTERM while a run records how it ended; ignore Ctrl-C in a served run.

A run stopped from outside can be sent two signals. Under `labwatch serve` a flow run does
not always keep serve's blocked SIGINT (seen in /proc: some runs' main threads have it
unblocked), so a terminal's Ctrl-C reaches the run and serve's SIGTERM follows a moment
later; a user may also press Ctrl-C twice. The second one, landing while the run wrote its
`interrupted` row, aborted the write and left the run `running` in the warehouse (in CI,
and once in 29 stops here under load). Held here, it waits until the row is written and is
raised then, so the run still stops. A run serve started ignores Ctrl-C altogether
(`ignore_ctrl_c_if_served`): serve ends it with SIGTERM.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
    raised again in this process when it ends, so their own handlers run then. The handlers
    are swapped, not the signals blocked: a run has other threads (DuckDB's, the page
    fetcher's, Prefect's), the kernel hands a signal to one that does not block it, and
    Python runs the handler in the main thread all the same. Python runs handlers in the
    main thread only, so elsewhere nothing needs holding."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    previous = {s: signal.getsignal(s) for s in sorted(_STOPS)}
    held = {s: h for s, h in previous.items() if h is not None}  # None: set outside Python
    for s in held:
        signal.signal(s, lambda signum, frame: arrived.append(signum))
    try:
        yield
    finally:
        for s, handler in held.items():
            signal.signal(s, handler)
        for signum in dict.fromkeys(arrived):  # each once, in the order they came
            signal.raise_signal(signum)
