"""(6, search index) The run's closing step at the large warehouse's size: the search index.

An ingest ends by bringing the full-text index up to date over every stored article
(docs/architecture.md, step 8). Built whole, that grows with the warehouse, and a run of a
few hundred new articles into 1M stored ones paid all of it: 11-15 s at 1M. The index now
takes the words of the documents it held unchanged from its own postings and reads only the
new and changed texts (warehouse/search.py `_COUNT`), and updates itself in place, appending
the new documents' postings (`_UPDATE`: postings are counts, scored when read). Measured here
on a copy of the large warehouse: the index built whole, then a run's stores (`RUN_STORES`,
of the ingest's size) appended (as a run stores them), then the index brought up to date as
the closing step does, under its DuckDB settings (the ingest's caps, a thread per core).
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.measure import MeasurementError
from benchmarks.storage import BATCH, analysed_articles
from extractors.records import Watchlist
from flows import rows
from flows.ingest import closing_db
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.search import refresh_if_needed

# A run's stores: a run of a few hundred new articles, as a scheduled ingest brings.
RUN_STORES = 2
# The closing step's settings with the default workers, one a core.
CLOSING_DB = closing_db(os.cpu_count() or 1)


def _timed_refresh(path: Path) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    with open_warehouse(path, config=CLOSING_DB) as con:
        refresh_if_needed(con, force=True)
    return {
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),  # this process's, DuckDB's threads in it
    }


def _documents(path: Path) -> int:
    with open_warehouse(path, read_only=True) as con:
        row = con.execute("SELECT num_docs FROM fts_main_articles.stats").fetchone()
    return int(row[0]) if row else 0


def bench_index(
    generated: Path, path: Path, watchlist: Watchlist, stores: int = RUN_STORES
) -> dict[str, Any]:
    """On a copy of `generated` at `path`: the index built whole, then again after `stores`
    stores of the ingest's size."""
    shutil.copyfile(generated, path)
    whole = _timed_refresh(path)
    analysed = analysed_articles(watchlist, BATCH * stores, seed=13)
    now = datetime.now(UTC)
    stored = 0
    for i in range(0, len(analysed), BATCH):
        batch = rows.article_rows(analysed[i : i + BATCH], "bench", now, watchlist.version)
        with open_warehouse(path) as con:
            stored += append_batch(con, batch[0], [], batch[1], batch[2]).articles
    before = _documents(path)
    after_run = _timed_refresh(path)
    documents = _documents(path)
    if documents != before + stored:
        raise MeasurementError(f"the index holds {documents} documents, not {before + stored}")
    return {
        "documents": documents,
        "new_articles": stored,
        "stores": stores,
        "whole": whole,
        "after_run": after_run,
        "threads": int(CLOSING_DB["threads"]),
    }
