"""`labwatch serve`: the ingest and digest deployments (and a DuckLake's maintenance) served
from one long-running process.

Prefect schedules runs only through a real API server (its ephemeral server runs no
scheduler), so when no PREFECT_API_URL is set we start `prefect server start` on loopback,
under LABWATCH_HOME/prefect, for as long as we serve; its UI shows the runs (told which port
its API is on). Prefect's `serve` then polls for due runs and executes each in a subprocess.

Ctrl-C in a terminal sends SIGINT to the whole process group: to us and to every run in
flight and its helpers, which would each die mid-step with a traceback. So SIGINT is blocked
in this process and everything it starts (children inherit the mask) and a thread waits for
it: Ctrl-C then stops serve the same orderly way as SIGTERM, and only serve decides how the
runs in flight end.
"""

from __future__ import annotations

import _thread
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.errors import ServeError
from flows.deployments import Plan, plans, to_deployment
from flows.held_signals import SERVED
from flows.prefect_env import record_server
from flows.settings import Settings

DEFAULT_PORT = 4200  # Prefect's own default: the UI where users expect it
STARTUP_TIMEOUT = 180.0  # seconds; a fresh Prefect database takes ~20 s to create here
RUN_GRACE = 30.0  # seconds a run in flight has to end after SIGTERM (Prefect's grace too)
SIGNAL_AGAIN = 15.0  # seconds before a run that outlives its SIGTERM is sent another


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _port_in_use(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def local_api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


@contextmanager
def prefect_server(
    settings: Settings,
    port: int,
    say: Callable[[str], None],
    external: str | None = None,
) -> Iterator[str]:
    """Yield the API URL to use: the user's (`external`, default PREFECT_API_URL), a Prefect
    server already listening on `port`, or one we start for the duration and stop afterwards."""
    external = external if external is not None else os.environ.get("PREFECT_API_URL")
    if external:
        yield external
        return
    api_url = local_api_url(port)
    if _port_in_use(port):
        if not _healthy(api_url):
            raise ServeError(
                f"port {port} is in use by something that is not a Prefect server; "
                "choose another with --port"
            )
        say(f"using the Prefect server already running at http://127.0.0.1:{port}")
        yield api_url
        return
    log_path = settings.prefect_home / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    say(f"starting a Prefect server on http://127.0.0.1:{port} (log: {log_path}) ...")
    # The UI asks /ui-settings where the API is; unset, it answers port 4200 whatever --port.
    env = {"PREFECT_UI_API_URL": api_url, **os.environ}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start",
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
        )  # fmt: skip
    # A serve killed outright (kill -9) cannot stop it: the next labwatch command will.
    # Meanwhile one-off commands find it here and report to it (flows/oneoff.py).
    record = record_server(settings, process.pid, group=True, api_url=api_url)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(api_url):
            if process.poll() is not None:
                raise ServeError(
                    f"the Prefect server exited with status {process.returncode}: {_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise ServeError(f"the Prefect server did not start in {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.5)
        yield api_url
    finally:
        stop_process(process, 20)
        record.unlink(missing_ok=True)


def stop_process(process: subprocess.Popen[Any], wait: float) -> None:
    """SIGTERM, then SIGKILL if `process` has not ended within `wait` seconds."""
    process.terminate()
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


def schedule_lines(items: list[Plan], now: datetime) -> list[str]:
    """What `labwatch serve` prints: each deployment, its schedule and next run."""
    lines = []
    for plan in items:
        first = plan.next_runs(now)[0]
        lines.append(f"  {plan.name:<18} {plan.describe():<28} next {first:%Y-%m-%d %H:%M:%S %Z}")
    return lines


async def _run_until_signalled(runner: Any) -> None:
    """Run Prefect's runner until SIGINT or SIGTERM, then stop it in order.

    Prefect's own SIGTERM handler exits from inside the event loop (tracebacks, and a stop
    coroutine never awaited), so once the runner has installed it we install ours: stop
    polling, end the runs in flight (SIGTERM; a batch in flight is one warehouse
    transaction, so it is committed or rolled back), stop the runner, and return.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    started = asyncio.ensure_future(runner.start())
    await asyncio.sleep(0)  # start() installs Prefect's handler before its first await
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({started, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if started.done():
        stopping.cancel()
        started.result()  # the runner ended by itself: surface its error
        return
    # No new run from here (as astop does first), then the runs in flight end, then astop.
    runner.stopping = True
    poller = getattr(runner, "_scheduled_run_poller", None)
    if poller is not None:
        poller.stopping = True
    await _end_runs_in_flight()
    await runner.astop()
    with suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(started, timeout=60)


def _runs_in_flight() -> list[int]:
    """The processes this one started in its own process group: the flow runs in flight
    (the Prefect server has a session of its own). Linux /proc; elsewhere none are found
    and Prefect's own cancellation ends them."""
    me, group = os.getpid(), os.getpgid(0)
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me and int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry.name))
    return found


