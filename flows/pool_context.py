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

import io
import os
from multiprocessing import context, popen_spawn_posix, reduction, resource_tracker, spawn, util
from typing import Any

# What a new process is told to import as its main module: the parent's. A worker needs
# none of it.
_MAIN_MODULE = ("init_main_from_name", "init_main_from_path")


class _LeanPopen(popen_spawn_posix.Popen):
    """`popen_spawn_posix.Popen` whose `_launch` (Python 3.11's, line for line) leaves the
    main module out of what the new process is told."""

    _fds: list[int]  # set by the original's __init__ (not in typeshed's stubs)

    def _launch(self, process_obj: Any) -> None:
        tracker_fd = resource_tracker.getfd()
        assert tracker_fd is not None  # getfd() starts the tracker if it is not running
        self._fds.append(tracker_fd)
        prep_data = spawn.get_preparation_data(process_obj._name)
        for key in _MAIN_MODULE:
            prep_data.pop(key, None)
        fp = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, fp)
            reduction.dump(process_obj, fp)
        finally:
            context.set_spawning_popen(None)
        parent_r = child_w = child_r = parent_w = None
        try:
            parent_r, child_w = os.pipe()
            child_r, parent_w = os.pipe()
            cmd = spawn.get_command_line(tracker_fd=tracker_fd, pipe_handle=child_r)
            self._fds.extend([child_r, child_w])
            # typeshed says bytes; the original passes the str get_executable() returns.
            executable: Any = spawn.get_executable()
            self.pid = util.spawnv_passfds(executable, cmd, self._fds)
            # The child reads its parent's end as closed once the parent is gone (what
            # flows/analysis_pool.py `_exit_with_parent` waits on).
            self.sentinel = parent_r
            with open(parent_w, "wb", closefd=False) as f:
                f.write(fp.getbuffer())
        finally:
            close_fds = util.close_fds  # type: ignore[attr-defined]  # not in typeshed's stubs
            self.finalizer = util.Finalize(
                self, close_fds, [fd for fd in (parent_r, parent_w) if fd is not None]
            )
            for fd in (child_r, child_w):
                if fd is not None:
                    os.close(fd)


class _LeanProcess(context.SpawnProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _LeanPopen:
        return _LeanPopen(process_obj)


class LeanSpawn(context.SpawnContext):
    """spawn, with workers that skip the parent's main module."""

    Process = _LeanProcess
