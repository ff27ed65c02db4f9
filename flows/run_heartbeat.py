"""The heartbeat of one ingest run on a DuckLake: a thread that records every `BEAT_EVERY`
that the run is alive (warehouse/ducklake_heartbeat.py), so that the next run can tell a
killed run (its beats stopped) from a live one. Started by the run's feed lease
(flows/feed_lease.py) before the run's row is written, stopped when the run ends.
"""

from __future__ import annotations

import threading

from flows.connection import open_db
from flows.progress import log
from flows.settings import Settings
from warehouse.ducklake_heartbeat import BEAT_EVERY, beat


class RunHeartbeat:
    """Beats for `run_id` (run by `worker`) every `every` seconds until `stop`."""

    def __init__(
        self,
        settings: Settings,
        run_id: str,
        worker: str,
        every: float = BEAT_EVERY.total_seconds(),
    ) -> None:
        self.settings, self.run_id, self.worker, self.every = settings, run_id, worker, every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="run-heartbeat", daemon=True)

    def start(self) -> None:
        """The first beat now (the run's row is never without one), then one every `every`."""
        self.beat()
        self._thread.start()

    def beat(self) -> bool:
        """One beat; a failure (the catalog unreachable a while) is logged, not raised: the
        run goes on, and only `STALE_AFTER` without a beat makes it look dead."""
        try:
            with open_db(self.settings) as con:
                beat(con, self.run_id, self.worker)
        except Exception as exc:
            log.warning("run %s: heartbeat not recorded: %s", self.run_id, exc)
            return False
        return True

    def _run(self) -> None:
        while not self._stopped.wait(self.every):
            self.beat()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
