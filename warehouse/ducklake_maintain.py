"""Compaction and snapshot expiry of a DuckLake warehouse (`labwatch maintain-warehouse`).

Every ingest batch commits a snapshot and small Parquet files (or rows inlined in the
catalog); left alone, reads slow down and the folder fills with files no snapshot needs.
In order: the heartbeats of ended runs forgotten (warehouse/ducklake_heartbeat.py), inlined
rows flushed into Parquet, adjacent small files merged, snapshots older than `keep` expired,
then the files only they used deleted. Reads and writes may go on
meanwhile: a file is deleted only once no kept snapshot refers to it, and a step whose
commit conflicts with a worker's is run again on the newer snapshot (`retry_conflicts`).
`labwatch maintain-warehouse` and the scheduled flow (flows/maintain.py) call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from warehouse.ducklake import ALIAS
from warehouse.ducklake_heartbeat import forget_finished
from warehouse.ducklake_lease import retry_conflicts


@dataclass(frozen=True)
class Maintained:
    files_before: int
    files_after: int
    snapshots_before: int
    snapshots_after: int
    files_deleted: int
    heartbeats_deleted: int = 0

    def describe(self) -> str:
        """What was done, on one line (the command's output, the flow's log line)."""
        return (
            f"data files {self.files_before} -> {self.files_after} ({self.files_deleted} "
            f"deleted), snapshots {self.snapshots_before} -> {self.snapshots_after}, "
            f"{self.heartbeats_deleted} heartbeats of ended runs forgotten"
        )


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    files = con.execute(
        "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file"
        " WHERE end_snapshot IS NULL"
    ).fetchone()
    snapshots = con.execute(f"SELECT count(*) FROM ducklake_snapshots('{ALIAS}')").fetchone()
    return int(files[0]) if files else 0, int(snapshots[0]) if snapshots else 0


def maintain_lake(con: duckdb.DuckDBPyConnection, keep: timedelta) -> Maintained:
    """Compact the lake attached to `con` as `lake`, keeping `keep` of history."""
    if keep < timedelta(0):
        raise ValueError(f"keep {keep}: must be 0 or more")
    files_before, snapshots_before = _counts(con)
    heartbeats = forget_finished(con)  # one row per ended run, else kept for ever

    def call(sql: str, *params: object) -> list[tuple[object, ...]]:
        # Each CALL commits on its own; workers may be committing meanwhile.
        return retry_conflicts(con, lambda: con.execute(sql, list(params)).fetchall())

    call(f"CALL ducklake_flush_inlined_data('{ALIAS}')")
    call(f"CALL ducklake_merge_adjacent_files('{ALIAS}')")
    cutoff = datetime.now(UTC) - keep
    call(f"CALL ducklake_expire_snapshots('{ALIAS}', older_than => ?)", cutoff)
    # The files only expired snapshots used, scheduled for deletion before the same cutoff
    # (measured: with `keep` 0, every file the merge replaced is deleted in this very run).
    deleted = call(f"CALL ducklake_cleanup_old_files('{ALIAS}', older_than => ?)", cutoff)
    files_after, snapshots_after = _counts(con)
    return Maintained(
        files_before, files_after, snapshots_before, snapshots_after, len(deleted), heartbeats
    )
