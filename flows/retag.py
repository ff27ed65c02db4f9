"""`labwatch retag`: tag every stored article again after the watchlist changed, and bring
story keys up to date: articles stored before keys existed (a warehouse older than migration
0011) get one, and an article whose key no longer matches its text gets its text's; each of
those is placed in its story again (warehouse/stories.py `refresh_stories`).

The articles are read in order with the warehouse open read-only (searches and the web go on
meanwhile), tagged a chunk at a time on the analysis pool's workers, and their new rows
written as they come to a staging file beside the warehouse: while tagging, memory holds a
few chunks whatever the warehouse's size (it held every mention before: 2.2 GB for 20,000
articles). Still held whole: the story fields of articles whose story key is missing or
stale (every article of a warehouse older than migration 0011), placed after the swap.
Then one transaction swaps every tag for the staged ones (warehouse/articles.py
`replace_staged_tags`): readers see the old tags or the new, never a mix. The run lock is held
throughout (warehouse/run_lock.py), so no ingest stores articles between the read and the
swap. A DuckLake has no such lock: there the swap replaces only the tags of the articles
read, and an article another worker stored meanwhile keeps the tags it was stored with.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from flows import rows
from flows.analysis_pool import POOL_THRESHOLD, Analyser
from flows.connection import open_db
from flows.prefect_env import pid_alive
from flows.progress import Progress, log, rate
from flows.retag_rows import Retagged, StoredArticle
from flows.settings import Settings
from flows.stories import STORY_RULE
from warehouse.articles import article_texts, replace_staged_tags, tag_counts
from warehouse.retag_staging import article_count, stage, staging_attached
from warehouse.run_lock import ingest_lock
from warehouse.stories import update_stories

CHUNK = 64  # articles a worker tags at a time: a few hundred KB of rows back
AHEAD = 3  # chunks a worker has in hand: the next is there when it finishes one
READ_DB = {"threads": "1", "memory_limit": "256MB"}  # flows/ingest.py INGEST_DB
# The swap's DuckDB memory: the whole warehouse's tags go through it in one transaction,
# 2.1 GB at 120,000 articles without a cap.
SWAP_DB = {"memory_limit": "512MB"}
REPORT_EVERY = 15.0  # seconds between log lines while tagging (a terminal also gets a counter)


@dataclass(frozen=True)
class RetagResult:
    articles: int
    mentions_before: int
    mentions_after: int
    deals_before: int
    deals_after: int
    version: str
    story_keys: int = 0  # articles given a new story key (none before, or a stale one)
    story_moves: int = 0  # articles that changed story


def retag(
    settings: Settings,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> RetagResult:
    """Re-tag every article with the current watchlist and replace all mentions and deals in
    one transaction; also fingerprint articles stored before fingerprints existed, and give a
    story key to those without one or with a stale one, placing them in their stories again.
    Idempotent: a second run with the same watchlist stores the same rows. `progress(done,
    total)` is called as each chunk's rows are staged."""
    watchlist = settings.load_watchlist()
    stories: list[Mapping[str, Any]] = []
    with ingest_lock(settings.warehouse, holder="retag"), _staging(settings) as staging:
        # Capped as the ingest's stores are: the texts are read once, and DuckDB would
        # otherwise keep what it read cached up to most of the machine's memory.
        with open_db(settings, read_only=True, config=READ_DB) as con:
            before = tag_counts(con)
            total = article_count(con)
            workers = settings.workers if total >= POOL_THRESHOLD else 1
            log.info("retag: tagging %d articles with watchlist %s on %d worker(s)",
                     total, watchlist.version, workers)  # fmt: skip
            counter = Progress("articles", total)
            last_report = time.monotonic()
            with (
                staging_attached(con, staging),
                Analyser(watchlist, workers, settings.deal_model) as analyser,
            ):
                for tagged in _in_order(analyser, article_texts(con), chunk, workers * AHEAD):
                    _stage(con, tagged)
                    stories += tagged.stories
                    counter.tick(tagged.articles)
                    if progress is not None:
                        progress(counter.done, total)
                    if time.monotonic() - last_report >= REPORT_EVERY:
                        last_report = time.monotonic()
                        log.info("retag: %d of %d articles tagged (%s)", counter.done, total,
                                 rate(counter.done, counter.seconds))  # fmt: skip
            counter.close()
        log.info("retag: %d articles tagged in %.1f s; replacing every tag", counter.done,
                 counter.seconds)  # fmt: skip
        stored = _swap(settings, staging, rows.entity_rows(watchlist), watchlist.version)
        with open_db(settings) as con:
            # A second transaction: a retag stopped between the two is completed by the next.
            # In article id order, as they were read before: which of them founds a story
            # depends on the order.
            stories.sort(key=lambda a: str(a["article_id"]))
            moves = update_stories(con, stories, STORY_RULE)
    return RetagResult(
        counter.done,
        before[0],
        stored[0],
        before[1],
        stored[1],
        watchlist.version,
        story_keys=len(stories),
        story_moves=moves,
    )


def _swap(
    settings: Settings, staging: Path, entities: list[dict[str, Any]], version: str
) -> tuple[int, int]:
    """`replace_staged_tags` with DuckDB's memory capped (SWAP_DB; it spills to disk what
    does not fit), or without the cap when even that runs out (the swap's transaction is
    rolled back first, so it is done once)."""
    try:
        with open_db(settings, config=SWAP_DB) as con:
            return replace_staged_tags(con, staging, entities, version)
    except duckdb.OutOfMemoryException as exc:
        log.info("retag: the swap needs more than %s of memory; again without a cap (%s)",
                 SWAP_DB["memory_limit"], exc)  # fmt: skip
    with open_db(settings) as con:
        return replace_staged_tags(con, staging, entities, version)


def _in_order(
    analyser: Analyser,
    batches: Iterable[list[StoredArticle]],
    chunk: int,
    ahead: int,
) -> Iterator[Retagged]:
    """Each chunk of `chunk` articles tagged, in the order read, with at most `ahead` chunks
    on the pool: the texts are read as the workers need them, not all at once."""
    pending: deque[Future[Retagged]] = deque()
    for batch in batches:
        for i in range(0, len(batch), chunk):
            pending.append(analyser.retag(batch[i : i + chunk]))
            while len(pending) >= ahead:
                yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _stage(con: duckdb.DuckDBPyConnection, tagged: Retagged) -> None:
    stage(con, "mentions", tagged.mentions)
    stage(con, "deals", tagged.deals)
    stage(con, "fingerprints", tagged.fingerprints)
    stage(con, "articles", [{"article_id": a} for a in tagged.article_ids])


@contextmanager
def _staging(settings: Settings) -> Iterator[Path]:
    """The staging file's path, free, and removed when the block ends. Beside a DuckDB
    warehouse (on the disk that holds its data; the run lock makes it this retag's alone);
    in the home for a DuckLake, named by process."""
    if isinstance(settings.warehouse, Path):
        path = settings.warehouse.with_name(settings.warehouse.name + ".retag.duckdb")
    else:
        path = settings.home / f"retag-{os.getpid()}.duckdb"
        for left in settings.home.glob("retag-*.duckdb"):  # killed retags' (SIGKILL)
            pid = left.name.removeprefix("retag-").removesuffix(".duckdb")
            if pid.isdigit() and not pid_alive(int(pid)):
                _remove(left)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove(path)  # a killed retag's
    try:
        yield path
    finally:
        _remove(path)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
