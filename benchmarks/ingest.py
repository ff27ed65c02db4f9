"""(1) `labwatch ingest` end to end, and (4) a re-run over unchanged feeds next to an empty
Prefect flow.

Each is the real command (`python -m flows.cli ingest --feeds FILE --home HOME`) in its own
process tree, measured by benchmarks.measure. The order matters: an empty flow first, on
the fresh home (Prefect's first start-up there, which also creates its database), then the
ingest, the re-run, and the empty flow again, now warm, which is the fixed cost inside both
ingest runs. Figures on what each run did come from the warehouse's `runs` table.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from benchmarks.corpus import Corpus
from benchmarks.machine import MachineWatch
from benchmarks.measure import run_measured
from warehouse.database import open_warehouse

RUN_FIGURES = (
    "feeds_total", "feeds_fetched", "feeds_not_modified", "feeds_failed", "entries",
    "entries_new", "pages_fetched", "pages_failed", "pages_blocked", "articles_new",
    "mentions", "deals",
)  # fmt: skip


def fresh_home(home: Path) -> Path:
    """`home` emptied: a measured ingest starts from no warehouse and no Prefect state. A
    fixed --workdir keeps the last run's homes, whose warehouse already held every page (the
    ingest then stored none and its figures measured nothing)."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return home


def prepare_home(home: Path, corpus: Corpus, min_host_interval: float) -> Path:
    """A LABWATCH_HOME whose settings allow the corpus's loopback hosts; returns the feed list."""
    home.mkdir(parents=True, exist_ok=True)
    settings = {
        # The corpus is served on loopback, which labwatch refuses for pages unless allowed.
        "allowed_private_hosts": corpus.hosts,
        "min_host_interval": min_host_interval,
    }
    (home / "labwatch.toml").write_text(
        "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items()), encoding="utf-8"
    )
    feeds = home / "bench-feeds.toml"
    feeds.write_text(
        "".join(
            f'[[feed]]\nurl = "{u}"\nname = "bench {n}"\n\n' for n, u in enumerate(corpus.feed_urls)
        ),
        encoding="utf-8",
    )
    return feeds


def last_run(home: Path) -> dict[str, Any]:
    """The figures of the latest ingest run, from the warehouse."""
    columns = ", ".join(RUN_FIGURES)
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        # run_s: the flow's own work, from its first step to its last (no start-up or exit).
        row = con.execute(
            f"SELECT status, {columns}, epoch(ended_at) - epoch(started_at) AS run_s, "
            "epoch(started_at) AS run_started_epoch "
            "FROM runs WHERE flow = 'ingest' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        stored = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM mentions)"
        ).fetchone()
    if row is None or stored is None:
        raise RuntimeError(f"no ingest run recorded in {home}")
    figures = dict(zip(("status", *RUN_FIGURES, "run_s", "run_started_epoch"), row, strict=True))
    figures["run_s"] = round(float(figures["run_s"]), 3)
    figures["run_started_epoch"] = round(float(figures["run_started_epoch"]), 3)
    figures["articles_stored"], figures["mentions_stored"] = stored
    return figures


def role(command: str) -> str:
    """Which part of an ingest's process tree a command is."""
    # The pool first: its command line carries sys.path, which may name a "prefect" folder.
    if "multiprocessing.spawn" in command or "forkserver" in command:
        return "analysis pool"  # its workers (before issue 19's change: a fork server too)
    if "uvicorn" in command or "prefect" in command:
        return "prefect server"
    if "flows.cli" in command:
        return "ingest process"
    return "other"


