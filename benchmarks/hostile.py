"""Hostile pages through the real `labwatch ingest`: time and memory of the whole process tree.

    python -m benchmarks.hostile [WORKDIR]

Two inputs of issue 21, each served on loopback and ingested into a fresh home by
`python -m flows.cli ingest --feed URL --allow-host HOST --home HOME` under
benchmarks.measure (wall time, peak RSS and PSS summed over every process of the tree):

- `runon-page`: a 9 MB page of one endless sentence naming entities ("Anthropic and OpenAI
  and Microsoft said words …", no full stop), linked from a feed item;
- `ordinary`: one ordinary article (a seed story), for the fixed cost of the command;
- `summary`: a feed item whose summary is a 300 KB single sentence full of entity names,
  linking to a page that answers 404, so the summary is the article's text.

Prints one line per input (wall and CPU s, peak RSS MB, peak PSS MB, mentions stored, the longest
stored context, the article's analysis note) and writes WORKDIR/hostile.json.
The issue's target: each under 30 s with a peak RSS under 600 MB.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.ingest import fresh_home
from benchmarks.measure import clean_env, run_measured
from seeds import SITE_DIR
from warehouse.database import open_warehouse

RUN_ON = "Anthropic and OpenAI and Microsoft said words about Google and Amazon and things "


def run_on(chars: int) -> str:
    """`chars` characters of one sentence naming entities, with no full stop."""
    return (RUN_ON * (chars // len(RUN_ON) + 1))[:chars]


def rss(link: str, description: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Hostile</title>'
        f"<item><title>One endless sentence</title><link>{link}</link>"
        "<pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate>"
        f"<description>{description}</description></item></channel></rss>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[str, bytes]]] = {}  # path -> (content type, body)

    def do_GET(self) -> None:  # the name http.server dispatches to
        found = self.routes.get(self.path)
        if found is None:
            self.send_error(404)
            return
        kind, body = found
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(routes: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def inputs(host: str) -> dict[str, dict[str, tuple[str, bytes]]]:
    base = f"http://{host}"
    page = f"<html><head><title>Run-on</title></head><body><article><p>{run_on(9_000_000)}</p>"
    page += "</article></body></html>"
    ordinary = (SITE_DIR / "amazon-anthropic-investment.html").read_bytes()
    return {
        # The fixed cost: the same command on one ordinary article.
        "ordinary": {
            "/feed.xml": ("application/rss+xml", rss(f"{base}/story.html")),
            "/story.html": ("text/html; charset=utf-8", ordinary),
        },
        "runon-page": {
            "/feed.xml": ("application/rss+xml", rss(f"{base}/runon.html")),
            "/runon.html": ("text/html; charset=utf-8", page.encode()),
        },
        "summary": {
            "/feed.xml": ("application/rss+xml", rss(f"{base}/missing", run_on(300_000))),
        },
    }


def stored(home: Path) -> dict[str, Any]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        row = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions),"
            " (SELECT max(length(sentence)) FROM mentions),"
            " (SELECT sum(length(sentence)) FROM mentions),"
            " (SELECT count(*) FROM deals),"
            " (SELECT string_agg(analysis_note, ' | ') FROM articles)"
        ).fetchone()
    assert row is not None
    keys = ("articles", "mentions", "longest_context", "context_chars", "deals", "note")
    return dict(zip(keys, row, strict=True))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    workdir = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="labwatch-hostile-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    routes: dict[str, tuple[str, bytes]] = {}
    with serve(routes) as host:
        for name, served in inputs(host).items():
            routes.clear()
            routes.update(served)
            home = fresh_home(workdir / name)
            # Prefect's first start on a home creates its database: done before, not timed.
            # (A generous start-up timeout: on a loaded machine the server is slow to start.)
            env = clean_env(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="600")
            warm_up = [sys.executable, "-m", "benchmarks.empty_flow", str(home)]
            run_measured(warm_up, workdir, f"{name}-warm-up", env)
            command = [sys.executable, "-m", "flows.cli", "ingest", "--home", str(home)]
            command += ["--feed", f"http://{host}/feed.xml", "--allow-host", host]
            figures = run_measured(command, workdir, name, env)
            results[name] = {"command": " ".join(command), **figures, **stored(home)}
            r = results[name]
            print(
                f"{name:<11} wall {r['wall_s']:6.1f} s  CPU {r['cpu_s']:6.1f} s"
                f"  peak RSS {r['peak_rss_mb']:6.0f} MB  PSS {r['peak_pss_mb']:6.0f} MB"
                f"  mentions {r['mentions']}"
                f"  longest context {r['longest_context']}  deals {r['deals']}  note: {r['note']}"
            )
    (workdir / "hostile.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"figures in {workdir / 'hostile.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