async def _end_runs_in_flight(grace: float = RUN_GRACE, again: float = SIGNAL_AGAIN) -> None:
    """SIGTERM the flow runs in flight and wait for them to end, looking every 0.1 s
    (Prefect's own cancellation looks every 3 s). A run stopped this way commits or rolls
    back its batch and records itself as interrupted; the runner reaps it. A run the runner
    was still starting when we stopped appears while we wait: it is sent SIGTERM too. A run
    still alive `again` seconds after its last signal is sent another: a run can lose one
    (Python drops the exception a handler raises while a finalizer, `__del__`, runs, and
    DuckDB one raised while it checks a statement's parameters; flows/held_signals.py
    prevents most of both), and a run whose stop was lost
    went on to the end of its batches (once in CI, once in 26 stops here under load). A
    stopping run holds the next signal while it records how it ended; one that lands later,
    in a teardown longer than `again` (a page fetch finishing), ends the run sooner."""
    signalled: dict[int, float] = {}  # pid -> when it was last sent SIGTERM
    deadline = time.monotonic() + grace
    while (now := time.monotonic()) < deadline:
        runs = _runs_in_flight()
        if not runs:
            return
        signalled = {pid: at for pid, at in signalled.items() if pid in runs}  # a pid reused
        for pid in runs:
            if pid not in signalled or now - signalled[pid] >= again:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                signalled[pid] = now
        await asyncio.sleep(0.1)


def record_runs_left_running(settings: Settings) -> None:
    """Mark ingest runs still `running` as interrupted once serve has stopped its runs, as
    the next run would. A run killed before it could record its end (one the runner was
    starting as we stopped, killed by the runner's own shutdown) leaves its row `running`
    until then, and `labwatch runs` would show it running. Only with the ingest lock free:
    then no ingest is alive (one started outside serve keeps its row). A DuckLake's runs
    are told apart by their heartbeats instead; a warehouse never written is left alone."""
    from duckdb import Error as DuckDBError

    from warehouse.database import open_warehouse
    from warehouse.errors import WarehouseError
    from warehouse.run_lock import ingest_lock
    from warehouse.runs import mark_interrupted

    if not isinstance(settings.warehouse, Path) or not settings.warehouse.exists():
        return
    # Never holds serve's stop for long: a writer elsewhere (`labwatch sql --write`) keeps
    # the file, and the next run marks the rows then. An ingest holding the lock, a locked
    # or damaged file: WarehouseError.
    with (
        suppress(WarehouseError, DuckDBError, OSError),
        ingest_lock(settings.warehouse),
        open_warehouse(settings.warehouse, lock_wait=5) as con,
    ):
        mark_interrupted(con)


def _drain_prefect_workers() -> None:
    """Send the log lines and events still queued to the server while it is up: left to
    Prefect's exit handlers, they meet a stopped server and retry for seconds."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=5)


@contextmanager
def sigint_as_one_signal() -> Iterator[None]:
    """Block SIGINT in this process and the processes it starts (a terminal's Ctrl-C goes
    to the whole group); a thread receives it and raises it in the main thread only, where
    it stops serve as SIGTERM does. SIGTERM is left alone: a service manager sends it to us."""
    if threading.current_thread() is not threading.main_thread():
        yield  # (tests calling serve from a thread): nothing to route
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def route() -> None:
        while True:
            signal.sigwait({signal.SIGINT})
            # As if SIGINT had arrived in the main thread alone: KeyboardInterrupt there,
            # or the event loop's handler once the runner is serving.
            _thread.interrupt_main(signal.SIGINT)

    threading.Thread(target=route, name="sigint", daemon=True).start()
    try:
        yield
    finally:
        # Served and stopped: a Ctrl-C from here on is an ordinary KeyboardInterrupt.
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def serve_deployments(settings: Settings, port: int, say: Callable[[str], None]) -> None:
    """Serve the deployments of `plans` (ingest, digest; a lake's maintenance) until Ctrl-C
    or SIGTERM.

    A run in flight when we stop is stopped by Prefect with SIGTERM; each batch is one
    warehouse transaction, so it is committed or rolled back, never half-written, and the
    next run picks the work up again.
    """
    # Prefect reads PREFECT_API_URL once, when first imported (plans() imports it): set it
    # before, or parts of the runner talk to a temporary server of their own, which dies at
    # Ctrl-C with the rest of the group (tracebacks, and seconds of retries).
    external = os.environ.get("PREFECT_API_URL", "")
    os.environ["PREFECT_API_URL"] = external or local_api_url(port)
    items = plans(settings)  # settings errors before any server starts
    from flows.web import web_in_background

    # Until the runner takes over, SIGTERM stops us like Ctrl-C (the server is stopped too).
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    served = os.environ.get(SERVED)
    os.environ[SERVED] = "1"  # our flow runs ignore Ctrl-C: we end them (flows/held_signals.py)
    try:
        with (
            sigint_as_one_signal(),
            prefect_server(settings, port, say, external) as api_url,
            web_in_background(settings, say),
        ):
            from prefect.runner import Runner

            # As prefect.serve does: at most as many runs at once as deployments, schedules
            # paused while nobody serves them (no backlog of runs at restart). Two ingests
            # never overlap: the warehouse lock refuses the second.
            runner = Runner(name="labwatch", pause_on_shutdown=True, limit=len(items))
            for plan in items:
                runner.add_deployment(to_deployment(plan))
            say("serving (Ctrl-C or SIGTERM stops):")
            for line in schedule_lines(items, datetime.now(UTC)):
                say(line)
            say(f"runs: labwatch runs; Prefect UI: {api_url.removesuffix('/api')}")
            asyncio.run(_run_until_signalled(runner))
            _drain_prefect_workers()
            say("labwatch serve: stopping the Prefect server ...")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if served is None:
            os.environ.pop(SERVED, None)
        else:
            os.environ[SERVED] = served
    record_runs_left_running(settings)
    say("labwatch serve: stopped")
