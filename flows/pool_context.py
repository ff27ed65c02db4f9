"""The analysis pool's way of starting worker processes: each a fresh interpreter (spawn),
which does not import the parent's main module (issue 19: memory).

Not fork: the flow runs threads (the page fetcher's, Prefect's), and forking a threaded
process can deadlock the child; a forked worker would also hold a copy of everything the
ingest imported (DuckDB, pyarrow: over 100 MB). Not forkserver: its server is one more
process of 15 MB for the whole run, and its workers start from it no smaller than a fresh
interpreter.

multiprocessing has each new process import its parent's main module again (as
`__mp_main__`), so that functions defined there unpickle. The pool's functions live in
flows/analysis_pool.py; the main module is the command line (flows.cli, or the `labwatch`
script that imports it), which brings settings, HTTP and console libraries a worker never
uses: about 20 MB a worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from multiprocessing import context, popen_spawn_posix, spawn
from typing import Any

# What a new process is told to import as its main module: the parent's. A worker needs
# none of it.
_MAIN_MODULE = ("init_main_from_name", "init_main_from_path")
_LOCK = threading.Lock()  # one launch at a time swaps spawn's function


def _lean(original: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    def get_preparation_data(name: str) -> dict[str, Any]:
        data = original(name)
        for key in _MAIN_MODULE:
            data.pop(key, None)
        return data

    return get_preparation_data


class _LeanPopen(popen_spawn_posix.Popen):
    """`popen_spawn_posix.Popen` whose launch leaves the main module out of what the new
    process is told. The standard `_launch` runs unchanged (so this follows the running
    Python's version of it); only the `spawn.get_preparation_data` it calls is wrapped, for
    the length of the launch."""

    def _launch(self, process_obj: Any) -> None:
        with _LOCK:
            original = spawn.get_preparation_data
            spawn.get_preparation_data = _lean(original)  # type: ignore[assignment]
            try:
                super()._launch(process_obj)  # type: ignore[misc]  # not in typeshed's stubs
            finally:
                spawn.get_preparation_data = original


class _LeanProcess(context.SpawnProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _LeanPopen:
        return _LeanPopen(process_obj)


class LeanSpawn(context.SpawnContext):
    """spawn, with workers that skip the parent's main module."""

    Process = _LeanProcess
