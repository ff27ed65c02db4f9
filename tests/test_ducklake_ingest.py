"""Ingests into a DuckLake (issue 18): `labwatch ingest` into a lake stores what it stores
into a DuckDB file, and two ingest processes started at once on one lake share the feed
list through leases: every feed fetched once, every article stored once with all its
mentions and deals. The catalog is a real PostgreSQL on loopback (tests/postgres.py), the
feeds and pages a loopback server whose request log counts each feed's fetches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flows.cli import main
from flows.settings import load_settings
from tests.helpers import (
    STORED,
    all_at_once,
    rss_feed,
    seed_paragraphs,
    stored,
    story_item,
    story_page,
    v_views,
)
from tests.test_ducklake import lake_home, serve_dated_world
from warehouse.backend import Location
from warehouse.database import open_warehouse
from warehouse.ducklake_heartbeat import STALE_AFTER, mark_stale_runs
from warehouse.errors import QueryError
from warehouse.search import search_articles

pytestmark = pytest.mark.timeout(900)


def differences(got: list[Any], expected: list[Any]) -> list[Any]:
    """The row counts, then the first rows that differ, each as the columns that differ
    (position, value got, value expected): an assertion message short enough to read."""
    out: list[Any] = [len(got), len(expected)]
    for a, b in zip(got, expected, strict=False):
        if a != b and len(out) < 5:
            out.append(
                [
                    (i, str(x)[:80], str(y)[:80])
                    for i, (x, y) in enumerate(zip(a, b, strict=True))
                    if x != y
                ]
            )
    return out


def views(where: Location) -> tuple[str, ...]:
    with open_warehouse(where, read_only=True) as con:
        return tuple(v_views(con))


def overrides(port: int, **more: Any) -> dict[str, Any]:
    return {"allowed_private_hosts": [f"127.0.0.1:{port}"], "min_host_interval": 0,
            "max_retries": 0, **more}  # fmt: skip


@pytest.mark.flow
def test_labwatch_ingest_into_a_lake_stores_what_it_stores_into_a_file(
    tmp_path: Path, httpserver: HTTPServer, catalog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds = serve_dated_world(httpserver)
    lake_at = lake_home(tmp_path / "lake", catalog, tmp_path / "lakedata")
    file_at = tmp_path / "file"
    file_at.mkdir()
    for home in (file_at, lake_at):
        with (home / "labwatch.toml").open("a", encoding="utf-8") as toml:
            toml.write(
                f'allowed_private_hosts = ["127.0.0.1:{httpserver.port}"]\n'
                "min_host_interval = 0\nmax_retries = 0\nbatch_size = 16\n"
            )
        argv = ["ingest", "--home", str(home), *(a for f in feeds for a in ("--feed", f))]
        assert main([*argv, "--save"]) == 0, capsys.readouterr().err
        assert main(argv) == 0, capsys.readouterr().err  # again: nothing new, nothing twice
    capsys.readouterr()
    lake = load_settings(lake_at).warehouse
    file = load_settings(file_at).warehouse
    assert not isinstance(lake, Path) and isinstance(file, Path)

    in_file = stored(file, (*STORED, *views(file)))
    in_lake = stored(lake, (*STORED, *views(file)))
    assert len(in_file["articles"]) == 48 and len(in_file["deals"]) > 20
    assert len(in_file["runs"]) == 2 and len(in_file["feed_fetches"]) == 8
    for table, rows in in_file.items():
        assert in_lake[table] == rows, table
    # The fetch log's ids, which the writer gives on a lake (no sequences there): 1..8.
    with open_warehouse(lake, read_only=True) as con:
        ids = con.execute("SELECT fetch_id FROM feed_fetches ORDER BY 1").fetchall()
    assert [i for (i,) in ids] == list(range(1, 9))
    # Search has no index in a lake: a clear message, not a crash; the web view's search
    # (search_articles, whose QueryError the web app shows) says the same.
    assert main(["search", "OpenAI", "--home", str(lake_at)]) != 0
    assert "ILIKE" in capsys.readouterr().err
    with (
        open_warehouse(lake, read_only=True) as con,
        pytest.raises(QueryError, match=r"cannot live in a DuckLake.*ILIKE"),
    ):
        search_articles(con, "OpenAI")

    # A retag after a watchlist edit (its rows staged in the home, then swapped in on the
    # lake in one transaction) stores on the lake what it stores in the file.
    for home in (file_at, lake_at):
        extra = home / "mine.toml"
        extra.write_text(
            '[[entity]]\nid = "wire-desk"\nname = "Wire"\nkind = "company"\naliases = ["Wire"]\n'
        )
        with (home / "labwatch.toml").open("a", encoding="utf-8") as toml:
            toml.write(f'watchlist_extra = "{extra}"\n')
        assert main(["retag", "--home", str(home)]) == 0, capsys.readouterr().err
        assert not list(home.glob("retag-*.duckdb*"))
    said = capsys.readouterr().out.splitlines()
    assert len(said) == 2 and said[0] == said[1] and "mentions" in said[0], said
    retagged = ("mentions", "deals", "article_entities", "deal_ledger", "entity_days")
    assert stored(lake, retagged) == stored(file, retagged)
    assert stored(file, ("mentions",)) != {"mentions": in_file["mentions"]}  # it changed them


FEEDS = 40


def serve_shared_world(httpserver: HTTPServer, hold: threading.Event | None = None) -> list[str]:
    """FEEDS feeds of 4 entries: each feed's own two stories, and two it shares with its
    neighbours (the same URL in two feeds, which two workers may both find new); every fifth
    feed's second page is a copy of its first's text under its own URL (the copy stored is
    the first stored: both in one feed, so in one worker's order). The feeds share a title:
    an article's source is the feed it was stored from. `hold`: each feed is answered once
    it is set (a threaded server's handler waits for it, up to HOLD_FOR, then sets it)."""
    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = seed_paragraphs()
    start = datetime(2026, 11, 16, tzinfo=UTC)
    number = {s: n for n, s in enumerate(f"{f}-{x}" for f in range(FEEDS) for x in "abs")}
    feeds = []
    for f in range(FEEDS):
        own = [f"{f}-a", f"{f}-b"]
        shared = [f"s{f}", f"s{(f - 1) % FEEDS}"]
        items = [
            story_item(base, story, start + timedelta(hours=f * 4 + n))
            for n, story in enumerate(own + shared)
        ]
        feed = rss_feed("Wire", items)
        if hold is None:
            httpserver.expect_request(f"/f{f:02d}.xml").respond_with_data(
                feed, content_type="application/rss+xml"
            )
        else:
            httpserver.expect_request(f"/f{f:02d}.xml").respond_with_handler(
                held_until(hold, Response(feed, content_type="application/rss+xml"))
            )
        feeds.append(f"{base}/f{f:02d}.xml")
        for story in [*own, f"s{f}"]:
            shown = f"{f}-a" if story.endswith("-b") and f % 5 == 0 else story
            k = number[shown if shown[0] != "s" else f"{shown[1:]}-s"] % len(paragraphs)
            httpserver.expect_request(f"/a/{story}").respond_with_data(
                story_page(story, shown, (paragraphs * 2)[k : k + 4]), content_type="text/html"
            )
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return feeds


# Longer than a loaded machine's start of a second worker, shorter than a fetch's timeout.
HOLD_FOR = 40.0


def held_until(hold: threading.Event, response: Response) -> Callable[[Request], Response]:
    """A handler answering `response` once `hold` is set; after HOLD_FOR it sets `hold`
    itself, so that a run whose second worker never comes still ends, and fails its test."""

    def handler(_: Request) -> Response:
        if not hold.wait(HOLD_FOR):
            hold.set()
        return response

    return handler


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A loopback server that answers each request in a thread of its own, so that one
    held answer does not hold the others."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def when_two_workers_hold_leases(lake: Location, seen: threading.Event) -> threading.Thread:
    """A thread that sets `seen` once the lake's leases are of two workers (each has
    claimed its first feeds), polling the catalog as another client would."""

    def poll() -> None:
        while not seen.is_set():
            try:
                with open_warehouse(lake, read_only=True) as con:
                    workers = con.execute(
                        "SELECT count(DISTINCT worker) FROM feed_leases WHERE worker IS NOT NULL"
                    ).fetchone()
            except Exception:  # no lease yet (the first claim makes the table); try again
                workers = None
            if workers is not None and workers[0] >= 2:
                seen.set()
            seen.wait(0.2)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return thread


def lake_homes(tmp_path: Path, catalog: str, feeds: list[str], *names: str) -> list[Path]:
    """A home under tmp_path for each of `names` (machines of their own), each on the one
    lake of `catalog` and reading one feed list of `feeds`."""
    feed_list = tmp_path / "feeds.toml"
    feed_list.write_text("".join(f'[[feed]]\nurl = "{u}"\n' for u in feeds), encoding="utf-8")
    homes = [lake_home(tmp_path / name, catalog, tmp_path / "lakedata") for name in names]
    for home in homes:
        with (home / "labwatch.toml").open("a", encoding="utf-8") as toml:
            toml.write(f'feeds = "{feed_list}"\n')
    return homes


def ingest_at(home: str, port: int, gate: Any = None) -> dict[str, Any]:
    """One worker process: wait for the others at `gate` (see tests/helpers.py
    `all_at_once`), then ingest the home's feed list."""
    from flows.ingest import run_ingest

    if gate is not None:
        gate.wait()
    return run_ingest(home=home, overrides=overrides(port, workers=1))


def feed_requests(httpserver: HTTPServer) -> Counter[str]:
    return Counter(r.path for r, _ in httpserver.log if r.path.endswith(".xml"))


@pytest.mark.flow
def test_two_ingests_at_once_on_one_lake_fetch_each_feed_once_and_store_each_article_once(
    tmp_path: Path, threaded_server: HTTPServer, catalog: str
) -> None:
    # The workers start together, but a loaded machine may set one up seconds after the
    # other, and a loopback feed is fetched in milliseconds: the first could fetch every
    # feed before the second claims one. So the feeds are answered once both workers hold
    # leases, as a slow host would keep the first busy; which feeds each claims is theirs.
    httpserver = threaded_server
    both_claimed = threading.Event()
    feeds = serve_shared_world(httpserver, hold=both_claimed)
    homes = lake_homes(tmp_path, catalog, feeds, "worker1", "worker2")
    lake = load_settings(homes[0]).warehouse
    with open_warehouse(lake):
        pass  # the schema, made once beforehand (two first opens may race to make it)

    poller = when_two_workers_hold_leases(lake, both_claimed)
    one, two = all_at_once(ingest_at, [(str(h), httpserver.port) for h in homes], timeout=800)
    poller.join(timeout=60)

    # No feed fetched twice, none left out, and both workers did their share.
    assert feed_requests(httpserver) == Counter(f"/f{f:02d}.xml" for f in range(FEEDS))
    assert one["feeds_fetched"] + two["feeds_fetched"] == FEEDS
    assert one["feeds_fetched"] > 0 and two["feeds_fetched"] > 0, (one, two)
    assert one["feeds_total"] == two["feeds_total"] == FEEDS

    # The same rows as one ingest of the whole world into a DuckDB file, every article once
    # with all its mentions and deals. Which article founds a story depends on the order the
    # workers stored them in, so cluster ids are left out.
    file_home = tmp_path / "file"
    file_home.mkdir()
    from flows.ingest import run_ingest

    run_ingest(
        feed_urls=feeds, home=str(file_home), save=True, overrides=overrides(httpserver.port)
    )
    file = load_settings(file_home).warehouse
    tables = tuple(t for t in STORED if t != "runs")
    # A feed's `new_entries` counts what was not stored when its worker looked.
    in_file = stored(file, tables, skip=("cluster_id", "new_entries"))
    in_lake = stored(lake, tables, skip=("cluster_id", "new_entries"))
    assert len(in_file["articles"]) == FEEDS * 3 - FEEDS // 5  # the copies: links only
    assert len(in_file["mentions"]) > 100 and len(in_file["deals"]) > 20
    for table, rows in in_file.items():
        assert in_lake[table] == rows, (table, differences(in_lake[table], rows))
    with open_warehouse(lake, read_only=True) as con:
        assert (
            con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone()
            == (len(in_file["articles"]),) * 2
        )
        runs = con.execute("SELECT status, feeds_fetched FROM runs ORDER BY ALL").fetchall()
        leases = con.execute("SELECT count(*) FROM feed_leases WHERE until IS NOT NULL").fetchone()
    assert [s for s, _ in runs] == ["completed", "completed"]
    assert leases == (0,)  # released at the end of each run


@pytest.mark.flow
def test_a_killed_workers_feeds_wait_for_its_leases_to_run_out(
    tmp_path: Path, httpserver: HTTPServer, catalog: str
) -> None:
    (home,) = lake_homes(tmp_path, catalog, serve_shared_world(httpserver), "home")
    lake = load_settings(home).warehouse
    with open_warehouse(lake):
        pass

    # A worker killed (SIGKILL: no clean-up) as soon as it holds feeds.
    code = (
        "import sys; from tests.test_ducklake_ingest import ingest_at;"
        f" ingest_at({str(home)!r}, {httpserver.port})"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parent.parent)
    held: list[str] = []
    deadline = time.monotonic() + 300
    while not held and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.2)
        with open_warehouse(lake) as con:
            try:
                held = [
                    str(r[0])
                    for r in con.execute(
                        "SELECT DISTINCT feed_id FROM feed_leases WHERE until > now()"
                    ).fetchall()
                ]
            except Exception:
                held = []
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert held, "the worker claimed no feed"
    with open_warehouse(lake, read_only=True) as con:
        held = [
            str(r[0])
            for r in con.execute(
                "SELECT DISTINCT feed_id FROM feed_leases WHERE until > now() ORDER BY 1"
            ).fetchall()
        ]
        until = con.execute("SELECT min(until) - max(claimed_at) FROM feed_leases"
                            " WHERE until > now()").fetchone()  # fmt: skip
    assert until is not None and until[0] >= timedelta(hours=1)  # the dead worker's, for now
    with open_warehouse(lake, read_only=True) as con:
        dead = con.execute("SELECT run_id FROM runs WHERE status = 'running'").fetchall()
        beats = con.execute("SELECT run_id FROM run_heartbeats").fetchall()
    assert len(dead) == 1 and beats == dead  # it beat before its row was written
    (dead_run,) = dead[0]
    before = feed_requests(httpserver)

    # The next run fetches every feed but those: they wait.
    from flows.ingest import run_ingest
    from warehouse.feed_state import feed_states

    with open_warehouse(lake, read_only=True) as con:
        url_of = {s["feed_id"]: s["url"].rsplit("/", 1)[1] for s in feed_states(con)}
    held_paths = {f"/{url_of[i]}" for i in held}
    second = run_ingest(home=str(home), force=True, overrides=overrides(httpserver.port))
    fetched = feed_requests(httpserver) - before
    assert set(fetched) == {f"/f{f:02d}.xml" for f in range(FEEDS)} - held_paths
    assert all(n == 1 for n in fetched.values())
    assert second["feeds_fetched"] == FEEDS - len(held)
    # Its heartbeat is seconds old: for all the second run knows, it is alive.
    assert run_status(lake, dead_run) == ("running", None)

    # Their leases run out (here: their end moved to the past, as time would), then a run
    # takes exactly those.
    with open_warehouse(lake) as con:
        con.execute("UPDATE feed_leases SET until = now() - INTERVAL 1 SECOND WHERE until > now()")
        # And its last beat is as old as a dead run's gets (STALE_AFTER and more).
        con.execute(
            "UPDATE run_heartbeats SET beat_at = beat_at - ? WHERE run_id = ?",
            [STALE_AFTER + timedelta(minutes=1), dead_run],
        )
    before = feed_requests(httpserver)
    third = run_ingest(home=str(home), overrides=overrides(httpserver.port))
    fetched = feed_requests(httpserver) - before
    assert held_paths <= set(fetched) and all(n == 1 for n in fetched.values())
    assert third["feeds_fetched"] == FEEDS  # theirs too now (the others: due again)
    # The third run found the dead run's heartbeat stopped: interrupted, and says whose.
    status, error = run_status(lake, dead_run)
    assert status == "interrupted" and error and "no heartbeat from worker" in error
    assert (
        run_status(lake, second["run_id"])[0]
        == run_status(lake, third["run_id"])[0]
        == ("completed")
    )


def run_status(lake: Location, run_id: str) -> tuple[str, str | None]:
    with open_warehouse(lake, read_only=True) as con:
        row = con.execute("SELECT status, error FROM runs WHERE run_id = ?", [run_id]).fetchone()
    assert row is not None, run_id
    return str(row[0]), row[1]


def test_a_live_runs_heartbeat_keeps_it_running_and_a_stopped_one_does_not(
    tmp_path: Path, catalog: str
) -> None:
    """Two runs `running` on a lake, each with a heartbeat thread; one thread stops (its
    process killed, as far as the lake can tell). The next run's check marks that one
    interrupted and leaves the one still beating alone, however long it has run."""
    from flows.ingest import IngestSummary, write_run
    from flows.run_heartbeat import RunHeartbeat

    settings = load_settings(lake_home(tmp_path / "home", catalog, tmp_path / "lakedata"))
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    beating = {}
    for run_id, worker in (("live", "host-a:1"), ("dead", "host-b:2")):
        beating[run_id] = RunHeartbeat(settings, run_id, worker, every=0.2)
        beating[run_id].start()
        write_run(settings, IngestSummary(run_id=run_id).run_row("running", long_ago))
    beating["dead"].stop()
    dead_beat = beat_of(settings, "dead")
    deadline = time.monotonic() + 120
    while beat_of(settings, "live") < dead_beat + timedelta(seconds=2):
        assert time.monotonic() < deadline, "the live run's heartbeat did not advance"
        time.sleep(0.2)
    assert beat_of(settings, "dead") == dead_beat  # stopped means stopped
    # A cutoff between the two beats: the dead run's is older, the live one's newer.
    cutoff = dead_beat + (beat_of(settings, "live") - dead_beat) / 2
    with open_warehouse(settings.warehouse) as con:
        now = datetime.now(UTC)
        stale = mark_stale_runs(con, stale_after=now - cutoff, now=now)
    beating["live"].stop()
    assert [r.run_id for r in stale] == ["dead"] and stale[0].worker == "host-b:2"
    status, error = run_status(settings.warehouse, "dead")
    assert status == "interrupted" and error and "host-b:2" in error
    assert run_status(settings.warehouse, "live") == ("running", None)
    # On a DuckDB file the ingest lock decides, as before: no heartbeat needed.
    file_settings = load_settings(tmp_path / "file-home")
    write_run(file_settings, IngestSummary(run_id="old").run_row("running", long_ago))
    write_run(file_settings, IngestSummary(run_id="new").run_row("running", datetime.now(UTC)))
    assert run_status(file_settings.warehouse, "old")[0] == "interrupted"


def beat_of(settings: Any, run_id: str) -> datetime:
    with open_warehouse(settings.warehouse, read_only=True) as con:
        row = con.execute(
            "SELECT max(beat_at) FROM run_heartbeats WHERE run_id = ?", [run_id]
        ).fetchone()
    assert row is not None and row[0] is not None, run_id
    beat: datetime = row[0]
    return beat
