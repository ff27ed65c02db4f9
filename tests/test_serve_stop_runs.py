"""What `labwatch serve` does to the runs table as it stops: an ingest run left `running` by
a process killed before it could record its end is marked interrupted, unless an ingest still
holds the lock. Real DuckDB files, a real lock held by another process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from flows.ingest import IngestSummary, write_run
from flows.serve import record_runs_left_running
from flows.settings import load_settings
from tests.test_schedule import query


def _runs(home: Path) -> dict[str, str]:
    return dict(query(home, "SELECT run_id, status FROM runs"))


def _write(home: Path, run_id: str, status: str) -> None:
    settings = load_settings(home)
    write_run(settings, IngestSummary(run_id=run_id).run_row(status, datetime.now(UTC)))


def test_a_run_left_running_is_marked_interrupted_when_serve_stops(home: Path) -> None:
    _write(home, "done", "completed")
    _write(home, "killed", "running")  # its process died before it could say how it ended
    record_runs_left_running(load_settings(home))
    assert _runs(home) == {"done": "completed", "killed": "interrupted"}


def test_a_run_alive_elsewhere_keeps_its_row(home: Path) -> None:
    _write(home, "alive", "running")
    warehouse = load_settings(home).warehouse
    assert isinstance(warehouse, Path)
    # Another process holds the ingest lock, as a live `labwatch ingest` does.
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from warehouse.run_lock import ingest_lock
            with ingest_lock(__import__("pathlib").Path({str(warehouse)!r})):
                print("held", flush=True)
                sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        record_runs_left_running(load_settings(home))
        assert _runs(home) == {"alive": "running"}
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    record_runs_left_running(load_settings(home))  # the lock is free now
    assert _runs(home) == {"alive": "interrupted"}


def test_no_warehouse_is_created_by_stopping(home: Path) -> None:
    settings = load_settings(home)
    record_runs_left_running(settings)
    assert isinstance(settings.warehouse, Path) and not settings.warehouse.exists()
