"""(10) The DuckLake warehouse (issue 18): ingest throughput with 1, 2 and 4 workers, and the
digest's queries at 10M mentions, each next to the DuckDB file in the same run.

The catalogs live on a throwaway PostgreSQL cluster started on loopback as the tests start
theirs (tests/postgres.py, Debian's postgresql package), a new database per lake.

- Ingest: N `labwatch ingest` processes started at once on one home whose warehouse is a
  new, empty lake, over the bench corpus; the wall time from the first start to the last
  exit, the articles the runs stored (the warehouse's `runs` table) and so articles/s. The
  reference is one such process on a DuckDB file. On this 2-core machine the curve (N
  workers against 1) is the figure, not the absolute speed. A configuration the ingest cannot
  run yet is reported as "not measured" with the reason the runs recorded.
- Digest: the synthetic warehouse of the warehouse bench (benchmarks/storage.py `generate`,
  1M articles and 10M mentions by default) in a DuckDB file, copied into a lake by `labwatch
  migrate-warehouse`; then every digest query of that bench (benchmarks/storage.py
  `queries`) on a fresh read-only connection to each (cold, then warm), alternating file and
  lake query by query so both see the same machine load.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.corpus import Corpus
from benchmarks.ingest import prepare_home
from benchmarks.measure import REPO, clean_env
from benchmarks.report import Line
from benchmarks.storage import _timed, generate, queries
from extractors.records import Watchlist
from warehouse.backend import DuckLakeWarehouse, Location
from warehouse.database import open_warehouse
from warehouse.queries import newest_article_week, totals

WORKERS = (1, 2, 4)
SECTION = "10 lake"


class LakeUnavailable(RuntimeError):
    """No PostgreSQL to keep a lake's catalog in."""


@contextmanager
def catalogs() -> Iterator[Callable[[], str]]:
    """A throwaway PostgreSQL cluster on loopback, as the tests start theirs; yields a
    function that makes a new, empty database on it and returns its conninfo."""
    from tests import postgres

    bin_dir = postgres._bin_dir()
    if bin_dir is None:
        raise LakeUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres.started(bin_dir) as server:
        yield server.create_database


def lake_home(home: Path, corpus: Corpus, lake: DuckLakeWarehouse | None) -> Path:
    """The bench ingest's home (benchmarks/ingest.py), its warehouse `lake` if given."""
    feeds = prepare_home(home, corpus, 0.0)
    if lake is not None:
        with (home / "labwatch.toml").open("a", encoding="utf-8") as f:
            f.write(f'warehouse = "ducklake:postgres:{lake.catalog}"\n')
            f.write(f'ducklake_data = "{lake.data_path}"\n')
        with open_warehouse(lake):  # the schema made once, before the workers race
            pass
    return feeds


def ingest_at_once(home: Path, feeds: Path, workers: int, logs: Path, name: str) -> dict[str, Any]:
    """`workers` ingest processes on `home` started together; wall time and what they stored."""
    command = [sys.executable, "-m", "flows.cli", "ingest", "--feeds", str(feeds)]
    command += ["--home", str(home)]
    started = time.perf_counter()
    processes = []
    for n in range(workers):
        log = (logs / f"{name}-{n}.log").open("wb")
        processes.append(
            (
                subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, env=clean_env(), cwd=REPO
                ),
                log,
            )
        )
    codes = []
    for process, log in processes:
        codes.append(process.wait())
        log.close()
    wall = time.perf_counter() - started
    from flows.settings import load_settings

    with open_warehouse(load_settings(home).warehouse, read_only=True) as con:
        runs = con.execute(
            "SELECT status, feeds_fetched, articles_new, coalesce(error, '') FROM runs"
            " WHERE flow = 'ingest' ORDER BY started_at"
        ).fetchall()
        stored = con.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
    articles = sum(int(r[2] or 0) for r in runs)
    result: dict[str, Any] = {
        "workers": workers,
        "wall_s": round(wall, 2),
        "exit_codes": codes,
        "runs": [{"status": s, "feeds": f, "articles": a, "error": e} for s, f, a, e in runs],
        "articles": articles,
        "articles_stored": stored[0] if stored else 0,
        "articles_per_s": round(articles / wall, 2),
    }
    broken = [r for r in result["runs"] if r["status"] not in ("completed", "skipped")]
    if broken or any(codes) or not articles:
        said = [_last_error(logs / f"{name}-{n}.log") for n in range(workers)]
        first = (
            broken[0]["error"]
            if broken and broken[0]["error"]
            else next((s for s in said if s), f"exit codes {codes}, {articles} articles")
        )
        result["not_measured"] = first.splitlines()[0][:300]
    elif stored and stored[0] != stored[1]:
        result["not_measured"] = f"{stored[0]} articles stored for {stored[1]} URLs (duplicates)"
    return result


