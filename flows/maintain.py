"""The maintenance flow: compaction and snapshot expiry of a DuckLake warehouse, scheduled.

Every ingest batch on a lake commits a snapshot and small files; `run_maintain` compacts
them (warehouse/ducklake_maintain.py `maintain_lake`), keeping `maintain_keep_days` of
snapshots. `labwatch serve` runs it at `maintain_cron` (deployment `labwatch-maintain`,
only when the warehouse is a DuckLake); `labwatch maintain-warehouse` runs it once. Each run
is a row in `runs` (flow "maintain"), a failed one with its reason; its figures are its log
line and its result. A DuckDB file needs no maintenance: the run says so and does nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from extractors.urls import redact_text
from flows.connection import open_db
from flows.held_signals import ignore_ctrl_c_if_served
from flows.oneoff import flow_run_id, prefect_flows, run_logger
from flows.prefect_env import quiet_interrupts
from flows.settings import Settings, load_settings
from warehouse.append import replace_row
from warehouse.backend import DuckLakeWarehouse
from warehouse.database import require_warehouse

NOTHING_TO_DO = "a DuckDB warehouse needs no maintenance"


def run_maintain(home: str | None = None, keep_days: float | None = None) -> dict[str, Any]:
    """Compact the home's DuckLake, expiring snapshots older than `keep_days` (default: the
    `maintain_keep_days` setting); return the figures (files and snapshots before and after,
    files deleted), or `{"skipped": why}` for a DuckDB file."""
    quiet_interrupts()
    ignore_ctrl_c_if_served()  # serve ends its runs itself (flows/held_signals.py)
    settings = load_settings(home, maintain_keep_days=keep_days)
    if not isinstance(settings.warehouse, DuckLakeWarehouse):
        run_logger().info("maintenance: %s", NOTHING_TO_DO)
        return {"skipped": NOTHING_TO_DO}
    require_warehouse(settings.warehouse)  # a lake not made yet: say how, make nothing
    from warehouse.ducklake_maintain import maintain_lake

    run = {
        "run_id": uuid.uuid4().hex[:16],
        "flow": "maintain",
        "prefect_run_id": flow_run_id(),
        "started_at": datetime.now(UTC),
    }
    try:
        with open_db(settings) as con:
            done = maintain_lake(con, timedelta(days=settings.maintain_keep_days))
    except Exception as exc:
        error = redact_text(f"{type(exc).__name__}: {exc}")  # no password of a URL in runs
        run_logger().error("maintenance failed: %s", error)
        _record_run(settings, {**run, "status": "failed", "error": error})
        raise
    _record_run(settings, {**run, "status": "completed"})
    run_logger().info(
        "maintenance of %s: %s (snapshots older than %g days expired)",
        settings.warehouse, done.describe(), settings.maintain_keep_days,
    )  # fmt: skip
    return {"run_id": run["run_id"], "keep_days": settings.maintain_keep_days, **asdict(done)}


def _record_run(settings: Settings, row: dict[str, Any]) -> None:
    """The run's row in `runs`. A failure to write it (the catalog down: what failed the
    run too) is logged, so that the run fails with its own error."""
    try:
        with open_db(settings) as con:
            replace_row(con, "runs", {**row, "ended_at": datetime.now(UTC)})
    except Exception as exc:
        run_logger().warning("could not record the run in `runs`: %s: %s",
                             type(exc).__name__, exc)  # fmt: skip


# The Prefect flow `maintain` (run_maintain), built when first looked up (flows/oneoff.py).
_flows = prefect_flows(globals(), maintain=run_maintain)


def __getattr__(name: str) -> Any:
    return _flows(name)
