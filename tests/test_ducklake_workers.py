"""Two Prefect workers, one PostgreSQL-backed Prefect server, one warehouse (issue 18).

The documented worker path, for real: a Prefect server whose database is PostgreSQL
(tests/prefect_server.py), the `labwatch` process work pool, `prefect deploy --all`, and two
`prefect worker start --pool labwatch` processes (PREFECT_API_URL, LABWATCH_CHECKOUT), each
taking one of two flow runs of the `labwatch-ingest` deployment over a 40-feed loopback
world; the world answers no feed until both runs have started, so they overlap. Checked: every article stored exactly once with every mention and
deal, no feed (and no page) fetched twice, counted at the loopback server, and `labwatch
sql`, the digest and every table and `v_*` view equal to a single-process ingest of the same
world into a DuckDB file.

Both flow runs get the same parameters: how the feeds are shared is the warehouse's business.
On a DuckDB file the ingest lock lets one run do the work and records the other as
`skipped`; on a DuckLake the runs share the due feeds through the feed lease
(warehouse/ducklake_lease.py) and both complete.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flows.deployments import INGEST
from flows.digest_render import render_markdown
from flows.settings import load_settings
from tests.helpers import dated_feeds, newest_week_digests, seed_paragraphs, story_page, v_views
from tests.helpers import sql_csv as sql
from tests.postgres import PostgresServer
from tests.prefect_server import PrefectServer
from warehouse.backend import Location
from warehouse.database import open_warehouse
from warehouse.ducklake import LAKE_ONLY
from warehouse.errors import WarehouseMissingError
from warehouse.queries import lock_down, run_sql

FEEDS = 40
STORIES = 2  # per feed

BACKENDS = [pytest.param("duckdb", id="duckdb-file"), pytest.param("ducklake", id="ducklake")]

# Columns that differ between any two ingests of one world: when and by which run.
RUN_COLUMNS = {
    "run_id", "prefect_run_id", "fetch_id", "fetched_at", "first_seen_at", "last_seen_at",
    "added_at", "loaded_at", "last_fetched_at", "next_due_at", "last_success_at",
    "last_tried_at", "upgraded_at", "created_at", "applied_at", "built_at", "started_at",
    "ended_at", "duration_ms",
}  # fmt: skip
# A run's own bookkeeping, and the lake's own coordination tables (leases, turns).
# Which article founds a story (its id names the story) depends on the order the workers
# stored them in: compared as the partition of articles into stories instead.
STORY_IDS = {"cluster_id", "story_id"}
SKIPPED = {"runs", "schema_migrations", "search_index_state", *LAKE_ONLY}


def serve_world(httpserver: HTTPServer, gate: threading.Event) -> list[str]:
    """FEEDS feeds of STORIES stories each, every story with its own publication hour (the
    digest breaks ties of one time by storage order, which two ingests need not share).
    A feed is answered once `gate` is open: the test holds it shut until both flow runs
    have started, so that they run at the same time."""
    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = seed_paragraphs()
    documents = dated_feeds(base, FEEDS, STORIES)
    for path, body in documents.items():
        httpserver.expect_request(path).respond_with_handler(gated(gate, body))
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for story in range(FEEDS * STORIES):
        # Seven stories told by several feeds each, in paragraphs no two stories share (so
        # which copy founds a story may vary, but not which pages make it).
        group = story % 7
        httpserver.expect_request(f"/a/{story}").respond_with_data(
            story_page(story, story, paragraphs[group * 5 : group * 5 + 5]),
            content_type="text/html",
        )
    return [base + path for path in documents]


def gated(gate: threading.Event, body: str) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        gate.wait(timeout=900)
        return Response(body, content_type="application/rss+xml")

    return answer


def make_home(path: Path, feeds: list[str], port: int, warehouse: str = "") -> Path:
    """A LABWATCH_HOME whose feed list is `feeds`, allowed to fetch from the loopback world."""
    path.mkdir(parents=True)
    (path / "feeds.toml").write_text("".join(f'[[feed]]\nurl = "{u}"\n' for u in feeds))
    (path / "labwatch.toml").write_text(
        f'feeds = "{path / "feeds.toml"}"\n'
        f'allowed_private_hosts = ["127.0.0.1:{port}"]\n'
        "min_host_interval = 0\nmax_retries = 0\nlock_wait = 120\ntimeout = 900\n" + warehouse,
        encoding="utf-8",
    )
    return path


def ran_on(worker_log: str, run_id: str) -> bool:
    """Whether the worker of `worker_log` ran the flow run: submitted it, not aborted."""
    return (
        f"submitting flow run '{run_id}'" in worker_log
        and f"Aborted submission of flow run '{run_id}'" not in worker_log
    )


def until_two_workers_hold_feeds(home: Path, timeout: float = 600) -> None:
    """Wait until two workers hold live feed leases in `home`'s lake (each has claimed its
    first chunk and waits at the gate)."""
    lake = load_settings(home).warehouse
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open_warehouse(lake, read_only=True) as con:
                (workers,) = con.execute(
                    "SELECT count(DISTINCT worker) FROM feed_leases WHERE until > now()"
                ).fetchone() or (0,)
        # No lease table yet, the lake still being set up by a run, or not made yet: the
        # runs have started, but neither has opened the lake (CI saw this once).
        except (duckdb.Error, WarehouseMissingError):
            workers = 0
        if workers >= 2:
            return
        assert time.monotonic() < deadline, f"{workers} worker(s) claimed feeds in {timeout} s"
        time.sleep(0.5)


def requests_by_path(httpserver: HTTPServer, since: int) -> Counter[str]:
    return Counter(request.path for request, _ in httpserver.log[since:])


def projected(con: Any, name: str) -> str:
    """SELECT of `name`'s columns that two ingests of one world share, in a stable order."""
    columns = [
        str(c)
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?"
            " AND schema_name = 'main' AND database_name = current_database()"
            " ORDER BY column_index",
            [name],
        ).fetchall()
    ]
    if not columns:  # a view: its columns as DESCRIBE gives them
        columns = [str(r[0]) for r in con.execute(f"DESCRIBE {name}").fetchall()]
    kept = ", ".join(f'"{c}"' for c in columns if c not in RUN_COLUMNS | STORY_IDS)
    return f"SELECT {kept} FROM {name} ORDER BY ALL"


