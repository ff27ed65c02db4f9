"""Prefect's environment, set before Prefect is first imported (it reads settings at import)."""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import sys
import time
from contextlib import suppress
from pathlib import Path

from flows.settings import Settings


def configure_prefect(settings: Settings, *, verbose: bool = False, quiet: bool = False) -> None:
    """Keep Prefect's state under LABWATCH_HOME and make it quiet and offline-friendly.

    Values the user already set in the environment win, so a user with their own Prefect
    server (PREFECT_API_URL) or home keeps them.
    """
    defaults = {
        "PREFECT_HOME": str(settings.prefect_home.resolve()),
        # Offline, telemetry only produces errors in the logs.
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # A fresh PREFECT_HOME takes ~16 s to start the ephemeral server on a slow machine.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "INFO" if verbose else "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    if not quiet:
        # Our own line per step (flows/progress.py) through Prefect's handlers: in the
        # terminal, in served runs' output and in the Prefect UI.
        defaults["PREFECT_LOGGING_EXTRA_LOGGERS"] = "labwatch"
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # Prefect creates only the last level of its home; the server then fails to start.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


# Prefect servers we start (the temporary one of a command, serve's own) leave a record
# here, so one whose process was killed outright (kill -9) is found and stopped next time.
SERVER_RECORDS = "servers"


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), None if it is gone:
    with the pid, it tells our server from a later process that reused the pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


process_start = _process_start


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def record_server(settings: Settings, pid: int, group: bool = False, api_url: str = "") -> Path:
    """Leave a record of a Prefect server `pid` started by this process; `group`: it leads
    its own process group (stop the group); `api_url`: other commands may report to it while
    this process runs (serve's server, flows/oneoff.py). Delete the file returned once it
    is stopped."""
    folder = settings.prefect_home / SERVER_RECORDS
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / f"{pid}.json"
    record.write_text(
        json.dumps(
            {"pid": pid, "start": _process_start(pid), "owner": os.getpid(),
             "owner_start": _process_start(os.getpid()), "group": group, "api_url": api_url}
        )
    )  # fmt: skip
    return record


def clean_leftover_servers(settings: Settings) -> list[int]:
    """Stop the Prefect servers whose labwatch process is gone (killed before it could stop
    them); return their pids. A record whose server is gone, or whose pid now belongs to
    another process, is only removed."""
    folder = settings.prefect_home / SERVER_RECORDS
    stopped: list[int] = []
    for record in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            info = json.loads(record.read_text())
            pid, owner = int(info["pid"]), int(info["owner"])
        except (OSError, ValueError, KeyError, TypeError):
            record.unlink(missing_ok=True)
            continue
        if pid_alive(owner) and _process_start(owner) == info.get("owner_start"):
            continue  # its labwatch still runs and will stop it
        if info.get("start") and _process_start(pid) == info["start"]:
            kill = os.killpg if info.get("group") else os.kill
            with suppress(ProcessLookupError, PermissionError):
                kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _process_start(pid) == info["start"] and time.monotonic() < deadline:
                time.sleep(0.1)
            if _process_start(pid) == info["start"]:
                with suppress(ProcessLookupError, PermissionError):
                    kill(pid, signal.SIGKILL)
            stopped.append(pid)
        record.unlink(missing_ok=True)
    return stopped


def start_temporary_server(settings: Settings) -> None:
    """Start Prefect's temporary server now, as the first flow would, and leave a record.

    Prefect starts it lazily in a subprocess and stops it at exit; a command killed with
    kill -9 never stops it (about 200 MB each). Started here, we know its pid: the next
    command stops it (`clean_leftover_servers`). With PREFECT_API_URL set there is none.
    """
    if os.environ.get("PREFECT_API_URL"):
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the instance Prefect's client uses when it needs one
    server.start()
    if server.server_process is not None:
        record = record_server(settings, server.server_process.pid)
        # Runs before Prefect's own exit handler (registered earlier) stops the server.
        atexit.register(record.unlink, missing_ok=True)


class _DropProjectErrors(logging.Filter):
    """Drops Prefect's log records of a task or flow that failed with one of `errors` (the
    command line says those in one line), and its "Finished in state Failed" line."""

    def __init__(self, errors: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.errors = errors

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("prefect.flow_runs", "prefect.task_runs")):
            return True
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            return not isinstance(exc, self.errors)
        return not str(record.msg).startswith("Finished in state Failed")


def quiet_project_errors(errors: tuple[type[BaseException], ...]) -> None:
    """Keep Prefect's console from printing tracebacks of the project's own errors (a
    missing file, a damaged warehouse...): the command prints them as one line. A bug's
    traceback is still printed; the records still reach Prefect's API and UI."""
    # Imports Prefect: configure_prefect must have run. Prefect sets up its handlers lazily.
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import PrefectConsoleHandler as console

    ensure_logging_setup()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, console):
            handler.addFilter(_DropProjectErrors(errors))


def _is_interrupt(exc: BaseException | None) -> bool:
    """Ctrl-C or a SIGTERM (Prefect's TerminationSignal), alone or in an exception group
    (raised inside an asyncio task group, as while fetching), or what one caused where it
    landed: DuckDB ends a statement it interrupts with RuntimeError("Query interrupted")
    raised from the signal's exception, and a rollback then may raise another."""
    from prefect.exceptions import TerminationSignal

    from flows.held_signals import stopped_from_outside

    if isinstance(exc, BaseExceptionGroup):
        return all(_is_interrupt(e) for e in exc.exceptions)
    if isinstance(exc, KeyboardInterrupt | TerminationSignal):
        return True
    return isinstance(exc, Exception) and stopped_from_outside(exc)


class _NoInterruptTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and _is_interrupt(record.exc_info[1]):
            record.exc_info = None  # the line stays: "Crash detected! ... termination signal"
            record.exc_text = None
        return True


def quiet_interrupts() -> None:
    """A run stopped from outside (serve stopping it, Ctrl-C) is not a bug: Prefect's console
    keeps its one-line report and drops the traceback of wherever the signal landed. Called
    as a flow starts, in whatever process runs it; the Prefect UI still gets the traceback.
    A flow run without Prefect (flows/oneoff.py) has no Prefect console to quiet."""
    if "prefect" not in sys.modules:
        return
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, _NoInterruptTracebacks) for f in handler.filters
        ):
            handler.addFilter(_NoInterruptTracebacks())