def cpu_during_run(measured: dict[str, Any], run: dict[str, Any]) -> dict[str, float]:
    """CPU seconds each part of the tree used during the run's own steps (between the
    timeline points nearest the run's start and end, from `runs`), and outside them."""
    timeline = measured.get("timeline") or []
    if not timeline:
        return {}
    start = float(run["run_started_epoch"]) - float(measured["started_epoch"])
    end = start + float(run["run_s"])
    before = max((p for p in timeline if p[0] <= start), key=lambda p: p[0], default=timeline[0])
    after = min((p for p in timeline if p[0] >= end), key=lambda p: p[0], default=timeline[-1])
    cpu_at = {pid: cpu for pid, _, _, cpu in before[2]}
    # The last figure of each process up to the end: pool workers exit before the run ends.
    last: dict[int, tuple[str, float]] = {}
    for point in timeline:
        if before[0] <= point[0] <= after[0]:
            last |= {pid: (command, cpu) for pid, command, _, cpu in point[2]}
    # Read at every sample (benchmarks/measure.py): a process that ended between two points
    # of the timeline, or lived within one, counts up to its last sample.
    at_end = {pid for pid, _, _, _ in after[2]}
    for pid, command, _, seen, cpu in measured.get("cpu_last") or []:
        if pid not in at_end and before[0] <= seen <= after[0]:
            last[pid] = (command, max(cpu, last.get(pid, ("", 0.0))[1]))
    out: dict[str, float] = {}
    for pid, (command, cpu) in last.items():
        key = role(command)
        out[key] = round(out.get(key, 0.0) + cpu - cpu_at.get(pid, 0.0), 2)
    out["window_s"] = round(after[0] - before[0], 2)
    return out


def peak_by_role(measured: dict[str, Any], figure: int = 0) -> dict[str, float]:
    """MB each part of the tree held at the peak: RSS (`figure` 0), PSS (1) or USS (2)."""
    out: dict[str, float] = {}
    for command, *mb in measured.get("peak_by_process", []):
        if figure < len(mb):
            out[role(command)] = round(out.get(role(command), 0.0) + mb[figure], 1)
    return out


def ingest_command(corpus: Corpus, home: Path, min_host_interval: float = 0.0) -> list[str]:
    """`labwatch ingest` of the corpus's feeds into `home`, prepared for it (prepare_home)."""
    feeds = prepare_home(home, corpus, min_host_interval)
    return [sys.executable, "-m", "flows.cli", "ingest", "--feeds", str(feeds), "--home", str(home)]


def measure_ingest(
    corpus: Corpus, workdir: Path, home: Path, name: str, min_host_interval: float = 0.0
) -> dict[str, Any]:
    """`labwatch ingest` of the corpus's feeds into `home` (a fresh one: every page new),
    measured as `name`: its process tree's figures, the run's own from the warehouse, and
    where its CPU and memory went."""
    command = ingest_command(corpus, home, min_host_interval)
    watch = MachineWatch()
    first = run_measured(command, workdir, name)
    first["machine"] = watch.others(float(first["cpu_s"]) + float(first["wrapper_cpu_s"]))
    first_run = last_run(home)
    articles = int(first_run["articles_new"])
    # The run's own steps: `labwatch ingest` no longer starts a Prefect server (section 8 of
    # docs/benchmarks.md), so its wall time minus an empty flow's no longer measures its work.
    work = max(float(first_run["run_s"]), 1e-9)
    return {
        **first,
        **first_run,
        "pages_served": len(corpus.pages),
        "articles_per_s": round(articles / float(first["wall_s"]), 2),
        # Without the interpreter's start and exit: the run's own steps (runs table).
        "articles_per_s_run_steps": round(articles / work, 2),
        "min_host_interval": min_host_interval,
        # Where the CPU went while the run's own steps ran (issue 19: the gap to the limit).
        "cpu_during_run": cpu_during_run(first, first_run),
        # The tree's CPU no process was seen using (the figures above miss it).
        "cpu_unattributed_s": first.get("cpu_unattributed_s"),
        # Who held the memory at the peak, by part of the tree.
        "peak_rss_by_role": peak_by_role(first),
        "peak_pss_by_role": peak_by_role(first, 1),
        "peak_uss_by_role": peak_by_role(first, 2),
    }


def bench_ingest(
    corpus: Corpus, workdir: Path, min_host_interval: float = 0.0, fresh_flow: bool = True
) -> dict[str, Any]:
    home = fresh_home(workdir / "home")
    command = ingest_command(corpus, home, min_host_interval)  # the re-run's
    empty = [sys.executable, "-m", "benchmarks.empty_flow", str(home)]

    # Without it, the ingest is Prefect's first start on this home (slower, and not timed apart).
    fresh = run_measured(empty, workdir, "empty-flow-fresh") if fresh_flow else None
    first = measure_ingest(corpus, workdir, home, "ingest", min_host_interval)
    second = run_measured(command, workdir, "ingest-rerun")
    second_run = last_run(home)
    warm = run_measured(empty, workdir, "empty-flow-warm")
    return {
        "ingest": first,
        "rerun": {**second, **second_run},
        "empty_flow": {"fresh": fresh, "warm": warm},
    }
