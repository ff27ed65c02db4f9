"""What story clustering costs: MinHash signatures of N distinct generated articles, and
storing them in batches of 64 with the LSH join and the verification, against the same
batches stored with no clustering at all. The report sets the sum against the time the
ingest takes for N articles (measured in the same run)."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.storage import BATCH, analysed_articles
from benchmarks.textgen import TextGenerator
from extractors.stories import story_key
from extractors.watchlist import Watchlist
from flows import rows
from warehouse.append import record_watchlist
from warehouse.articles import append_batch
from warehouse.database import open_warehouse


def _store(path: Path, watchlist: Watchlist, batches: list[Any]) -> tuple[float, int]:
    with open_warehouse(path) as con:
        record_watchlist(con, rows.entity_rows(watchlist))
        started = time.perf_counter()
        for arts, mentions, deals in batches:
            append_batch(con, arts, [], mentions, deals)
        wall = time.perf_counter() - started
        row = con.execute("SELECT count(DISTINCT cluster_id) FROM articles").fetchone()
    return wall, int(row[0]) if row else 0


def bench_clustering(workdir: Path, watchlist: Watchlist, n: int = 5000) -> dict[str, Any]:
    gen = TextGenerator(watchlist, random.Random(21))
    texts = [gen.article().text for _ in range(n)]
    started = time.perf_counter()
    keys = [story_key(t) for t in texts]
    keys_s = time.perf_counter() - started
    base = analysed_articles(watchlist, n)
    start = datetime.now(UTC) - timedelta(days=20)
    # Distinct texts over three weeks, so the time window holds thousands of candidates.
    arts = [
        replace(a, text=t, story=k, fingerprint=None, published=start + timedelta(minutes=6 * i))
        for i, (a, t, k) in enumerate(zip(base, texts, keys, strict=True))
    ]
    now = datetime.now(UTC)

    def batches(items: list[Any]) -> list[Any]:
        return [
            rows.article_rows(items[i : i + BATCH], "bench", now, watchlist.version)
            for i in range(0, len(items), BATCH)
        ]

    with_s, stories = _store(workdir / "clusters-on.duckdb", watchlist, batches(arts))
    plain = [replace(a, story=None) for a in arts]
    without_s, _ = _store(workdir / "clusters-off.duckdb", watchlist, batches(plain))
    cluster_s = keys_s + max(0.0, with_s - without_s)
    return {
        "articles": n,
        "stories": stories,
        "signatures_s": round(keys_s, 3),
        "append_with_clustering_s": round(with_s, 3),
        "append_without_clustering_s": round(without_s, 3),
        "clustering_s": round(cluster_s, 3),
        "clustering_ms_per_article": round(1000 * cluster_s / n, 3),
    }
