"""Where a store goes at size: `python -m benchmarks.append_parts --workdir DIR`.

Appends stores of the ingest's size (`store_size`, 256 articles) to a copy of the large
synthetic warehouse that `python -m benchmarks.run --only warehouse --workdir DIR` keeps in DIR
(`large-generated.duckdb`), each as the ingest stores it: opened with the ingest's DuckDB
settings, `append_batch` with the entries' feed links and the deals ledger left pending,
closed (its checkpoint); then the ledger computed once, as the run's closing step does. Prints each
batch's wall and CPU time, then the CPU seconds of each part averaged over the batches: the
SQL a warehouse function runs (attributed to the outermost of PARTS on the stack), the
commit, the opening and the closing. The first batch warms the caches and is left out of
the averages. A store's checkpoint merges the row groups of the stores before it only every
few stores (warehouse/store_checkpoint.py): the default of 9 batches averages over two
merges. Not part of `make bench`: a profile for whoever works on appends (issue 19).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import duckdb

from benchmarks.storage import BATCH, analysed_articles, feed_links
from extractors.watchlist import load_watchlist
from flows import rows
from flows.ingest import INGEST_DB
from seeds import SEEDS_DIR
from warehouse import deal_ledger
from warehouse.articles import append_batch
from warehouse.database import connect

# The warehouse functions a batch's SQL is attributed to (the outermost on the stack).
PARTS = (
    "_resolve", "assign_stories", "_sources", "store_keys", "_insert_urls", "insert_rows",
    "insert_new", "add", "refresh", "defer", "new_article_moves", "stored_moves", "move_dates",
    "earliest_dates",
)  # fmt: skip


class TimedConnection:
    """A DuckDB connection whose `execute` adds its CPU time to the part that called it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, times: dict[str, float]) -> None:
        self._con = con
        self._times = times

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        started = time.process_time()
        try:
            return self._con.execute(sql, *args, **kwargs)
        finally:
            self._times[_part(sql)] += time.process_time() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _part(sql: str) -> str:
    frame: FrameType | None = sys._getframe(2)
    names = []
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    outer = next((n for n in reversed(names) if n in PARTS), None)
    if outer == "insert_rows" and "INTO " in sql:
        return "insert_rows " + sql.split("INTO ")[1].split()[0]
    return outer or " ".join(sql.split())[:24]


def profile(workdir: Path, batches: int, size: int = BATCH) -> list[dict[str, float]]:
    """The parts' CPU seconds of each batch of `size` articles (with "wall" and "cpu" for the
    whole batch)."""
    path = workdir / "append-parts.duckdb"
    Path(f"{path}.wal").unlink(missing_ok=True)
    shutil.copyfile(workdir / "large-generated.duckdb", path)
    connect(path).close()  # migrated, untimed
    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml")
    analysed = analysed_articles(watchlist, size * batches, seed=11)
    now = datetime.now(UTC)
    out = []
    for i in range(0, len(analysed), size):
        part = analysed[i : i + size]
        arts, mentions, deals = rows.article_rows(part, "bench", now, watchlist.version)
        links = feed_links(part, now)
        times: dict[str, float] = defaultdict(float)
        wall, cpu = time.perf_counter(), time.process_time()
        con = connect(path, config=INGEST_DB)
        times["open"] = time.process_time() - cpu
        timed: Any = TimedConnection(con, times)  # a proxy of the connection
        counts = append_batch(timed, arts, links, mentions, deals, defer_ledger=True)
        closing = time.process_time()
        con.close()
        times["close (checkpoint)"] = time.process_time() - closing
        times["cpu"] = time.process_time() - cpu
        times["wall"] = time.perf_counter() - wall
        times["rows"] = counts.articles + counts.mentions + counts.deals
        out.append(dict(times))
    # The run's closing step: the deals ledger of every store above, once.
    cpu = time.process_time()
    con = connect(path, config=INGEST_DB)
    deal_ledger.catch_up(con)
    con.close()
    out.append({"catch_up": time.process_time() - cpu})
    path.unlink()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--workdir", type=Path, required=True, help="the warehouse bench's workdir")
    p.add_argument("--batches", type=int, default=9, help="stores appended (9)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=BATCH,
        help=f"articles a store ({BATCH}, the ingest's store_size); two sizes tell a store's"
        " fixed cost from its cost a row",
    )
    args = p.parse_args(argv)
    *runs, closing = profile(args.workdir, max(2, args.batches), max(1, args.batch_size))
    for n, r in enumerate(runs):
        print(f"batch {n}: {r['wall']:.3f} s wall, {r['cpu']:.3f} s CPU, {r['rows']:.0f} rows")
    timed = runs[1:]
    rows_, wall, cpu = (sum(r[k] for r in timed) for k in ("rows", "wall", "cpu"))
    print(f"batches 1-{len(runs) - 1}: {rows_ / wall:,.0f} rows/s, {rows_ / cpu:,.0f} rows/CPU-s")
    parts = {k for r in timed for k in r} - {"wall", "cpu", "rows"}
    mean = {k: sum(r.get(k, 0.0) for r in timed) / len(timed) for k in parts}
    print("CPU s a batch, by part:")
    for k, v in sorted(mean.items(), key=lambda kv: -kv[1]):
        if v >= 0.001:
            print(f"  {k:40s} {v:.3f}")
    rest = sum(r["cpu"] for r in timed) / len(timed) - sum(mean.values())
    print(f"  {'(Python outside these)':40s} {rest:.3f}")
    # The ledger left pending by the stores, computed once as the run's closing step does.
    per_store = closing["catch_up"] / len(runs)
    with_ledger = rows_ / (cpu + closing["catch_up"] * len(timed) / len(runs))
    print(
        f"deals ledger, once for the {len(runs)} stores: {closing['catch_up']:.3f} s CPU"
        " (with its opening and checkpoint)"
    )
    print(f"  ({per_store:.3f} s a store; batches 1-{len(runs) - 1} with their share of it:")
    print(f"  {with_ledger:,.0f} rows/CPU-s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
