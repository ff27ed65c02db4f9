"""The warehouse under real concurrency: a killed ingest (and what it leaves behind), and readers
while an ingest writes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import rss_feed, seed_paragraphs, story_item, story_page
from warehouse.database import connect, open_warehouse

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
ARTICLES = 12


def serve_site(
    httpserver: HTTPServer, delay: float, delay_from: int = 0, articles: int = ARTICLES
) -> str:
    """A feed of `articles` distinct stories whose pages answer after `delay` seconds (those
    numbered `delay_from` and up; the others at once)."""
    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = seed_paragraphs()
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss_feed("T", (story_item(base, n) for n in range(articles))),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)

    def page(request: Request) -> Response:
        n = int(request.path.rsplit("/", 1)[1])
        if n >= delay_from:
            time.sleep(delay)
        return Response(
            story_page(n, f"number {n}", paragraphs[n % 12 : n % 12 + 6]),
            content_type="text/html",
        )

    for n in range(articles):
        httpserver.expect_request(f"/a/{n}").respond_with_handler(page)
    return f"{base}/feed.xml"


def settings_file(home: Path, port: int) -> None:
    (home / "labwatch.toml").write_text(
        f'allowed_private_hosts = ["127.0.0.1:{port}"]\nmin_host_interval = 0\n'
        "batch_size = 3\nworkers = 1\nlock_wait = 30\n"
    )


def count(home: Path, sql: str) -> int:
    with open_warehouse(home / "labwatch.duckdb", read_only=True, lock_wait=30) as con:
        row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def stored_articles(home: Path, at_least: int, seconds: float) -> int:
    """The articles a running ingest has stored, once at least `at_least` (or `seconds` passed)."""
    deadline = time.monotonic() + seconds
    stored = 0
    while time.monotonic() < deadline and stored < at_least:
        time.sleep(0.3)
        if (home / "labwatch.duckdb").exists():
            try:
                stored = count(home, "SELECT count(*) FROM articles")
            except Exception:
                continue  # the file is being created
    return stored


def test_an_ingest_killed_mid_run_is_completed_by_the_next(
    home: Path, httpserver: HTTPServer
) -> None:
    from flows.ingest import ingest

    feed = serve_site(httpserver, delay=0.4)
    settings_file(home, httpserver.port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABWATCH_")}
    env["LABWATCH_HOME"] = str(home)
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "labwatch"), "ingest", "--feed", feed],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        stored = stored_articles(home, at_least=3, seconds=120)
        assert 3 <= stored < ARTICLES, stored
        proc.send_signal(signal.SIGKILL)  # mid-run, between or inside batches
    finally:
        proc.wait(timeout=30)
    before = count(home, "SELECT count(*) FROM articles")
    summary: dict[str, Any] = ingest(feed_urls=[feed], home=str(home))
    assert summary["articles_new"] == ARTICLES - before
    assert count(home, "SELECT count(*) FROM articles") == ARTICLES
    assert (
        count(
            home,
            "SELECT count(*) - count(DISTINCT (article_id, in_title, start_offset)) FROM mentions",
        )
        == 0
    )
    assert (
        count(
            home,
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_feeds f WHERE f.article_id = a.article_id)",
        )
        == 0
    )
    assert count(home, "SELECT count(*) FROM runs WHERE status = 'interrupted'") == 1
    assert count(home, "SELECT count(*) FROM runs WHERE status = 'completed'") == 1


READER = """
import sys, time
from pathlib import Path
from warehouse.database import connect
from warehouse.errors import WarehouseLockedError
path = Path(sys.argv[1])
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        con = connect(path, read_only=True, lock_wait=20)
        try:
            print("ok", con.execute("SELECT count(*) FROM articles").fetchone()[0], flush=True)
        finally:
            con.close()
    except WarehouseLockedError as exc:
        print("wait", exc, flush=True)
    except FileNotFoundError:
        pass
    except Exception as exc:
        print("RAW", type(exc).__name__, exc, flush=True)
    time.sleep(0.05)
