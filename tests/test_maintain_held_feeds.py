"""A lake worker that finds every due feed held by another worker (issue 18): `labwatch
ingest` exits 0 and says so, as nothing failed; a run whose feeds were all fetched and all
failed still exits 1. Two homes (machines) on one DuckLake in a real PostgreSQL; the other
worker is a real ingest in a process of its own, holding its leases while its feed requests
wait at a gate of the loopback server."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flows.cli import main
from flows.settings import load_settings
from tests.helpers import rss_feed, seed_paragraphs, story_item, story_page
from tests.test_ducklake_ingest import lake_homes
from warehouse.backend import Location
from warehouse.database import open_warehouse

pytestmark = pytest.mark.timeout(900)
FEEDS = 3
ROOT = Path(__file__).resolve().parent.parent


def serve_feeds(httpserver: HTTPServer, gate: threading.Event, fail: threading.Event) -> list[str]:
    """FEEDS feeds of one story each, answered once `gate` is open; HTTP 500 once `fail` is."""
    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = seed_paragraphs()

    def feed(n: int) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            gate.wait(timeout=600)
            if fail.is_set():
                return Response("down", status=500)
            body = rss_feed("Held", [story_item(base, f"h{n}")])
            return Response(body, content_type="application/rss+xml")

        return answer

    for n in range(FEEDS):
        httpserver.expect_request(f"/h{n}.xml").respond_with_handler(feed(n))
        httpserver.expect_request(f"/a/h{n}").respond_with_data(
            story_page(f"h{n}", n, paragraphs[n : n + 4]), content_type="text/html"
        )
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return [f"{base}/h{n}.xml" for n in range(FEEDS)]


def feed_requests(httpserver: HTTPServer) -> Counter[str]:
    return Counter(r.path for r, _ in httpserver.log if r.path.endswith(".xml"))


def live_leases(where: Location) -> int:
    with open_warehouse(where, read_only=True) as con:
        try:
            row = con.execute(
                "SELECT count(DISTINCT feed_id) FROM feed_leases WHERE until > now()"
            ).fetchone()
        except Exception:  # no lease table yet: no worker has claimed
            return 0
    return int(row[0]) if row else 0


@pytest.mark.flow
def test_a_worker_finding_every_feed_held_exits_0_and_all_failing_still_exits_1(
    tmp_path: Path,
    httpserver: HTTPServer,
    catalog: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate, fail = threading.Event(), threading.Event()
    feeds = serve_feeds(httpserver, gate, fail)
    one, two = lake_homes(tmp_path, catalog, feeds, "worker1", "worker2")
    for home in (one, two):
        with (home / "labwatch.toml").open("a", encoding="utf-8") as toml:
            toml.write(
                f'allowed_private_hosts = ["127.0.0.1:{httpserver.port}"]\n'
                "min_host_interval = 0\nmax_retries = 0\ntimeout = 600\n"
            )
    lake = load_settings(one).warehouse
    with open_warehouse(lake):
        pass  # the schema, made once

    # Worker 1 claims every feed, then waits for their answers at the gate.
    code = (
        "from tests.test_ducklake_ingest import ingest_at;"
        f" ingest_at({str(one)!r}, {httpserver.port})"
    )
    worker1 = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while live_leases(lake) < FEEDS and worker1.poll() is None:
            assert time.monotonic() < deadline, "worker 1 claimed no feed"
            time.sleep(0.2)
        assert live_leases(lake) == FEEDS

        # Worker 2 finds them all held: nothing failed, exit 0, and it says why.
        capsys.readouterr()
        assert main(["ingest", "--home", str(two)]) == 0
        out = capsys.readouterr().out
        assert f"all {FEEDS} due feeds are being fetched by other workers" in out
        assert "feeds fetched     0 of 3 (0 not modified, 0 failed, 3 held by other workers)" in out
        # The run's log line counts them as held, not as backing off.
        assert "0 backing off, 3 held by other workers" in caplog.text
    finally:
        gate.set()
        code_one = worker1.wait(timeout=600)
    assert code_one == 0
    assert feed_requests(httpserver) == Counter(f"/h{n}.xml" for n in range(FEEDS))  # worker 1's
    with open_warehouse(lake, read_only=True) as con:
        runs = con.execute(
            "SELECT status, feeds_total, feeds_fetched, feeds_failed, feeds_skipped, articles_new"
            " FROM runs ORDER BY started_at"
        ).fetchall()
    assert sorted(runs) == sorted([("completed", 3, 3, 0, 0, 3), ("completed", 3, 0, 0, 3, 0)]), (
        runs
    )

    # Every feed tried and every one failing is still worth a non-zero status.
    fail.set()
    assert main(["ingest", "--home", str(two)]) == 1
    out = capsys.readouterr().out
    assert "being fetched by other workers" not in out and "HTTP 500" in out
    assert feed_requests(httpserver) == Counter({f"/h{n}.xml": 2 for n in range(FEEDS)})