def relations(con: Any) -> list[str]:
    tables = [
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            " AND database_name = current_database()"
        ).fetchall()
    ]
    return sorted(n for n in [*tables, *v_views(con)] if n not in SKIPPED)


def assert_same_warehouse(got: Location, expected: Location) -> None:
    """Every table and v_* view of `got` row for row as in `expected`, but for the columns
    that say when and by which run; read as `labwatch sql` reads (read-only, locked down)."""
    with (
        open_warehouse(got, read_only=True) as a,
        open_warehouse(expected, read_only=True) as b,
    ):
        lock_down(a)
        lock_down(b)
        names = relations(b)
        assert relations(a) == names
        assert {"articles", "mentions", "deals", "v_deals", "v_mentions_weekly"} <= set(names)
        stories = (
            "SELECT list(url ORDER BY url) FROM articles"
            " GROUP BY coalesce(cluster_id, article_id) ORDER BY ALL"
        )
        partition = b.execute(stories).fetchall()
        assert a.execute(stories).fetchall() == partition and len(partition) == 7
        for name in names:
            query = projected(b, name)
            (columns, mine), (_, theirs) = run_sql(a, query), run_sql(b, query)
            differ = sorted(
                {
                    c
                    for x, y in zip(mine, theirs, strict=False)
                    for c, u, v in zip(columns, x, y, strict=True)
                    if u != v
                }
            )
            assert (len(mine), differ) == (len(theirs), []), name


