"""The analysis pool's way of starting worker processes: a fork server, and workers that do
not import the parent's main module (issue 19: memory).

multiprocessing has each new process import its parent's main module again (as
`__mp_main__`), so that functions defined there unpickle. The pool's functions live in
flows/analysis_pool.py; the main module is the command line (flows.cli, or the `labwatch`
script that imports it), which brings settings, HTTP and console libraries a worker never
uses: about 20 MB a worker.
"""

from __future__ import annotations

import io
import os
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from typing import Any

# What a new process is told to import as its main module: the parent's (flows.cli, or the
# `labwatch` script, which imports it). A worker needs none of it.
_MAIN_MODULE = ("init_main_from_name", "init_main_from_path")


class _LeanPopen(popen_forkserver.Popen):
    """`popen_forkserver.Popen` whose `_launch` (Python 3.11's, line for line) leaves the
    main module out of what the new process is told."""

    _fds: list[int]  # set by the original's __init__ (not in typeshed's stubs)

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        for key in _MAIN_MODULE:
            prep_data.pop(key, None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        # As the original: a duplicate of the data pipe's write end is the child's sentinel
        # of its parent (what `_exit_with_parent` waits on).
        _parent_w = os.dup(w)
        close_fds = util.close_fds  # type: ignore[attr-defined]  # not in typeshed's stubs
        self.finalizer = util.Finalize(self, close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _LeanProcess(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _LeanPopen:
        return _LeanPopen(process_obj)


class LeanForkServer(context.ForkServerContext):
    """forkserver, not fork: the flow runs threads (the page fetcher's, Prefect's), and
    forking a threaded process can deadlock the child. The fork server itself imports
    nothing of labwatch: each worker forked from it starts near-empty, and imports only what
    analysing needs."""

    Process = _LeanProcess
