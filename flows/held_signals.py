"""Hold Ctrl-C and SIGTERM while a run records how it ended.

A run stopped from outside can be sent two signals. Under `labwatch serve` a flow run does
not always keep serve's blocked SIGINT (seen in /proc: some runs' main threads have it
unblocked), so a terminal's Ctrl-C reaches the run and serve's SIGTERM follows a moment
later; a user may also press Ctrl-C twice. The second one, landing while the run wrote its
`interrupted` row, aborted the write and left the run `running` in the warehouse (in CI,
and once in 29 stops here under load). Held here, it waits until the row is written and is
raised then, so the run still stops.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_STOPS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def held_signals() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread for the block; those that arrived meanwhile are
    delivered (and their handlers run) when it ends. Python runs handlers in the main thread
    only, so elsewhere nothing needs holding."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
