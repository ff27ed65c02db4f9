"""(8) One-off commands: `labwatch digest` of an empty week and `labwatch ingest` with nothing
due, run directly (no Prefect server running: the default) against the old path, a Prefect
flow run on a temporary server (`LABWATCH_PREFECT_ONE_OFF=true`), in the same run.

A home of its own: two of the corpus's feeds ingested once (untimed), then every feed set to
back off, so the ingest has nothing due. The old path runs once untimed first (Prefect
creating its database in the home, timed apart as "fresh"), then each command alternates
between the two paths `repeats` times; the table shows the median wall time.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks.corpus import Corpus
from benchmarks.ingest import fresh_home, prepare_home
from benchmarks.measure import clean_env, run_measured
from warehouse.database import open_warehouse

EMPTY_WEEK = "2020-W02"  # before any article of the corpus
TARGET_S = 2.0  # issue 19: a one-off digest or nothing-due ingest finishes under 2 s


def _home(corpus: Corpus, workdir: Path) -> tuple[Path, Path]:
    home = fresh_home(workdir / "oneoff-home")
    prepare_home(home, corpus, 0.0)
    feeds = home / "oneoff-feeds.toml"
    feeds.write_text(
        "".join(f'[[feed]]\nurl = "{u}"\n\n' for u in corpus.feed_urls[:2]), encoding="utf-8"
    )
    return home, feeds


def bench_oneoff(corpus: Corpus, workdir: Path, repeats: int = 3) -> dict[str, Any]:
    home, feeds = _home(corpus, workdir)
    cli = [sys.executable, "-m", "flows.cli"]
    setup = run_measured([*cli, "ingest", "--feeds", str(feeds), "--home", str(home)], workdir,
                         "oneoff-setup")  # fmt: skip
    with open_warehouse(home / "labwatch.duckdb") as con:
        # Every feed backing off: the next ingest finds nothing due.
        con.execute("UPDATE feeds SET next_due_at = now() + INTERVAL 1 DAY")
        articles = con.execute("SELECT count(*) FROM articles").fetchone()
    commands = {
        "digest": [*cli, "digest", "--week", EMPTY_WEEK, "--home", str(home), "-q"],
        "ingest": [*cli, "ingest", "--feeds", str(feeds), "--home", str(home), "-q"],
    }
    paths = {"direct": clean_env(), "prefect": clean_env(LABWATCH_PREFECT_ONE_OFF="true")}
    fresh = run_measured(commands["digest"], workdir, "oneoff-digest-prefect-fresh",
                         paths["prefect"])  # fmt: skip
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {c: {p: [] for p in paths} for c in commands}
    load = [os.getloadavg()[0]]
    for n in range(repeats):
        for command, argv in commands.items():
            for path, env in paths.items():
                name = f"oneoff-{command}-{path}-{n}"
                # An ingest with nothing due exits 1 (no feed fetched): expected here.
                runs[command][path].append(run_measured(argv, workdir, name, env, ok=(0, 1)))
    load.append(os.getloadavg()[0])
    return {
        # Wall times follow the machine's load; CPU times far less (about the wall time of
        # an idle machine for these single-process commands).
        "load_average": [round(x, 2) for x in load],
        "articles": articles[0] if articles else 0,
        "setup_wall_s": setup["wall_s"],
        "prefect_fresh": fresh,
        "repeats": repeats,
        **{
            command: {
                path: {
                    "wall_s": statistics.median(r["wall_s"] for r in measured),
                    "cpu_s": statistics.median(r["cpu_s"] for r in measured),
                    "peak_rss_mb": max(r["peak_rss_mb"] for r in measured),
                    "runs": measured,
                }
                for path, measured in by_path.items()
            }
            for command, by_path in runs.items()
        },
    }
