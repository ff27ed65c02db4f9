"""A Prefect server backed by PostgreSQL, with labwatch's deployments on a process work pool
and process workers started as README and docs/scale-out.md say (issue 18).

The server's database is a new database on the session's loopback PostgreSQL
(tests/postgres.py), reached through asyncpg (`postgresql+asyncpg://`). Its scheduler is off:
the tests create the flow runs themselves, and prefect.yaml's schedules must not start an
ingest of the checkout's own `data` folder. Workers run `prefect worker start --pool labwatch`
with `PREFECT_API_URL` and `LABWATCH_CHECKOUT` as a user on another machine would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest

from flows.serve import stop_process
from tests.postgres import PostgresServer, _free_port

ROOT = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).parent / "prefect")
POOL = "labwatch"


def conninfo_fields(conninfo: str) -> dict[str, str]:
    """`host=… port=… user=… dbname=…` as a dict (the form tests/postgres.py gives)."""
    return dict(part.split("=", 1) for part in conninfo.split())


def base_env(prefect_home: Path) -> dict[str, str]:
    """The test process's environment without its Prefect and labwatch settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABWATCH_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="INFO",
    )
    return env


def api(url: str, body: dict[str, Any] | None = None) -> Any:
    """GET `url`, or POST `body` to it as JSON; the decoded answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


@dataclass
class PrefectServer:
    """A running Prefect server: its API URL, the environment of a `prefect` command that
    talks to it, and the PostgreSQL database holding its state."""

    api_url: str
    env: dict[str, str]
    database: str
    postgres: PostgresServer
    folder: Path
    _workers: list[tuple[subprocess.Popen[Any], TextIO]] = field(default_factory=list)

    def prefect(self, *argv: str, cwd: Path = ROOT, timeout: float = 300) -> str:
        done = subprocess.run(
            [PREFECT, "--no-prompt", *argv], env=self.env, cwd=cwd, capture_output=True,
            text=True, timeout=timeout,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def psql(self, query: str) -> str:
        """`query`'s answer from the server's own database (tuples only, unaligned)."""
        info = conninfo_fields(self.database)
        done = subprocess.run(
            [str(self.postgres.bin_dir / "psql"), "-h", info["host"], "-p", info["port"],
             "-U", info["user"], "-d", info["dbname"], "-tAc", query],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return done.stdout.strip()

    def run_deployment(self, name: str, **parameters: str) -> str:
        """`prefect deployment run FLOW/DEPLOYMENT --param k=v` as docs/scale-out.md says;
        returns the new flow run's id."""
        argv = ["deployment", "run", name]
        for key, value in parameters.items():
            argv += ["--param", f"{key}={value}"]
        out = self.prefect(*argv)
        found = re.search(r"UUID:\s*([0-9a-f-]{36})", out)
        assert found, out
        return found.group(1)

    def flow_run(self, run_id: str) -> dict[str, Any]:
        found: dict[str, Any] = api(f"{self.api_url}/flow_runs/{run_id}")
        return found

    def wait_for(
        self, run_ids: list[str], timeout: float, started: bool = False
    ) -> dict[str, dict[str, Any]]:
        """The flow runs once every one has ended, or with `started` once every one is
        running or has ended (or raise after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        wanted = FINAL | {"RUNNING"} if started else FINAL
        while True:
            runs = {r: self.flow_run(r) for r in run_ids}
            if all(run["state"]["type"] in wanted for run in runs.values()):
                return runs
            for process, log in self._workers:
                assert process.poll() is None, f"a worker died: {Path(log.name).read_text()}"
            assert time.monotonic() < deadline, f"flow runs not done: {runs}"
            time.sleep(1)

    def start_worker(self, name: str, checkout: Path = ROOT) -> Path:
        """`prefect worker start --pool labwatch`, taking one flow run at a time; returns
        the path of its log. Stopped with the server."""
        log_path = self.folder / f"worker-{name}.log"
        log = log_path.open("w")
        env = {**self.env, "LABWATCH_CHECKOUT": str(checkout), "PREFECT_WORKER_QUERY_SECONDS": "1"}
        process = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", POOL, "--name", name, "--limit", "1"],
            env=env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self._workers.append((process, log))
        return log_path

    def stop_workers(self) -> None:
        for process, log in self._workers:
            stop_process(process, 30)
            log.close()
        self._workers.clear()


FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@pytest.fixture(scope="module")
def prefect_on_postgres(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrefectServer]:
    """A Prefect server whose database is PostgreSQL, with the `labwatch` process work pool
    and prefect.yaml's deployments (`prefect deploy --all`), for the tests of one module."""
    folder = tmp_path_factory.mktemp("prefect-server")
    database = postgres.create_database()
    info = conninfo_fields(database)
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = base_env(folder / "prefect-home")
    server_env = {
        **env,
        "PREFECT_API_DATABASE_CONNECTION_URL": (
            f"postgresql+asyncpg://{info['user']}@{info['host']}:{info['port']}/{info['dbname']}"
        ),
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    server = PrefectServer(api_url, {**env, "PREFECT_API_URL": api_url}, database, postgres, folder)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                api(f"{api_url}/health")
                break
            except OSError:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
        server.prefect("work-pool", "create", POOL, "--type", "process")
        server.prefect("deploy", "--all")
        yield server
    finally:
        server.stop_workers()
        stop_process(process, 30)
