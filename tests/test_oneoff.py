"""One-off commands without a temporary Prefect server (flows/oneoff.py): the same rows as a
Prefect flow run, the `runs` row recorded, Prefect never imported; reporting to the server of
a running `labwatch serve` when there is one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from flows.oneoff import serve_api_url, step
from flows.prefect_env import record_server
from flows.seed_site import seed_feed_urls, seed_host
from flows.serve import stop_process
from flows.settings import load_settings
from tests.helpers import STORED, start_serve, stored
from warehouse.database import open_warehouse

LABWATCH = Path(sys.executable).parent / "labwatch"
# Runs `labwatch ARGS...` in this process, then says whether Prefect was ever imported.
PROBE = (
    "import sys\nfrom flows.cli import main\nstatus = main(sys.argv[1:])\n"
    "print('prefect imported:', 'prefect' in sys.modules)\nsys.exit(status)\n"
)


def clean_env(tmp_path: Path, home: Path) -> dict[str, str]:
    """A user's environment: no Prefect server configured, no test harness."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABWATCH_", "PREFECT_"))}
    env.update(
        LABWATCH_HOME=str(home), PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
    )  # fmt: skip
    return env


def probe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


def site_settings(home: Path, seed_site: str) -> None:
    (home / "labwatch.toml").write_text(
        f'allowed_private_hosts = ["{seed_host(seed_site)}"]\nmin_host_interval = 0\n'
    )


def ingested_home(tmp_path: Path, seed_site: str) -> tuple[Path, dict[str, str]]:
    """A home with the seed site's first feed ingested one-off, and the CLI's environment."""
    home = tmp_path / "home"
    home.mkdir()
    site_settings(home, seed_site)
    env = clean_env(tmp_path, home)
    assert probe(env, "ingest", "-q", "--feed", seed_feed_urls(seed_site)[0]).returncode == 0
    return home, env


def query(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True, lock_wait=60) as con:
        return con.execute(sql).fetchall()


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.timeout(600)
def test_a_one_off_ingest_stores_what_a_prefect_run_stores_without_prefect(
    tmp_path: Path, seed_site: str
) -> None:
    from flows.ingest import ingest

    feeds = seed_feed_urls(seed_site)
    by_prefect, direct = tmp_path / "prefect", tmp_path / "direct"
    for home in (by_prefect, direct):
        home.mkdir()
        site_settings(home, seed_site)
    summary = ingest(feed_urls=feeds, home=str(by_prefect))
    assert summary["articles_new"] == 2

    args = [a for url in feeds for a in ("--feed", url)]
    out = probe(clean_env(tmp_path, direct), "ingest", *args)
    assert out.returncode == 0, out.stderr
    assert "prefect imported: False" in out.stdout  # no Prefect, so no server either
    assert "articles stored   2 new, 2 in the warehouse" in out.stdout
    # The progress lines, as Prefect's console prints them.
    assert "| INFO    | labwatch - feeds: 2 due, 2 fetched" in out.stderr
    assert "Traceback" not in out.stderr
    assert not list((direct / "prefect").glob("servers/*.json"))

    assert stored(direct / "labwatch.duckdb", STORED) == stored(
        by_prefect / "labwatch.duckdb", STORED
    )
    # The runs row is there either way; only the Prefect run has a Prefect id.
    (prefect_id,) = query(by_prefect, "SELECT prefect_run_id FROM runs")[0]
    assert prefect_id is not None
    assert query(direct, "SELECT flow, status, prefect_run_id FROM runs") == [
        ("ingest", "completed", None)
    ]

    # Nothing due (the feeds back off after failing): recorded, Prefect still not imported.
    with open_warehouse(direct / "labwatch.duckdb") as con:
        con.execute("UPDATE feeds SET next_due_at = now() + INTERVAL 1 HOUR")
    out = probe(clean_env(tmp_path, direct), "ingest", "-q", *args)
    assert "prefect imported: False" in out.stdout
    assert out.returncode == 1, out.stderr  # no feed fetched, as before
    runs = query(direct, "SELECT status, feeds_total, feeds_skipped FROM runs ORDER BY started_at")
    assert runs[-1] == ("completed", 2, 2)


