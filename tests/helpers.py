"""Helpers the tests share (fixtures are in conftest.py)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from seeds import EXPECTED_DIR, SITE_DIR

SEED_SLUGS = ("amazon-anthropic-investment", "ai-labs-big-tech-backers")


def seed_html(slug: str) -> bytes:
    return (SITE_DIR / f"{slug}.html").read_bytes()


def seed_text(slug: str) -> str:
    return (EXPECTED_DIR / f"{slug}.txt").read_text(encoding="utf-8")


@contextlib.contextmanager
def environment(values: Mapping[str, str], drop: str = "") -> Iterator[None]:
    """os.environ with `values` set (and, with `drop`, the variables whose names start with
    it in any case removed) for the block, then as it was: for code that reads it, and for
    processes the block starts, which inherit it."""
    dropped = [v for v in os.environ if drop and v.upper().startswith(drop)]
    saved = {k: os.environ.get(k) for k in [*dropped, *values]}
    for var in dropped:
        del os.environ[var]
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def labwatch_in_process(
    *args: str,
    stdin: str | bytes | None = None,
    home: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`labwatch ARGS` run by flows.cli.main in this process, its exit status, stdout and
    stderr caught as a process's would be: the environment has no LABWATCH_* but the
    LABWATCH_HOME `home` and `env`, stdin is `stdin`. Seconds faster than a process a call.

    Only for commands that start no Prefect (its settings are read once a process, and its
    server lives on) and need no signal or closed pipe: those run as processes."""
    from flows.cli import main

    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin or b""
    out, err = io.StringIO(), io.StringIO()
    variables = {"LABWATCH_HOME": str(home)} if home is not None else {}
    saved_stdin, sys.stdin = sys.stdin, io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        with (
            environment(variables | (env or {}), drop="LABWATCH_"),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                status = main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors (message printed)
                status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess(["labwatch", *args], status, out.getvalue(), err.getvalue())


def start_serve(
    tmp_path: Path, env: Mapping[str, str], port: int, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """`labwatch serve --port PORT` as a user starts it, its output in tmp_path/serve.log;
    `new_session`: in a process group of its own, as a shell gives a foreground job."""
    labwatch = Path(sys.executable).parent / "labwatch"
    with (tmp_path / "serve.log").open("w") as log:
        return subprocess.Popen(
            [str(labwatch), "serve", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
            start_new_session=new_session,
        )  # fmt: skip


# Loopback worlds of numbered stories: feeds whose items link BASE/a/N, pages of seed text.


def seed_paragraphs() -> list[str]:
    """The seed articles' paragraphs of more than 80 characters: text to build pages from."""
    return [p for s in SEED_SLUGS for p in seed_text(s).split("\n\n") if len(p) > 80]


def story_item(base: str, story: object, published: datetime | None = None, more: str = "") -> str:
    """The RSS <item> of story `story`: title "Story N", link BASE/a/N, the date if given,
    then `more` (more elements, as written)."""
    date = f"<pubDate>{published:%a, %d %b %Y %H:%M:%S +0000}</pubDate>" if published else ""
    return f"<item><title>Story {story}</title><link>{base}/a/{story}</link>{date}{more}</item>"


def rss_feed(title: str, items: Iterable[str]) -> str:
    """An RSS 2.0 document: channel `title`, then the `items` (<item> elements)."""
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"{''.join(items)}</channel></rss>"
    )


def dated_feeds(base: str, feeds: int, stories: int) -> dict[str, str]:
    """`feeds` RSS documents by path (/f0.xml, /f1.xml ...), each of `stories` stories of its
    own, numbered on from feed to feed, story N published N hours after 2026-11-16: every
    story its own time (the digest breaks ties of one time by storage order, which two
    backends or two ingests need not share)."""
    start = datetime(2026, 11, 16, tzinfo=UTC)
    return {
        f"/f{f}.xml": rss_feed(
            f"Feed {f}",
            [
                story_item(base, n, start + timedelta(hours=n))
                for n in range(f * stories, (f + 1) * stories)
            ],
        )
        for f in range(feeds)
    }


def story_page(story: object, dispatch: object, paragraphs: Iterable[str]) -> str:
    """The page of story `story`: its heading, a line naming `dispatch`, the paragraphs."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><body><article><h1>Story {story}</h1><p>Dispatch {dispatch}.</p>{body}"
        "</article></body></html>"
    )


# Comparing two warehouses row for row.

# Tables that hold what an ingest stores (not the search index's, nor the schema's).
STORED = ("articles", "article_urls", "article_feeds", "mentions", "deals", "feeds",
          "feed_fetches", "entry_failures", "page_retries", "entities", "story_keys",
          "story_bands", "runs")  # fmt: skip
# Columns that differ between two runs of the same world: clocks, durations, run ids.
VOLATILE = ("run_id", "prefect_run_id", "fetch_id", "duration_ms")


def stored(where: Any, tables: Iterable[str], skip: Iterable[str] = ()) -> dict[str, Any]:
    """Every row of `tables` (tables or views) of the warehouse at `where` (a path or a
    warehouse.backend.Location), without the columns that differ from run to run (VOLATILE,
    timestamps) and those in `skip`, sorted."""
    from warehouse.database import open_warehouse

    left_out = {*VOLATILE, *skip}
    out = {}
    with open_warehouse(where, read_only=True) as con:
        for table in tables:
            columns = [
                name
                for (name, kind) in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_name = ? AND table_catalog = current_database()"
                    " ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if name not in left_out and not kind.startswith("TIMESTAMP")
            ]
            assert columns, table
            select = ", ".join(f'"{c}"' for c in columns)
            out[table] = con.execute(f"SELECT {select} FROM {table} ORDER BY ALL").fetchall()
    return out


def v_views(con: Any) -> list[str]:
    """The names of the warehouse's own views (v_*) on connection `con`, sorted."""
    return [
        str(r[0])
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            " AND database_name = current_database() AND view_name LIKE 'v\\_%' ESCAPE '\\'"
            " ORDER BY 1"
        ).fetchall()
    ]


def sql_csv(capsys: Any, home: Path, query: str) -> str:
    """`labwatch sql QUERY --format csv` on `home`, every row, run in this process; its output
    (`capsys`: pytest's fixture, which catches it)."""
    from flows.cli import main

    code = main(["sql", query, "--format", "csv", "--max-rows", "0", "--home", str(home)])
    out = capsys.readouterr()
    assert code == 0, out.err
    return str(out.out)


def newest_week_digests(reference: Any, other: Any) -> tuple[str, Any, Any]:
    """The newest week of articles in warehouse `reference`, and its digest data read from
    `other` and from `reference` at one fixed time (week, got, expected): two backends or two
    ingests of one world compared figure for figure."""
    from warehouse.database import open_warehouse
    from warehouse.digest_queries import digest_data
    from warehouse.queries import newest_article_week

    now = datetime(2030, 1, 1, tzinfo=UTC)
    with open_warehouse(reference, read_only=True) as con:
        week = newest_article_week(con)
        assert week
        expected = digest_data(con, week, now)
    with open_warehouse(other, read_only=True) as con:
        got = digest_data(con, week, now)
    return week, got, expected


def all_at_once(
    work: Callable[..., Any], calls: Sequence[tuple[Any, ...]], timeout: float
) -> list[Any]:
    """`work(*args, gate)` for each `args` of `calls`, each in its own spawned process, with
    a barrier as `gate` that `work` waits on where the processes should start together: a
    start at a clock time can pass before a loaded machine has started them all."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager, spawn.Pool(len(calls)) as pool:
        gate = manager.Barrier(len(calls), timeout=timeout)
        runs = [pool.apply_async(work, (*args, gate)) for args in calls]
        return [r.get(timeout=timeout) for r in runs]


@contextlib.contextmanager
def web_in_thread(home: Path) -> Iterator[tuple[str, Any]]:
    """`labwatch web` over `home` in a thread of this process, on a free loopback port, until
    the block ends; yields (its address without a trailing slash, the uvicorn server)."""
    import threading
    import time

    from benchmarks.web import _free_port
    from flows.settings import load_settings
    from flows.web import web_server

    port = _free_port()
    server = web_server(load_settings(home), "127.0.0.1", port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def placed_stories(
    path: Path, batches: Sequence[Sequence[dict[str, Any]]], rule: Any
) -> dict[str, str]:
    """Each batch of article rows stored in turn into a new warehouse at `path` with the
    story rule `rule`: article id -> its story (its cluster, or itself)."""
    from warehouse.articles import append_batch
    from warehouse.database import open_warehouse

    with open_warehouse(path) as con:
        for batch in batches:
            append_batch(con, list(batch), [], [], [], stories=rule)
        return dict(
            con.execute(
                "SELECT article_id, coalesce(cluster_id, article_id) FROM articles"
            ).fetchall()
        )