"""


def test_readers_query_while_an_ingest_writes(home: Path, httpserver: HTTPServer) -> None:
    from flows.ingest import ingest

    feed = serve_site(httpserver, delay=0.1)
    settings_file(home, httpserver.port)
    ingest(
        feed_urls=[feed], home=str(home), force=True, overrides={"batch_size": 12}
    )  # creates the file
    with open_warehouse(home / "labwatch.duckdb") as con:
        con.execute(
            "DELETE FROM article_urls; DELETE FROM mentions; DELETE FROM deals; DELETE FROM article_feeds; DELETE FROM articles;"
        )
        con.execute("UPDATE feeds SET etag = NULL, last_modified = NULL, body_hash = NULL")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(home / "labwatch.duckdb"), "25"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    try:
        time.sleep(1.0)
        summary = ingest(feed_urls=[feed], home=str(home))
        assert summary["articles_new"] == ARTICLES
    finally:
        out, _ = reader.communicate(timeout=60)
    lines = out.splitlines()
    assert lines, "the reader printed nothing"
    assert not [line for line in lines if line.startswith("RAW")], lines
    counts = [int(line.split()[1]) for line in lines if line.startswith("ok ")]
    assert counts and counts == sorted(counts)  # never a partial or rolled-back view
    assert counts[-1] == ARTICLES
    assert connect(home / "labwatch.duckdb", read_only=True).execute(
        "SELECT count(*) FROM articles"
    ).fetchone() == (ARTICLES,)


def process_table() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, command line), from /proc."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        table[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmd)
    return table


def descendants(pid: int) -> dict[int, str]:
    table = process_table()
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, cmd) in table.items():
            if ppid == parent and child not in found:
                found[child] = cmd
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is gone, only not reaped


@pytest.mark.timeout(900)
def test_a_killed_ingest_leaves_no_process_running_and_search_still_works(
    home: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    """kill -9 of an ingest mid-run: its analysis workers exit by themselves, the Prefect
    server it started is stopped by the next run, and `labwatch search` rebuilds the index
    the killed run never built."""
    # Batches of 8 go to the pool, and each is stored once the next is fetched: the first two
    # batches come at once, the third slowly; the run is killed while it waits for it.
    total = 24
    feed = serve_site(httpserver, delay=5, delay_from=16, articles=total)
    (home / "labwatch.toml").write_text(
        f'allowed_private_hosts = ["127.0.0.1:{httpserver.port}"]\nmin_host_interval = 0\n'
        "batch_size = 8\nworkers = 2\nlock_wait = 30\n"  # batches of 8 go to the pool
    )
    # A Prefect of its own (not the test harness's server), as a user's command has; as a
    # Prefect flow run on a temporary server (prefect_one_off), the server a kill leaves.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABWATCH_", "PREFECT_"))}
    env.update(LABWATCH_HOME=str(home), PREFECT_HOME=str(tmp_path / "prefect-home"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               LABWATCH_PREFECT_ONE_OFF="true")  # fmt: skip
    labwatch = str(Path(sys.executable).parent / "labwatch")
    proc = subprocess.Popen(
        [labwatch, "ingest", "--feed", feed], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        stored = stored_articles(home, at_least=8, seconds=400)
        assert 8 <= stored < total, stored
        helpers = descendants(proc.pid)
        pool = {p for p, cmd in helpers.items() if "multiprocessing" in cmd}
        servers = {p for p, cmd in helpers.items() if "prefect.server.api.server" in cmd}
        assert len(pool) >= 2, helpers  # the workers (and a resource tracker)
        assert len(servers) == 1, helpers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        # The pool's processes notice at once that their ingest is gone.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(alive(p) for p in pool):
            time.sleep(0.2)
        assert not [p for p in pool if alive(p)], "analysis workers outlived their ingest"
        (server,) = servers
        assert alive(server)  # nobody could stop it: the next run will
        assert list((home / "prefect" / "servers").glob("*.json"))

        # The killed run stored articles but never built the search index: search builds it.
        out = subprocess.run(
            [labwatch, "search", "dispatch", "--format", "csv"], env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert "the search index was missing: rebuilt it" in out.stderr
        found = out.stdout.splitlines()[1:]
        assert len(found) == count(home, "SELECT count(*) FROM articles") >= stored

        # The next run stops the leftover server and completes the work.
        out = subprocess.run(
            [labwatch, "ingest", "--feed", feed], env=env,
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert not alive(server)
        assert not list((home / "prefect" / "servers").glob("*.json"))
        assert count(home, "SELECT count(*) FROM articles") == total
    finally:
        for pid in descendants(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.timeout(600)
def test_an_ingest_with_nothing_new_rebuilds_a_missing_search_index(
    home: Path, httpserver: HTTPServer
) -> None:
    from flows.ingest import ingest

    feed = serve_site(httpserver, delay=0)
    settings_file(home, httpserver.port)
    ingest(feed_urls=[feed], home=str(home), overrides={"batch_size": 12})
    with open_warehouse(home / "labwatch.duckdb") as con:
        # As a run killed before its last step leaves it: articles stored, no index.
        con.execute("DROP SCHEMA fts_main_articles CASCADE")
    summary = ingest(feed_urls=[feed], home=str(home))
    assert summary["articles_new"] == 0
    out = labwatch_cli(home, "search", "dispatch", "--format", "csv")
    assert out.returncode == 0 and out.stderr == "", out.stderr  # current: nothing rebuilt
    assert len(out.stdout.splitlines()) == 1 + ARTICLES


def labwatch_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    from tests.test_cli import labwatch

    return labwatch(*args, home=home)
