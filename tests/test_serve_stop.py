"""Serve's stop reaches a run that lost its first SIGTERM (flows/serve.py
`_end_runs_in_flight`). Real processes and real signals: a parent in a session of its own
stands for serve, its child for a flow run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A run whose first stop is lost, as when Python drops the exception its handler raised
# inside a finalizer: the second SIGTERM ends it (exit 7).
RUN = textwrap.dedent("""
    import signal, sys, time
    seen = []

    def stop(signum, frame):
        seen.append(signum)
        if len(seen) > 1:
            sys.exit(7)

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    time.sleep(60)
    sys.exit(0)
""")

SERVE = textwrap.dedent("""
    import asyncio, subprocess, sys, time
    from flows.serve import _end_runs_in_flight

    run = subprocess.Popen([sys.executable, "-c", RUN], stdout=subprocess.PIPE, text=True)
    assert run.stdout.readline().strip() == "ready"
    asyncio.run(_end_runs_in_flight(grace=GRACE, again=AGAIN))
    print(run.poll(), flush=True)  # None: still running when serve gave up waiting
    run.kill()
""")


@pytest.mark.parametrize(("again", "ended"), [(0.5, 7), (60.0, None)])
def test_a_run_that_lost_its_stop_is_signalled_again(again: float, ended: int | None) -> None:
    script = SERVE.replace("RUN", repr(RUN)).replace("GRACE", "4").replace("AGAIN", str(again))
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, timeout=60, start_new_session=True,
        cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Sent again after `again` seconds, the run ends by its second signal; sent once (the
    # control: the next signal would come after the grace), it outlives serve's wait.
    assert done.stdout.strip() == str(ended)
