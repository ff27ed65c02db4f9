"""Several ingests at once on a DuckLake warehouse: each feed fetched by one of them.

On a lake an ingest takes no lock (warehouse/run_lock.py). It claims its due feeds a few at
a time through leases in the catalog (warehouse/ducklake_lease.py `claim_feeds`), fetches
those, and claims more until none is left: two workers started together share the feed list
between them, a lone worker fetches it all. The leases end with the run (`release`); a
worker killed mid-run leaves its feeds to run out after `LEASE_TTL`, then another run takes
them. The lease also carries the run's heartbeat (`beat_for`), by which the next runs tell
a killed run from a live one. On a DuckDB file (one ingest at a time) there is no lease and
every due feed is fetched at once, as before.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from extractors.crawl import FeedParsers, Tick, fetch_feeds
from extractors.fetch import FetchLimits
from extractors.records import FeedFetch, FeedSpec
from flows.connection import open_db
from flows.progress import log
from flows.run_heartbeat import RunHeartbeat
from flows.settings import Settings
from warehouse.backend import DuckLakeWarehouse

# Longer than an ingest takes: a live worker's feeds are never claimed by another. A killed
# worker's feeds wait this long.
LEASE_TTL = timedelta(hours=2)
# Feeds claimed at a time: an eighth of those due (at least 4), so that workers started
# together each get a share, and a lone worker needs eight claims, not one per feed. A
# chunk is fetched concurrently; the next is claimed when it is done.
CLAIMS = 8
MIN_CLAIM = 4


class FeedLease:
    """The feeds one ingest run holds on a lake."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.started = datetime.now(UTC)
        self.claimed: list[str] = []
        self.heartbeat: RunHeartbeat | None = None

    def beat_for(self, run_id: str) -> None:
        """Start the heartbeat of the run `run_id` (flows/run_heartbeat.py): on a lake, the
        next runs tell it alive by its beats, dead once they stop. Call before writing the
        run's `running` row; it beats until the lease is released."""
        if self.heartbeat is None:
            self.heartbeat = RunHeartbeat(self.settings, run_id, self.worker)
            self.heartbeat.start()

    def fetch(
        self,
        feeds: Sequence[FeedSpec],
        limits: FetchLimits,
        tick: Tick | None = None,
        parsers: FeedParsers | None = None,
    ) -> list[FeedFetch]:
        """Fetch the `feeds` this run holds or can claim, a chunk at a time, in the order
        given; the others are another worker's."""
        from warehouse.ducklake_lease import claim_feeds

        by_id = {f.feed_id: f for f in feeds}
        fetched: dict[str, FeedFetch] = {}
        mine = [i for i in self.claimed if i in by_id]  # held already: this step run again
        with open_db(self.settings) as con:
            while True:
                if not mine:
                    mine = claim_feeds(
                        con, self.worker, list(by_id), ttl=LEASE_TTL,
                        limit=max(MIN_CLAIM, -(-len(by_id) // CLAIMS)), not_since=self.started,
                    )  # fmt: skip
                    self.claimed += mine
                if not mine:
                    break
                got = asyncio.run(fetch_feeds([by_id[i] for i in mine], limits, tick, parsers))
                fetched.update((f.feed.feed_id, f) for f in got)
                mine = []
        if len(fetched) < len(feeds):
            log.info("feeds: %d of %d held by other workers", len(feeds) - len(fetched), len(feeds))
        return [fetched[f.feed_id] for f in feeds if f.feed_id in fetched]

    def release(self) -> None:
        """End this run's leases (its feeds are done); a failure is only logged: the leases
        run out by themselves."""
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if not self.claimed:
            return
        from warehouse.ducklake_lease import release_feeds

        try:
            with open_db(self.settings) as con:
                release_feeds(con, self.worker, self.claimed)
        except Exception as exc:
            log.warning("could not release the feed leases (they run out in %s): %s",
                        LEASE_TTL, exc)  # fmt: skip


@contextmanager
def feed_lease(settings: Settings) -> Iterator[FeedLease | None]:
    """A lease for one ingest run on a lake, released when the block ends; None on a file."""
    if not isinstance(settings.warehouse, DuckLakeWarehouse):
        yield None
        return
    lease = FeedLease(settings)
    try:
        yield lease
    finally:
        lease.release()