@pytest.mark.slow
@pytest.mark.timeout(1500)
@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_ingest_a_40_feed_world_once(
    backend: str,
    tmp_path: Path,
    httpserver: HTTPServer,
    prefect_on_postgres: PrefectServer,
    postgres: PostgresServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.ingest import run_ingest

    gate = threading.Event()
    gate.set()
    feeds = serve_world(httpserver, gate)
    port = httpserver.port
    # The reference: one process ingesting the same world into a DuckDB file.
    reference = make_home(tmp_path / "single", feeds, port)
    one = run_ingest(home=str(reference))
    assert one["articles_new"] == FEEDS * STORIES and one["deals"] > 20, one

    warehouse = ""
    if backend == "ducklake":
        warehouse = (
            f'warehouse = "ducklake:postgres:{postgres.create_database()}"\n'
            f'ducklake_data = "{tmp_path / "lake"}"\n'
        )
    home = make_home(tmp_path / "shared", feeds, port, warehouse)
    server = prefect_on_postgres
    seen = len(httpserver.log)
    gate.clear()  # no feed answers until both runs have started
    # Two flow runs of the one deployment, then two workers: each takes one (--limit 1).
    run_ids = [server.run_deployment(f"ingest/{INGEST}", home=str(home)) for _ in range(2)]
    logs = [server.start_worker(f"worker-{n}") for n in (1, 2)]
    try:
        server.wait_for(run_ids, timeout=900, started=True)
        if backend == "ducklake":
            # Started is not yet claiming: a worker still importing could find every feed
            # claimed by the other. Held shut until each holds a share, the runs overlap.
            until_two_workers_hold_feeds(home)
        gate.set()
        runs = server.wait_for(run_ids, timeout=900)
    finally:
        gate.set()
        server.stop_workers()
    worker_logs = [log.read_text() for log in logs]
    states = {r: run["state"]["type"] for r, run in runs.items()}
    assert set(states.values()) == {"COMPLETED"}, (states, [t[-3000:] for t in worker_logs])
    # Each worker ran one of the runs (both may try to submit one: the server lets one win).
    ran = [{r for r in run_ids if ran_on(text, r)} for text in worker_logs]
    assert sorted(map(len, ran)) == [1, 1] and ran[0] | ran[1] == set(run_ids), worker_logs
    # The server kept its state in PostgreSQL.
    assert (
        server.psql(f"SELECT count(*) FROM flow_run WHERE id IN ('{run_ids[0]}', '{run_ids[1]}')")
        == "2"
    )

    # No feed and no page fetched twice, counted where they are served (robots.txt is read
    # once per process: each worker asks for it once).
    fetched = requests_by_path(httpserver, seen)
    twice = {p: n for p, n in fetched.items() if n > 1}
    assert twice == ({"/robots.txt": 2} if backend == "ducklake" else {})
    assert sorted(p for p in fetched if p.endswith(".xml")) == sorted(
        f"/f{f}.xml" for f in range(FEEDS)
    )
    assert sum(1 for p in fetched if p.startswith("/a/")) == FEEDS * STORIES

    lake = load_settings(home).warehouse
    with open_warehouse(lake, read_only=True) as con:
        recorded = con.execute(
            "SELECT prefect_run_id, status, feeds_fetched, articles_new FROM runs"
            " WHERE flow = 'ingest' ORDER BY ALL"
        ).fetchall()
        once = con.execute(
            "SELECT count(*), count(DISTINCT article_id), count(DISTINCT url) FROM articles"
        ).fetchone()
    assert once == (FEEDS * STORIES,) * 3
    assert sorted(str(r[0]) for r in recorded) == sorted(run_ids)
    assert sum(r[2] for r in recorded) == FEEDS and sum(r[3] for r in recorded) == FEEDS * STORIES
    if backend == "duckdb":
        # One run held the ingest lock and did the work; the other stopped and said so.
        assert sorted(r[1] for r in recorded) == ["completed", "skipped"]
    else:
        # Both ran at once, each on its share of the feeds.
        assert [r[1] for r in recorded] == ["completed"] * 2 and all(r[2] > 0 for r in recorded)

    # Every article, mention and deal as the single process stored them; every view too.
    assert_same_warehouse(lake, reference / "labwatch.duckdb")
    for query in (
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions),"
        " (SELECT count(*) FROM deals)",
        "SELECT url, entity_id, count(*) FROM mentions JOIN articles USING (article_id)"
        " GROUP BY ALL ORDER BY ALL",
        "SELECT * FROM v_deals ORDER BY ALL",
        "SELECT * FROM v_mentions_weekly ORDER BY ALL",
    ):
        assert sql(capsys, home, query) == sql(capsys, reference, query), query
    _, got, expected = newest_week_digests(reference / "labwatch.duckdb", lake)
    # A story is named by the id of the article that founded it, which depends on the order
    # the workers stored them in; all else of every story is the same.
    got = dataclasses.replace(
        got, stories=[dataclasses.replace(s, cluster_id="") for s in got.stories]
    )
    expected = dataclasses.replace(
        expected, stories=[dataclasses.replace(s, cluster_id="") for s in expected.stories]
    )
    assert got == expected and expected.this_week.articles > 0 and expected.stories
    assert render_markdown(got) == render_markdown(expected)
