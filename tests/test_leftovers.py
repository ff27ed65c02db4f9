"""Prefect servers left running by a labwatch killed outright are stopped by the next
command, and nothing else is: real processes, real records under the home."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from flows.prefect_env import clean_leftover_servers, record_server
from flows.settings import load_settings
from tests.test_concurrency import alive

ROOT = Path(__file__).resolve().parents[1]

# A labwatch stand-in that starts a long-running "server" in a session of its own (as serve
# starts `prefect server start`), records it as labwatch does, and waits to be killed.
OWNER = """
import subprocess, sys, time
from flows.prefect_env import record_server
from flows.settings import load_settings
server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                          start_new_session=True)
record_server(load_settings(sys.argv[1]), server.pid, group=True)
print(server.pid, flush=True)
time.sleep(600)
"""


def test_the_server_of_a_killed_owner_is_stopped_next_time(home: Path) -> None:
    settings = load_settings(home)
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(home)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert owner.stdout is not None
    server = int(owner.stdout.readline())
    try:
        assert clean_leftover_servers(settings) == []  # its owner runs: not ours to stop
        assert alive(server)
        owner.kill()  # kill -9: it cannot stop its server
        owner.wait()
        assert alive(server)
        assert clean_leftover_servers(settings) == [server]
        deadline = time.monotonic() + 30
        while alive(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(server)
        assert not list((home / "prefect" / "servers").iterdir())
    finally:
        owner.kill()
        subprocess.run(["kill", "-9", str(server)], capture_output=True)


def test_a_record_whose_pid_was_reused_stops_nothing(home: Path) -> None:
    settings = load_settings(home)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        record = record_server(settings, other.pid)
        info = json.loads(record.read_text())
        # As if the server had died and its pid gone to this process, and the owner too.
        info.update(start="1", owner=other.pid, owner_start="1")
        record.write_text(json.dumps(info))
        assert clean_leftover_servers(settings) == []
        assert alive(other.pid) and not record.exists()
    finally:
        other.kill()
        other.wait()
