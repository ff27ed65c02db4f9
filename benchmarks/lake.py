"""(10) The DuckLake warehouse (issue 18): ingest throughput with 1, 2 and 4 workers, and the
digest's queries at 10M mentions, each next to the DuckDB file in the same run.

The catalogs live on a throwaway PostgreSQL cluster started on loopback as the tests start
theirs (tests/postgres.py, Debian's postgresql package), a new database per lake.

- Ingest: N `labwatch ingest` processes started at once on one home whose warehouse is a
  new, empty lake, over the bench corpus; the wall time from the first start to the last
  exit, the CPU time of the processes and of the catalog's PostgreSQL, the articles the runs
  stored (the warehouse's `runs` table), so articles/s and CPU seconds per article; the
  machine's load average before and after. The reference is one such process on a DuckDB
  file, measured in the same run. On this 2-core machine (one ingest already uses both
  cores) the curve (N workers against 1) is the figure, not the absolute speed, and CPU per
  article says what coordinating the workers costs. A configuration the ingest cannot run
  is reported as "not measured" with the reason the runs recorded.
- Digest: the synthetic warehouse of the warehouse bench (benchmarks/storage.py `generate`,
  1M articles and 10M mentions by default) in a DuckDB file, copied into a lake by `labwatch
  migrate-warehouse`; then every digest query of that bench (benchmarks/storage.py
  `queries`) on a fresh read-only connection to each (cold, then warm), alternating file and
  lake query by query so both see the same machine load.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.corpus import Corpus
from benchmarks.ingest import fresh_home, prepare_home
from benchmarks.measure import REPO, clean_env, run_measured
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


@dataclass
class Catalogs:
    """The throwaway PostgreSQL server: new databases on it, and the CPU it has used."""

    create_database: Callable[[], str]
    data: Path  # the cluster's data folder (postmaster.pid)

    def cpu_s(self) -> float:
        """CPU seconds of the server's processes so far: the postmaster's own and its
        reaped children's, plus those of its live children (backends, background workers)."""
        try:
            root = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0.0
        total = _ticks(root, children=True)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            fields = _stat_fields(stat)
            if fields and int(fields[1]) == root:
                total += _ticks(int(stat.parent.name), children=False)
        return total / os.sysconf("SC_CLK_TCK")


def _stat_fields(stat: Path) -> list[str]:
    """/proc/PID/stat after the command name: state, ppid, …; [] if the process is gone."""
    try:
        text = stat.read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2 :].split()


def _ticks(pid: int, children: bool) -> int:
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    if not fields:
        return 0
    # utime, stime, cutime, cstime are fields 14-17 of stat(5); [0] here is field 3.
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if children else 0)


@contextmanager
def catalogs() -> Iterator[Catalogs]:
    """A throwaway PostgreSQL cluster on loopback, as the tests start theirs."""
    from tests import postgres

    bin_dir = postgres._bin_dir()
    if bin_dir is None:
        raise LakeUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres.started(bin_dir) as server:
        yield Catalogs(server.create_database, server.folder / "data")


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


def at_once(codes: Path, logs: str, workers: int, command: list[str]) -> None:
    """Start `workers` copies of `command` together, each writing to LOGS-<n>.log; wait for
    all, write their exit statuses to `codes`. Run under benchmarks.measure, so its figures
    (wall, CPU, memory) are those of all the copies."""
    processes = []
    for n in range(workers):
        with open(f"{logs}-{n}.log", "wb") as log:
            processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
    codes.write_text(json.dumps([p.wait() for p in processes]), encoding="utf-8")


def ingest_at_once(
    home: Path, feeds: Path, workers: int, logs: Path, name: str, catalog: Catalogs | None
) -> dict[str, Any]:
    """`workers` ingest processes on `home` started together; wall and CPU time, what they
    stored, and the machine's load around the run."""
    ingest = [sys.executable, "-m", "flows.cli", "ingest", "--feeds", str(feeds)]
    ingest += ["--home", str(home)]
    codes_file = logs / f"{name}-codes.json"
    launcher = [sys.executable, "-m", "benchmarks.lake", str(codes_file), str(logs / name)]
    load_before = os.getloadavg()[0]
    catalog_before = catalog.cpu_s() if catalog else 0.0
    tree = run_measured([*launcher, str(workers), "--", *ingest], logs, name)
    catalog_cpu = catalog.cpu_s() - catalog_before if catalog else 0.0
    codes: list[int] = json.loads(codes_file.read_text(encoding="utf-8"))
    wall, cpu = tree["wall_s"], tree["cpu_s"]
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
        "cpu_s": round(cpu, 2),
        "catalog_cpu_s": round(catalog_cpu, 2),
        "peak_rss_mb": tree["peak_rss_mb"],
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "exit_codes": codes,
        "runs": [{"status": s, "feeds": f, "articles": a, "error": e} for s, f, a, e in runs],
        "articles": articles,
        "articles_stored": stored[0] if stored else 0,
        "articles_per_s": round(articles / wall, 2),
        "cpu_ms_per_article": round(1000 * (cpu + catalog_cpu) / articles, 1) if articles else None,
    }
    # A worker that finds every feed held by the others exits 0 (`labwatch ingest`), so any
    # other status is a failure.
    broken = [r for r in result["runs"] if r["status"] not in ("completed", "skipped")]
    failed = [c for c in codes if c != 0]
    if broken or failed or not articles:
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


