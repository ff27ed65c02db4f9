"""Running on a schedule: the deployments, prefect.yaml, and `labwatch serve` for real."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.deployments import DIGEST, INGEST, plans, to_deployment
from flows.seed_site import seed_feed_urls, seed_host
from flows.settings import Settings, SettingsError, load_settings
from tests.helpers import environment, start_serve
from warehouse.database import open_warehouse

ROOT = Path(__file__).resolve().parent.parent
LABWATCH = Path(sys.executable).parent / "labwatch"


def test_deployments_carry_the_schedules_and_parameters_of_the_settings(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path, ingest_every_minutes=15, digest_cron="30 6 * * 1", timezone="Europe/Paris"
    )
    ingest_plan, digest_plan = plans(settings)
    assert (ingest_plan.name, ingest_plan.flow) == (INGEST, "flows.ingest.ingest")
    assert ingest_plan.interval == timedelta(minutes=15)
    assert (digest_plan.name, digest_plan.cron, digest_plan.timezone) == (
        DIGEST,
        "30 6 * * 1",
        "Europe/Paris",
    )
    # The next digest is a Monday 06:30 in Paris, whatever the machine's zone.
    after = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday
    nxt = digest_plan.next_runs(after, 2)
    assert [(d.isoweekday(), d.hour, d.minute, d.utcoffset()) for d in nxt] == [
        (1, 6, 30, timedelta(hours=1)),
        (1, 6, 30, timedelta(hours=1)),
    ]
    assert nxt[1] - nxt[0] == timedelta(days=7)

    ingest_dep, digest_dep = (to_deployment(p) for p in plans(settings))
    assert ingest_dep.name == INGEST and ingest_dep.entrypoint == "flows.ingest.ingest"
    assert ingest_dep.parameters == {"home": str(tmp_path.resolve())}
    (schedule,) = ingest_dep.schedules
    assert schedule.schedule.interval == timedelta(minutes=15)  # type: ignore[union-attr]
    assert schedule.schedule.timezone == "Europe/Paris"
    (schedule,) = digest_dep.schedules
    assert schedule.schedule.cron == "30 6 * * 1"  # type: ignore[union-attr]
    assert schedule.schedule.timezone == "Europe/Paris"
    assert digest_dep.entrypoint == "flows.digest.digest"
    assert digest_dep.parameters == {"home": str(tmp_path.resolve())}


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("digest_cron", "every monday", "not a cron expression"),
        ("ingest_every_minutes", 0, "must be more than 0"),
        # Checked on a DuckDB home too, where it is not used: a mistake is not left lying.
        ("maintain_cron", "every night", "setting maintain_cron: not a cron expression"),
    ],
)
def test_bad_schedules_are_refused(tmp_path: Path, setting: str, value: Any, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        plans(load_settings(tmp_path, **{setting: value}))


@pytest.mark.parametrize(
    ("prefect_file", "warehouse"),
    [("prefect.yaml", ""), ("prefect-ducklake.yaml", "ducklake:postgres:host=db")],
)
def test_prefect_yaml_declares_the_same_deployments_as_serve(
    prefect_file: str, warehouse: str
) -> None:
    doc = yaml.safe_load((ROOT / prefect_file).read_text())
    declared = {d["name"]: d for d in doc["deployments"]}
    for plan in plans(Settings(warehouse=warehouse)):
        d = declared.pop(plan.name)
        module, _, function = plan.flow.rpartition(".")
        assert d["entrypoint"] == f"{module.replace('.', '/')}.py:{function}"
        (schedule,) = d["schedules"]
        assert schedule["timezone"] == plan.timezone
        if plan.interval is not None:
            assert schedule["interval"] == plan.interval.total_seconds()
        else:
            assert schedule["cron"] == plan.cron
        assert set(d["parameters"]) == set(plan.parameters)
    assert not declared


def test_the_lake_prefect_file_is_prefect_yaml_and_the_maintenance_deployment() -> None:
    file_doc, lake_doc = (
        yaml.safe_load((ROOT / name).read_text())
        for name in ("prefect.yaml", "prefect-ducklake.yaml")
    )
    *same, maintain = lake_doc.pop("deployments")
    assert same == file_doc.pop("deployments") and lake_doc == file_doc  # pull step, version
    assert maintain["name"] == "labwatch-maintain"
    assert maintain["work_pool"] == same[0]["work_pool"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def prefect_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: no test-harness Prefect settings, a Prefect home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABWATCH_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_RUNNER_POLL_FREQUENCY="2",  # pick up due runs quickly
    )
    return env


def query(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True, lock_wait=60) as con:
        return con.execute(sql).fetchall()


def api(url: str, body: dict[str, Any]) -> Any:
    """POST `body` to the Prefect API. A 429, 502 or 503 is tried again, as Prefect's own
    client does (`PREFECT_CLIENT_MAX_RETRIES`): the server answers 503 while its SQLite
    database is busy, which a loaded machine made once in CI."""
    for attempt in range(6):
        request = urllib.request.Request(
            url, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code not in (429, 502, 503) or attempt == 5:
                raise
            time.sleep(2**attempt)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_serve_runs_on_schedule_and_stops_cleanly(
    tmp_path: Path, home: Path, seed_site: str
) -> None:
    feed = seed_feed_urls(seed_site)[0]
    (home / "feeds.toml").write_text(f'[[feed]]\nurl = "{feed}"\n')
    (home / "labwatch.toml").write_text(
        f'feeds = "{home / "feeds.toml"}"\n'
        f'allowed_private_hosts = ["{seed_host(seed_site)}"]\n'
        "min_host_interval = 0\ningest_every_minutes = 0.2\nlock_wait = 60\n"
    )
    port = free_port()
    env = prefect_env(tmp_path)
    env["LABWATCH_HOME"] = str(home)
    proc = start_serve(tmp_path, env, port)
    try:
        deadline = time.monotonic() + 400
        completed: list[tuple[Any, ...]] = []
        while time.monotonic() < deadline and len(completed) < 2:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(2)
            if (home / "labwatch.duckdb").exists():
                completed = query(home, "SELECT run_id FROM runs WHERE status = 'completed'")
        assert len(completed) >= 2, (tmp_path / "serve.log").read_text()

    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    out = (tmp_path / "serve.log").read_text()
    assert proc.returncode == 0, out
    assert "labwatch-ingest" in out and "every 12 s" in out and "next " in out
    assert "labwatch serve: stopped" in out and "Traceback" not in out
    with socket.socket() as s:  # the Prefect server it started is gone too
        assert s.connect_ex(("127.0.0.1", port)) != 0

    # The runs table matches what was fetched and stored.
    runs = query(
        home,
        "SELECT run_id, status, feeds_fetched, feeds_not_modified, articles_new, mentions,"
        " prefect_run_id FROM runs WHERE flow = 'ingest' ORDER BY started_at",
    )
    done = [r for r in runs if r[1] == "completed"]
    assert done[0][2:5] == (1, 0, 2) and all(r[2:5] == (1, 1, 0) for r in done[1:])
    assert all(r[6] for r in done)  # each is a Prefect flow run
    for run_id, _, fetched, _, new, mentions, _ in done:
        assert query(home, f"SELECT count(*) FROM feed_fetches WHERE run_id = '{run_id}'") == [
            (fetched,)
        ]
        assert query(home, f"SELECT count(*) FROM articles WHERE run_id = '{run_id}'") == [(new,)]
        assert query(
            home,
            "SELECT count(*) FROM mentions JOIN articles USING (article_id)"
            f" WHERE articles.run_id = '{run_id}'",
        ) == [(mentions,)]
    assert query(home, "SELECT count(*) FROM articles") == [(2,)]
    # A run due while the last one still runs (a loaded machine) finds the lock held and is
    # recorded as skipped, having done nothing.
    assert {r[1] for r in runs} <= {"completed", "interrupted", "failed", "skipped"}
    assert all(r[2:6] == (0, 0, 0, 0) for r in runs if r[1] == "skipped")

    # `labwatch runs` shows them, newest first, with the same figures.
    from tests.test_cli import labwatch

    shown = json.loads(labwatch("runs", "--limit", "50", "--format", "json", home=home).stdout)
    assert len(shown) == len(runs)
    assert [r["prefect_run_id"] for r in shown] == [str(r[6]) for r in reversed(runs)]
    first = shown[-1]
    assert (first["feeds_due"], first["pages_fetched"], first["articles_new"]) == (1, 2, 2)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_prefect_yaml_deploys_to_a_work_pool(tmp_path: Path, home: Path) -> None:
    """`prefect deploy --all` as users run it, against a real Prefect server (started the
    way `labwatch serve` starts one)."""
    from flows.serve import prefect_server

    port = free_port()
    env = prefect_env(tmp_path)
    with (
        environment(env),  # the server inherits our environment
        prefect_server(load_settings(home), port, lambda line: None) as api_url,
    ):
        denv = {**env, "PREFECT_API_URL": api_url}
        prefect = str(Path(sys.executable).parent / "prefect")
        pool = subprocess.run(
            [prefect, "work-pool", "create", "labwatch", "--type", "process"],
            env=denv, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert pool.returncode == 0, pool.stdout + pool.stderr
        deploy = subprocess.run(
            [prefect, "--no-prompt", "deploy", "--all"],
            env=denv, cwd=ROOT, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        found = api(f"{api_url}/deployments/filter", {})
        # A worker started as the README says (LABWATCH_CHECKOUT names the checkout its
        # flow runs work from; it is not a labwatch setting) runs a deployment's flow.
        with open_warehouse(load_settings(home).warehouse):  # a home with a warehouse
            pass
        digest_id = next(d["id"] for d in found if d["name"] == DIGEST)
        run = api(
            f"{api_url}/deployments/{digest_id}/create_flow_run",
            {"parameters": {"home": str(home), "week": "2026-W47"}},
        )
        worker = subprocess.run(
            [prefect, "worker", "start", "--pool", "labwatch", "--run-once"],
            env={**denv, "LABWATCH_CHECKOUT": str(ROOT)}, cwd=tmp_path,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert worker.returncode == 0, worker.stdout + worker.stderr
        with urllib.request.urlopen(f"{api_url}/flow_runs/{run['id']}", timeout=30) as r:
            state = json.load(r)["state"]
    by_name = {d["name"]: d for d in found}
    assert set(by_name) == {INGEST, DIGEST}
    assert all(d["work_pool_name"] == "labwatch" for d in found)
    assert by_name[INGEST]["schedules"][0]["schedule"]["interval"] == 1800
    assert by_name[DIGEST]["schedules"][0]["schedule"]["cron"] == "0 7 * * 1"
    assert by_name[INGEST]["parameters"] == {"home": "data"}
    # Workers resolve the checkout folder when they run the flow, not at deploy time.
    assert "LABWATCH_CHECKOUT" in json.dumps(by_name[INGEST]["pull_steps"])
    assert state["type"] == "COMPLETED", state
    assert (home / "digests" / "2026-W47.md").is_file()
    with open_warehouse(load_settings(home).warehouse) as con:
        recorded = con.execute("SELECT flow, status, prefect_run_id FROM runs").fetchall()
    assert [(f, s, str(p)) for f, s, p in recorded] == [("digest", "completed", run["id"])]
    with socket.socket() as s:  # and the server is stopped afterwards
        assert s.connect_ex(("127.0.0.1", port)) != 0
