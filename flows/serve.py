"""`labwatch serve`: the ingest and digest deployments served from one long-running process.

Prefect schedules runs only through a real API server (its ephemeral server runs no
scheduler), so when no PREFECT_API_URL is set we start `prefect server start` on loopback,
under LABWATCH_HOME/prefect, for as long as we serve; its UI shows the runs. Prefect's
`serve` then polls for due runs and executes each in a subprocess.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.errors import LabwatchError
from flows.deployments import Plan, plans, to_deployment
from flows.settings import Settings

DEFAULT_PORT = 4200  # Prefect's own default: the UI where users expect it
STARTUP_TIMEOUT = 180.0  # seconds; a fresh Prefect database takes ~20 s to create here


class ServeError(LabwatchError):
    pass


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


@contextmanager
def prefect_server(settings: Settings, port: int, say: Callable[[str], None]) -> Iterator[str]:
    """Yield the API URL to use: the user's (PREFECT_API_URL), a Prefect server already
    listening on `port`, or one we start for the duration and stop afterwards."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    api_url = f"http://127.0.0.1:{port}/api"
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
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start",
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
        )  # fmt: skip
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
        process.terminate()
        try:
            process.wait(timeout=20)
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
        lines.append(f"  {plan.name:<16} {plan.describe():<28} next {first:%Y-%m-%d %H:%M:%S %Z}")
    return lines


async def _run_until_signalled(runner: Any) -> None:
    """Run Prefect's runner until SIGINT or SIGTERM, then stop it in order.

    Prefect's own SIGTERM handler exits from inside the event loop (tracebacks, and a stop
    coroutine never awaited), so once the runner has installed it we install ours: stop
    polling, cancel the runs in flight (Prefect sends them SIGTERM; a batch in flight is one
    warehouse transaction, so it is committed or rolled back), and return.
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
    await runner.astop()
    with suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(started, timeout=60)


def serve_deployments(settings: Settings, port: int, say: Callable[[str], None]) -> None:
    """Serve the ingest and digest deployments until Ctrl-C or SIGTERM.

    A run in flight when we stop is stopped by Prefect with SIGTERM; each batch is one
    warehouse transaction, so it is committed or rolled back, never half-written, and the
    next run picks the work up again.
    """
    items = plans(settings)  # settings errors before any server starts
    # Until the runner takes over, SIGTERM stops us like Ctrl-C (the server is stopped too).
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with prefect_server(settings, port, say) as api_url:
            # Prefect reads PREFECT_API_URL when imported: set it before the first import.
            os.environ["PREFECT_API_URL"] = api_url
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
            say("labwatch serve: stopping the Prefect server ...")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    say("labwatch serve: stopped")
