"""The warehouse under real concurrency: a killed ingest, and readers while an ingest writes."""

from __future__ import annotations

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

from tests.helpers import SEED_SLUGS, seed_text
from warehouse.database import connect, open_warehouse

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
ARTICLES = 12


def serve_site(httpserver: HTTPServer, delay: float) -> str:
    """A feed of ARTICLES distinct stories whose pages answer after `delay` seconds."""
    base = f"http://127.0.0.1:{httpserver.port}"
    paragraphs = [p for s in SEED_SLUGS for p in seed_text(s).split("\n\n") if len(p) > 80]
    items = "".join(
        f"<item><title>Story {n}</title><link>{base}/a/{n}</link></item>" for n in range(ARTICLES)
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>',
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)

    def page(request: Request) -> Response:
        n = int(request.path.rsplit("/", 1)[1])
        time.sleep(delay)
        body = "".join(f"<p>{p}</p>" for p in paragraphs[n : n + 6])
        return Response(
            f"<html><body><article><h1>Story {n}</h1><p>Dispatch number {n}.</p>{body}</article></body></html>",
            content_type="text/html",
        )

    for n in range(ARTICLES):
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
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and stored < 3:
            time.sleep(0.3)
            if (home / "labwatch.duckdb").exists():
                try:
                    stored = count(home, "SELECT count(*) FROM articles")
                except Exception:
                    continue  # the file is being created
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
