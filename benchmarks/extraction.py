"""(2) The extraction limit: labwatch's extraction alone, spread over every core.

The same pages the ingest fetched, read from disk, decoded and extracted exactly as the
ingest does (`extractors.charset.decode_html`, then `extractors.article.extract_article`:
the primary trafilatura setting with its fallback), on a process pool of one worker per
core: no fetching, no Prefect, no database. A second pass runs the whole per-article
analysis of the ingest (`extractors.analyse.analyse`: extraction, fingerprint, tagging,
deals), the limit for everything the ingest computes.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import Page
from extractors.analyse import analyse
from extractors.article import extract_article
from extractors.charset import decode_html
from extractors.entities import Tagger
from extractors.records import FeedEntry, PageInput, Watchlist

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


def _figures(what: str, walls: list[float], cpu: list[float], workers: int) -> dict[str, Any]:
    wall = min(walls)
    return {
        "what": what,
        "pages": len(cpu),
        "workers": workers,
        "wall_s": round(wall, 3),
        "walls_s": [round(w, 3) for w in walls],
        "pages_per_s": round(len(cpu) / wall, 2) if wall else 0.0,
        "cpu_s": round(sum(cpu), 3),
        "cpu_ms_per_page": round(1000 * sum(cpu) / len(cpu), 2) if cpu else 0.0,
    }


def bench_extraction(
    pages: list[Page], watchlist: Watchlist, workers: int, repeats: int = 2
) -> dict[str, Any]:
    """Both passes `repeats` times, alternately; the best wall time of each is kept (the
    machine is shared, and a limit is what the work takes when nothing else runs)."""
    items = [(p.url, str(p.path)) for p in pages]
    chunk = max(1, len(items) // (workers * 8))
    walls: dict[str, list[float]] = {"extract": [], "analyse": []}
    cpu: dict[str, list[float]] = {}
    extracted: list[tuple[float, bool]] = []
    analysed: list[tuple[float, int]] = []
    # forkserver, not fork: the runner has server threads, and fork copies them.
    context = multiprocessing.get_context("forkserver")
    with context.Pool(workers, initializer=_init, initargs=(watchlist,)) as pool:
        assert all(pool.map(_ready, range(workers * 2)))
        for _ in range(max(1, repeats)):
            started = time.perf_counter()
            extracted = pool.map(_extract, items, chunksize=chunk)
            walls["extract"].append(time.perf_counter() - started)
            started = time.perf_counter()
            analysed = pool.map(_analyse, items, chunksize=chunk)
            walls["analyse"].append(time.perf_counter() - started)
            for key, results in (("extract", extracted), ("analyse", analysed)):
                run_cpu = [c for c, _ in results]
                if key not in cpu or sum(run_cpu) < sum(cpu[key]):
                    cpu[key] = run_cpu
        pool.close()
        pool.join()
    extraction = _figures("decode + extract_article", walls["extract"], cpu["extract"], workers)
    extraction["pages_with_text"] = sum(ok for _, ok in extracted)
    analysis = _figures("decode + analyse", walls["analyse"], cpu["analyse"], workers)
    analysis["mentions"] = sum(n for _, n in analysed)
    return {"extraction": extraction, "analysis": analysis}
