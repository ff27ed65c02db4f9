"""(2) The extraction limit: labwatch's extraction alone, spread over every core.

The same pages the ingest fetched, read from disk, decoded and extracted exactly as the
ingest does (`extractors.charset.decode_html`, then `extractors.article.extract_article`:
the primary trafilatura setting with its fallback), on a process pool of one worker per
core: no fetching, no Prefect, no database. A second pass runs the whole per-article
analysis of the ingest (`extractors.analyse.analyse`: extraction, fingerprint, tagging,
deals), the limit for everything the ingest computes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import Page
from benchmarks.machine import MachineWatch
from extractors.analyse import analyse
from extractors.article import extract_article
from extractors.charset import decode_html
from extractors.entities import Tagger
from extractors.records import FeedEntry, PageInput, Watchlist
from flows.pool_context import LeanSpawn

_tagger: Tagger | None = None


def _init(watchlist: Watchlist) -> None:
    global _tagger
    _tagger = Tagger(watchlist)
    # Warm up trafilatura and lxml so the first page does not pay for their set-up.
    extract_article("<html><body><article><p>" + "word " * 100 + "</p></article></body></html>", "")


def _ready(_: int) -> bool:
    return _tagger is not None


def _extract(item: tuple[str, str]) -> tuple[float, bool]:
    url, path = item
    started = time.process_time()
    html = decode_html(Path(path).read_bytes(), "text/html")
    article = extract_article(html, url)
    return time.process_time() - started, article is not None


def _analyse(item: tuple[str, str]) -> tuple[float, int]:
    assert _tagger is not None
    url, path = item
    started = time.process_time()
    html = decode_html(Path(path).read_bytes(), "text/html")
    entry = FeedEntry(url, "", url, None, "", "", "")
    result = analyse(PageInput(entry, url, html=html), _tagger)
    return time.process_time() - started, len(result.mentions)


def _figures(
    what: str, walls: list[float], cpu: list[float], workers: int, others: list[float]
) -> dict[str, Any]:
    wall = min(walls)
    return {
        "what": what,
        "pages": len(cpu),
        "workers": workers,
        "wall_s": round(wall, 3),
        "walls_s": [round(w, 3) for w in walls],
        # Cores other processes kept busy during each pass (benchmarks/machine.py).
        "others_cores": others,
        "pages_per_s": round(len(cpu) / wall, 2) if wall else 0.0,
        "cpu_s": round(sum(cpu), 3),
        "cpu_ms_per_page": round(1000 * sum(cpu) / len(cpu), 2) if cpu else 0.0,
    }


PASSES = {
    "extract": ("decode + extract_article", _extract),
    "analyse": ("decode + analyse", _analyse),
}


def bench_extraction(
    pages: list[Page],
    watchlist: Watchlist,
    workers: int,
    repeats: int = 2,
    passes: tuple[str, ...] = ("extract", "analyse"),
) -> dict[str, Any]:
    """Each of `passes` `repeats` times, alternately; the best wall time of each is its
    figure, every wall time is kept (`walls_s`) with the load other processes put on the
    machine meanwhile (`others_cores`). Returns {"extraction": ..., "analysis": ...} for
    the passes asked for."""
    items = [(p.url, str(p.path)) for p in pages]
    chunk = max(1, len(items) // (workers * 8))
    walls: dict[str, list[float]] = {name: [] for name in passes}
    others: dict[str, list[float]] = {name: [] for name in passes}
    cpu: dict[str, list[float]] = {}
    results: dict[str, list[tuple[float, Any]]] = {}
    # Workers started as the ingest's are (flows/pool_context.py): fresh interpreters that
    # skip this process's main module; not fork, since the runner has server threads.
    with LeanSpawn().Pool(workers, initializer=_init, initargs=(watchlist,)) as pool:
        assert all(pool.map(_ready, range(workers * 2)))
        for _ in range(max(1, repeats)):
            for name in passes:
                watch = MachineWatch()
                started = time.perf_counter()
                results[name] = pool.map(PASSES[name][1], items, chunksize=chunk)
                walls[name].append(time.perf_counter() - started)
                run_cpu = [c for c, _ in results[name]]
                others[name].append(watch.others(sum(run_cpu))["others_cores"])
                if name not in cpu or sum(run_cpu) < sum(cpu[name]):
                    cpu[name] = run_cpu
        pool.close()
        pool.join()
    out: dict[str, Any] = {}
    if "extract" in passes:
        out["extraction"] = _figures(
            PASSES["extract"][0], walls["extract"], cpu["extract"], workers, others["extract"]
        )
        out["extraction"]["pages_with_text"] = sum(ok for _, ok in results["extract"])
    if "analyse" in passes:
        out["analysis"] = _figures(
            PASSES["analyse"][0], walls["analyse"], cpu["analyse"], workers, others["analyse"]
        )
        out["analysis"]["mentions"] = sum(n for _, n in results["analyse"])
    return out
