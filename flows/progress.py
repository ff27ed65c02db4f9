"""What a run tells the person watching it: a log line per step or batch, and on a terminal a
live counter with rates while feeds and pages download.

Lines go to the `labwatch` logger. Prefect attaches its console (and, inside a flow run, API)
handlers to it when PREFECT_LOGGING_EXTRA_LOGGERS names it (see prefect_env), so the lines
show in the terminal, in `labwatch serve`'s output and in the Prefect UI alike.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger("labwatch")
if log.level == logging.NOTSET:
    log.setLevel(logging.INFO)  # served runs start fresh processes: default to a line per step

_live = False  # set by the command line when a person runs a command by hand


def show_live_progress(enabled: bool) -> None:
    """Draw live counters on stderr (only ever when stderr is a terminal)."""
    global _live
    _live = enabled


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:.1f}/s" if seconds > 0 else "-"


class Progress:
    """Counts work done out of `total`; on a terminal, redraws one status line (at most
    ten times a second, so drawing never costs more than the work)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self.live = _live and total > 0 and self.stream.isatty()
        self.started = time.monotonic()
        self._drawn = 0.0

    def tick(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.live and (now - self._drawn >= 0.1 or self.done == self.total):
            self._drawn = now
            self.stream.write(
                f"\r{self.label} {self.done}/{self.total}  "
                f"{rate(self.done, now - self.started)}\033[K"
            )
            self.stream.flush()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def close(self) -> None:
        if self.live and self._drawn:
            self.stream.write("\r\033[K")  # the log line that follows says it all
            self.stream.flush()
