"""One ingest (or retag) at a time per warehouse: an advisory lock file beside it.

DuckDB already serialises writers, but two ingests interleaving their short transactions
would fetch the same feeds twice and race on the same articles. The second run is refused
at once, with the process that holds the lock named; the lock goes with its process, so a
killed run never leaves it stale.

A DuckLake takes no lock: several ingests run at once there, each fetching the feeds it
leases (flows/feed_lease.py), their writes taking turns (warehouse/ducklake_lease.py).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.backend import Location
from warehouse.errors import IngestRunningError

__all__ = ["IngestRunningError", "ingest_lock"]


# What each holder of the lock is called in the refusal its holding causes.
_HOLDERS = {"ingest": "another ingest", "refetch": "a refetch", "retag": "a retag"}


@contextmanager
def ingest_lock(warehouse: Location, holder: str = "ingest") -> Iterator[None]:
    """Hold the warehouse's run lock for the block, as `holder`: a flow ("ingest",
    "refetch") or "retag". A retag reads every article, then replaces every tag: it holds
    the lock so that no run stores articles between the two (their tags would be lost)."""
    if not isinstance(warehouse, Path):  # a DuckLake: feed leases instead
        yield
        return
    path = warehouse.with_name(warehouse.name + ".ingest.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, _, what = os.pread(fd, 64, 0).decode(errors="replace").strip().partition(" ")
            running = _HOLDERS.get(what or "ingest", f"a {what}")
            then = (
                "this run stops here, the next scheduled one will pick up"
                if holder in ("ingest", "refetch")  # flows: serve runs them again
                else f"run labwatch {holder} again once it ends"
            )
            raise IngestRunningError(
                f"{running} is running on {warehouse} (pid {pid or '?'}); {then}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {holder}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
