"""`labwatch serve` as a terminal runs it: Ctrl-C sends SIGINT to the whole process group,
and the Prefect UI must find its API on whatever port it was given. Real processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from flows.serve import prefect_server
from flows.settings import load_settings
from tests.helpers import environment, start_serve
from tests.test_concurrency import ARTICLES, alive, descendants, serve_site
from tests.test_schedule import free_port, prefect_env, query

pytestmark = pytest.mark.slow  # each test starts a real Prefect server


def ignores_sigint(pid: int) -> bool:
    """Whether process `pid` ignores SIGINT (its SigIgn mask in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def flow_runs(pids: list[int]) -> list[int]:
    """Those of `pids` that are flow runs' own processes: Prefect's runner starts each as
    `python -m prefect.engine` (its helpers, such as the analysis pool's workers, are
    started by the run and ignore SIGINT themselves)."""
    found = []
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"prefect.engine" in command:
            found.append(pid)
    return found


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


@pytest.mark.timeout(900)
def test_ctrl_c_stops_serve_in_order_like_sigterm(
    tmp_path: Path, home: Path, httpserver: HTTPServer
) -> None:
    # Pages answer slowly, so a run is in flight (fetching, analysing) when Ctrl-C comes.
    feed = serve_site(httpserver, delay=3)
    (home / "feeds.toml").write_text(f'[[feed]]\nurl = "{feed}"\n')
    (home / "labwatch.toml").write_text(
        f'feeds = "{home / "feeds.toml"}"\nallowed_private_hosts = ["127.0.0.1:{httpserver.port}"]\n'
        "min_host_interval = 0\ningest_every_minutes = 0.1\nlock_wait = 60\nbatch_size = 4\n"
    )
    port = free_port()
    env = prefect_env(tmp_path)
    env["LABWATCH_HOME"] = str(home)
    log_path = tmp_path / "serve.log"
    proc = start_serve(tmp_path, env, port, new_session=True)  # Ctrl-C reaches its group
    try:
        deadline = time.monotonic() + 600
        while "batch 1/" not in log_path.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.2)
        assert "batch 1/" in log_path.read_text(), log_path.read_text()
        running = descendants(proc.pid)
        assert running  # the flow run's process and its helpers, in serve's group
        # The run ignores Ctrl-C itself (flows/held_signals.py): serve ends it.
        # (the run in flight has started its analysis pool; another run may be starting,
        # and ignores it only once its flow starts)
        runs = [pid for pid in flow_runs(running) if descendants(pid)]
        assert runs and all(ignores_sigint(pid) for pid in runs)
        before = len(log_path.read_text())
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        proc.wait(timeout=120)
        seconds = time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    out = log_path.read_text()
    after = out[before:]
    print(f"serve stopped {seconds:.1f} s after Ctrl-C")  # for the record, not asserted
    assert proc.returncode == 0, out
    assert "Traceback" not in after and "KeyboardInterrupt" not in after, after
    assert "labwatch serve: stopped" in after
    assert not group_members(proc.pid)  # nothing of serve's group is left running
    assert not [p for p in running if alive(p)]
    with socket.socket() as s:  # the Prefect server it started is gone too
        assert s.connect_ex(("127.0.0.1", port)) != 0
    # The run in flight ended as a recorded run, not one left "running"; what it stored is
    # whole (each batch is one transaction), and it never stored more than there is.
    statuses = {r[0] for r in query(home, "SELECT status FROM runs WHERE flow = 'ingest'")}
    assert "interrupted" in statuses and "running" not in statuses, (statuses, after)
    (stored,) = query(home, "SELECT count(*) FROM articles")[0]
    assert stored < ARTICLES


@pytest.mark.timeout(600)
def test_the_ui_calls_the_api_on_the_port_serve_was_given(tmp_path: Path, home: Path) -> None:
    port = free_port()
    env = prefect_env(tmp_path)
    with (
        environment(env),  # the server inherits our environment
        prefect_server(load_settings(home), port, lambda line: None) as api_url,
        urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=30) as r,
    ):
        ui = json.load(r)
    assert api_url == f"http://127.0.0.1:{port}/api"
    assert ui["api_url"] == api_url  # Prefect's default points the UI at port 4200