@pytest.mark.flow
@pytest.mark.timeout(600)
def test_a_one_off_digest_records_its_run_and_its_failures_without_prefect(
    tmp_path: Path, seed_site: str
) -> None:
    home, env = ingested_home(tmp_path, seed_site)

    out = probe(env, "digest", "--week", "2024-W20")
    assert out.returncode == 0, out.stderr
    assert "prefect imported: False" in out.stdout
    assert "labwatch digest 2024-W20: 1 articles" in out.stdout
    assert (home / "digests" / "2024-W20.html").is_file()
    assert "| INFO    | labwatch - digest 2024-W20: 1 articles" in out.stderr

    # A digest that fails inside the flow: its row says why; the status and message as before.
    (home / "digests").rename(home / "kept")
    (home / "digests").write_text("not a folder")
    out = probe(env, "digest", "--week", "2024-W21")
    assert "prefect imported: False" in out.stdout
    assert out.returncode == 1
    assert "internal error: FileExistsError" in out.stderr
    runs = query(home, "SELECT flow, status, prefect_run_id, error FROM runs ORDER BY started_at")
    assert [r[:3] for r in runs] == [
        ("ingest", "completed", None),
        ("digest", "completed", None),
        ("digest", "failed", None),
    ]
    assert "FileExistsError" in runs[2][3]
    (home / "digests").unlink()
    (home / "kept").rename(home / "digests")

    # Opting back in: the run is a Prefect flow run (on a temporary server).
    out = probe(env | {"LABWATCH_PREFECT_ONE_OFF": "true"}, "digest", "--week", "2024-W20", "-q")
    assert out.returncode == 0, out.stderr
    assert "prefect imported: True" in out.stdout
    (prefect_id,) = query(home, "SELECT prefect_run_id FROM runs ORDER BY started_at DESC")[0]
    assert prefect_id is not None


def test_a_step_outside_a_flow_run_is_retried_as_its_task_would_be() -> None:
    calls: list[int] = []

    def flaky(n: int) -> int:
        calls.append(n)
        if len(calls) < 3:
            raise OSError("resolver down")
        return n * 2

    assert step(flaky, "flaky", retries=2, delays=[0.0, 0.0])(21) == 42
    assert calls == [21, 21, 21]
    calls.clear()
    with pytest.raises(OSError, match="resolver down"):
        step(flaky, "flaky", retries=1, delays=[0.0])(1)
    assert calls == [1, 1]


def test_serve_s_server_is_found_only_while_its_serve_runs_and_it_answers(
    home: Path, httpserver: HTTPServer
) -> None:
    settings = load_settings(home)
    api_url = httpserver.url_for("/api")
    httpserver.expect_request("/api/health").respond_with_json(True)
    # A command's temporary server: no API URL, not ours to report to.
    temporary = record_server(settings, os.getpid())
    assert serve_api_url(settings) is None
    temporary.unlink()
    # Serve's record (this process plays serve and its server): found while it answers.
    record = record_server(settings, os.getpid(), group=True, api_url=api_url)
    assert serve_api_url(settings) == api_url
    httpserver.clear()
    httpserver.expect_request("/api/health").respond_with_data("down", status=503)
    assert serve_api_url(settings) is None
    httpserver.clear()
    httpserver.expect_request("/api/health").respond_with_json(True)
    # Its serve gone (another process's start time): not used.
    info = json.loads(record.read_text())
    record.write_text(json.dumps(info | {"owner_start": "1"}))
    assert serve_api_url(settings) is None


@pytest.mark.flow
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_one_off_digest_reports_to_the_server_of_a_running_serve(
    tmp_path: Path, seed_site: str
) -> None:
    from tests.test_schedule import free_port

    home, env = ingested_home(tmp_path, seed_site)
    port = free_port()
    serve = start_serve(tmp_path, env, port)
    try:
        deadline = time.monotonic() + 400
        while "serving" not in (tmp_path / "serve.log").read_text():
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(1)
        out = probe(env, "digest", "--week", "2024-W20", "-q")
        assert out.returncode == 0, out.stderr
        assert "prefect imported: True" in out.stdout
        (prefect_id,) = query(home, "SELECT prefect_run_id FROM runs WHERE flow = 'digest'")[0]
        assert prefect_id is not None
        # The run is in serve's server, completed; no temporary server was started.
        url = f"http://127.0.0.1:{port}/api/flow_runs/{prefect_id}"
        with urllib.request.urlopen(url, timeout=30) as response:
            run = json.load(response)
        assert run["state_type"] == "COMPLETED"
        servers = list((tmp_path / "home" / "prefect" / "servers").glob("*.json"))
        assert len(servers) == 1  # serve's own
    finally:
        stop_process(serve, 90)