def _last_error(log: Path) -> str:
    """The error a failed `labwatch ingest` printed last, if any."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return next((line for line in reversed(lines) if line.startswith("labwatch ingest:")), "")


def bench_lake_ingest(corpus: Corpus, workdir: Path, made: Callable[[], str]) -> dict[str, Any]:
    root = workdir / "lake-ingest"
    root.mkdir(parents=True, exist_ok=True)
    home = root / "file-1"
    file_run = ingest_at_once(home, lake_home(home, corpus, None), 1, root, "file-1")
    by_workers: dict[str, Any] = {}
    for n in WORKERS:
        home = root / f"lake-{n}"
        lake = DuckLakeWarehouse(made(), f"{root / f'lake-{n}-data'}/")
        feeds = lake_home(home, corpus, lake)
        by_workers[str(n)] = ingest_at_once(home, feeds, n, root, f"lake-{n}")
        if "not_measured" in by_workers[str(n)]:
            reason = by_workers[str(n)]["not_measured"]
            for rest in WORKERS[WORKERS.index(n) + 1 :]:
                by_workers[str(rest)] = {"workers": rest, "not_measured": f"as with {n}: {reason}"}
            break
    return {"file_1_worker": file_run, "lake": by_workers, "pages_served": len(corpus.pages)}


def _time_query(where: Location, run: Any) -> tuple[float, float, int]:
    with open_warehouse(where, read_only=True) as con:
        cold, size = _timed(partial(run, con))
        warm, _ = _timed(partial(run, con))
    return cold, warm, size


def bench_lake_digest(
    workdir: Path, watchlist: Watchlist, made: Callable[[], str], articles: int, mentions: int
) -> dict[str, Any]:
    source = workdir / "lake-digest.duckdb"
    started = time.perf_counter()
    with open_warehouse(source) as con:
        generate(con, watchlist, articles, mentions)
        figures = totals(con)
        week = newest_article_week(con)
    generated = time.perf_counter() - started
    assert week is not None
    # The newest week is partly filled; the digest reports a whole week (as storage.py).
    week = (datetime.strptime(week + "-1", "%G-W%V-%u") - timedelta(weeks=1)).strftime("%G-W%V")
    home = workdir / "lake-digest-home"
    home.mkdir(parents=True, exist_ok=True)
    lake = DuckLakeWarehouse(made(), f"{workdir / 'lake-digest-data'}/")
    (home / "labwatch.toml").write_text(
        f'warehouse = "ducklake:postgres:{lake.catalog}"\nducklake_data = "{lake.data_path}"\n',
        encoding="utf-8",
    )
    started = time.perf_counter()
    copy = subprocess.run(
        [sys.executable, "-m", "flows.cli", "migrate-warehouse", "--from", str(source),
         "--home", str(home)],
        capture_output=True, text=True, env=clean_env(), cwd=REPO, check=False,
    )  # fmt: skip
    migrate_s = time.perf_counter() - started
    if copy.returncode != 0:
        raise RuntimeError(f"migrate-warehouse failed: {copy.stderr[-1000:]}")
    timings: dict[str, dict[str, Any]] = {}
    for name, run in queries(week).items():
        f_cold, f_warm, f_rows = _time_query(source, run)
        l_cold, l_warm, l_rows = _time_query(lake, run)
        timings[name] = {
            "file_cold_s": round(f_cold, 3), "file_warm_s": round(f_warm, 3),
            "lake_cold_s": round(l_cold, 3), "lake_warm_s": round(l_warm, 3),
            "rows": f_rows, "same_row_count": f_rows == l_rows,
        }  # fmt: skip
    data_mb = sum(p.stat().st_size for p in Path(lake.data_path).rglob("*") if p.is_file())
    return {
        **figures,
        "week": week,
        "generate_s": round(generated, 1),
        "migrate_s": round(migrate_s, 1),
        "file_mb": round(source.stat().st_size / 1e6, 1),
        "lake_data_mb": round(data_mb / 1e6, 1),
        "queries": timings,
    }


def bench_lake(
    corpus: Corpus | None,
    workdir: Path,
    watchlist: Watchlist,
    articles: int,
    mentions: int,
) -> dict[str, Any]:
    """Both measurements on one PostgreSQL server; a part that cannot run says why."""
    try:
        with catalogs() as made:
            ingest = (
                bench_lake_ingest(corpus, workdir, made)
                if corpus is not None
                else {"not_measured": "no corpus served"}
            )
            digest = bench_lake_digest(workdir, watchlist, made, articles, mentions)
    except LakeUnavailable as exc:
        return {"not_measured": str(exc)}
    return {"ingest": ingest, "digest": digest}


def lake_lines(r: dict[str, Any]) -> list[Line]:
    lake = r["lake"]
    if "not_measured" in lake:
        return [Line(SECTION, "DuckLake", f"not measured: {lake['not_measured']}")]
    out: list[Line] = []
    ingest = lake["ingest"]
    if "not_measured" in ingest:
        out.append(Line(SECTION, "ingest", f"not measured: {ingest['not_measured']}"))
    else:
        ref = ingest["file_1_worker"]
        out.append(
            Line(
                SECTION,
                "ingest, DuckDB file, 1 worker",
                f"{ref['articles']} articles in {ref['wall_s']:.1f} s "
                f"({ref['articles_per_s']:.1f}/s)",
            )
        )
        one = ingest["lake"].get("1", {})
        for n, got in ingest["lake"].items():
            label = f"ingest, DuckLake, {n} worker{'s' if n != '1' else ''}"
            if "not_measured" in got:
                out.append(Line(SECTION, label, f"not measured: {got['not_measured']}"))
                continue
            curve = (
                got["articles_per_s"] / one["articles_per_s"] if one.get("articles_per_s") else 0
            )
            out.append(
                Line(
                    SECTION,
                    label,
                    f"{got['articles']} articles in {got['wall_s']:.1f} s "
                    f"({got['articles_per_s']:.1f}/s, x{curve:.2f} of 1 worker)",
                )
            )
    d = lake["digest"]
    out.append(
        Line(
            SECTION,
            "digest warehouse",
            f"{d['articles']:,} articles, {d['mentions']:,} mentions; migrate-warehouse "
            f"{d['migrate_s']:.0f} s; file {d['file_mb']:.0f} MB, "
            f"lake data {d['lake_data_mb']:.0f} MB",
        )
    )
    for name, t in d["queries"].items():
        ratio = t["lake_cold_s"] / t["file_cold_s"] if t["file_cold_s"] else 0
        same = "" if t["same_row_count"] else ", ROWS DIFFER"
        out.append(
            Line(
                SECTION,
                f"{name} (cold: lake / file)",
                f"{t['lake_cold_s']:.2f} s / {t['file_cold_s']:.2f} s (x{ratio:.1f}); warm "
                f"{t['lake_warm_s']:.2f} / {t['file_warm_s']:.2f} s{same}",
            )
        )
    return out
