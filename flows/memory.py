"""Giving freed memory back to the system between an ingest's batches (glibc only).

glibc's malloc keeps what Python frees (parsed feeds, pages, rows of a stored batch) in its
heaps for reuse, and gives each thread that allocates (the page fetcher's, the threads that
decode pages, DuckDB's) a heap of its own: the ingest's resident memory then grows with
every thread and stays at its highest. Capping the number of heaps and trimming them after
each batch keeps it near what is really in use. Elsewhere (musl, macOS) glibc's part does
nothing.
"""

from __future__ import annotations

import ctypes
import sys

_M_ARENA_MAX = -8  # mallopt parameter of glibc's malloc.h
ARENAS = 2  # heaps for the whole process: the main thread's and one shared by the others

_libc: ctypes.CDLL | None = None
_looked_up = False


def _glibc() -> ctypes.CDLL | None:
    global _libc, _looked_up
    if not _looked_up:
        _looked_up = True
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(None)
                if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt"):
                    _libc = libc
            except OSError:
                _libc = None
    return _libc


def limit_heaps(arenas: int = ARENAS) -> None:
    """Let threads started from now on share `arenas` heaps rather than one each."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, arenas)


def trim() -> None:
    """Return the free memory of every heap to the system. (The warehouse hands rows to
    DuckDB as JSON, warehouse/relations.py: no Arrow pool of its own to release.)"""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