def bench_lake_ingest(
    corpus: Corpus, workdir: Path, catalog: Catalogs, workers: tuple[int, ...]
) -> dict[str, Any]:
    root = fresh_home(workdir / "lake-ingest")  # its homes and lakes' files, from none
    home = root / "file-1"
    file_run = ingest_at_once(home, lake_home(home, corpus, None), 1, root, "file-1", None)
    by_workers: dict[str, Any] = {}
    for n in workers:
        home = root / f"lake-{n}"
        lake = DuckLakeWarehouse(catalog.create_database(), f"{root / f'lake-{n}-data'}/")
        feeds = lake_home(home, corpus, lake)
        by_workers[str(n)] = ingest_at_once(home, feeds, n, root, f"lake-{n}", catalog)
        if "not_measured" in by_workers[str(n)]:
            reason = by_workers[str(n)]["not_measured"]
            for rest in workers[workers.index(n) + 1 :]:
                by_workers[str(rest)] = {"workers": rest, "not_measured": f"as with {n}: {reason}"}
            break
    one = by_workers.get("1", {})
    for got in by_workers.values():
        if "not_measured" in got:
            continue
        if one.get("articles_per_s") and "not_measured" not in one:
            got["speedup_vs_lake_1"] = round(got["articles_per_s"] / one["articles_per_s"], 2)
        if file_run.get("articles_per_s") and "not_measured" not in file_run:
            got["speedup_vs_file_1"] = round(got["articles_per_s"] / file_run["articles_per_s"], 2)
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
    # A fixed --workdir's last run left its warehouse and the lake's files: generating into
    # them failed on the feeds' keys.
    for old in (source, source.with_name(source.name + ".wal")):
        old.unlink(missing_ok=True)
    shutil.rmtree(workdir / "lake-digest-data", ignore_errors=True)
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
        if "(before 00" in name:  # the file's old views: the warehouse bench times those
            continue
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
    workers: tuple[int, ...] = WORKERS,
) -> dict[str, Any]:
    """Both measurements on one PostgreSQL server; a part that cannot run says why."""
    try:
        with catalogs() as catalog:
            ingest = (
                bench_lake_ingest(corpus, workdir, catalog, workers)
                if corpus is not None
                else {"not_measured": "no corpus served"}
            )
            digest = bench_lake_digest(
                workdir, watchlist, catalog.create_database, articles, mentions
            )
    except LakeUnavailable as exc:
        return {"not_measured": str(exc)}
    return {"ingest": ingest, "digest": digest}


def _ingest_line(label: str, got: dict[str, Any]) -> Line:
    if "not_measured" in got:
        return Line(SECTION, label, f"not measured: {got['not_measured']}")
    speed = [
        f"x{got[key]:.2f} {against}"
        for key, against in (("speedup_vs_lake_1", "of 1 lake worker"),
                             ("speedup_vs_file_1", "of the file"))
        if key in got
    ]  # fmt: skip
    cpu = got["cpu_ms_per_article"]
    return Line(
        SECTION,
        label,
        f"{got['articles']} articles in {got['wall_s']:.1f} s ({got['articles_per_s']:.2f}/s"
        + "".join(f", {s}" for s in speed)
        + f"); CPU {cpu:.0f} ms/article; load {got['load_before']:.1f}->{got['load_after']:.1f}",
    )


def lake_lines(r: dict[str, Any]) -> list[Line]:
    lake = r["lake"]
    if "not_measured" in lake:
        return [Line(SECTION, "DuckLake", f"not measured: {lake['not_measured']}")]
    out: list[Line] = []
    ingest = lake["ingest"]
    if "not_measured" in ingest:
        out.append(Line(SECTION, "ingest", f"not measured: {ingest['not_measured']}"))
    else:
        out.append(_ingest_line("ingest, DuckDB file, 1 worker", ingest["file_1_worker"]))
        for n, got in ingest["lake"].items():
            label = f"ingest, DuckLake, {n} worker{'s' if n != '1' else ''}"
            out.append(_ingest_line(label, got))
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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 5 or args[3] != "--" or not args[2].isdigit():
        print("usage: python -m benchmarks.lake CODES.json LOGS N -- COMMAND [ARG ...]")
        return 2
    at_once(Path(args[0]), args[1], int(args[2]), args[4:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
