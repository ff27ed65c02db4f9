"""The DuckLake's scheduled maintenance (issue 18): the `labwatch-maintain` deployment that
`labwatch serve` and prefect-ducklake.yaml add on a lake only, and its flow run for real
under Prefect's test harness on a lake in a real PostgreSQL, with many small appends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main
from flows.deployments import DIGEST, INGEST, MAINTAIN, plans, to_deployment
from flows.serve import schedule_lines
from flows.settings import SettingsError, load_settings
from tests.test_ducklake import lake_home
from warehouse.database import open_warehouse

APPENDS = 12  # small appends, one Parquet file and one snapshot each
ROWS = 40  # per append: more than DuckLake inlines in the catalog


def test_a_lake_home_serves_the_maintenance_deployment_and_a_file_home_does_not(
    tmp_path: Path,
) -> None:
    lake = lake_home(tmp_path / "lake", "host=db.internal dbname=lw", tmp_path / "data")
    with (lake / "labwatch.toml").open("a", encoding="utf-8") as toml:
        toml.write('maintain_cron = "40 2 * * 0"\ntimezone = "Europe/Paris"\n')
    on_lake = plans(load_settings(lake))
    assert [p.name for p in on_lake] == [INGEST, DIGEST, MAINTAIN]
    maintain = on_lake[2]
    assert (maintain.flow, maintain.cron, maintain.timezone, maintain.interval) == (
        "flows.maintain.maintain", "40 2 * * 0", "Europe/Paris", None,
    )  # fmt: skip
    assert maintain.parameters == {"home": str(lake.resolve())}
    # Sundays 02:40 in Paris.
    nxt = maintain.next_runs(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), 2)
    assert [(d.isoweekday(), d.hour, d.minute) for d in nxt] == [(7, 2, 40)] * 2
    deployment = to_deployment(maintain)
    assert (deployment.name, deployment.entrypoint) == (MAINTAIN, "flows.maintain.maintain")
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "40 2 * * 0"  # type: ignore[union-attr]
    # What serve prints lists it with its schedule.
    lines = schedule_lines(on_lake, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert any(MAINTAIN in line and "cron '40 2 * * 0'" in line for line in lines), lines

    # A DuckDB file: the two deployments of before, whatever maintain_cron says.
    file_home = tmp_path / "file"
    file_home.mkdir()
    (file_home / "labwatch.toml").write_text('maintain_cron = "40 2 * * 0"\n', encoding="utf-8")
    assert [p.name for p in plans(load_settings(file_home))] == [INGEST, DIGEST]
    # The default: daily at 03:15.
    (default,) = [p for p in plans(load_settings(lake_home(tmp_path / "l2", "x", tmp_path)))
                  if p.name == MAINTAIN]  # fmt: skip
    assert default.cron == "15 3 * * *"


def test_bad_maintenance_settings_are_clear_errors(tmp_path: Path) -> None:
    lake = lake_home(tmp_path / "lake", "host=db", tmp_path / "data")
    with pytest.raises(SettingsError, match=r"setting maintain_cron: not a cron expression"):
        plans(load_settings(lake, maintain_cron="daily at 3"))
    (lake / "labwatch.toml").write_text(
        (lake / "labwatch.toml").read_text() + "maintain_keep_days = -1\n", encoding="utf-8"
    )
    with pytest.raises(SettingsError, match=r"maintain_keep_days = -1 .*from 0 to 3,650"):
        load_settings(lake)


def lake_files(data: Path) -> set[Path]:
    return set(data.rglob("*.parquet"))


def append_small_batches(where: Any) -> None:
    """APPENDS transactions of ROWS runs each: small files and a snapshot each."""
    with open_warehouse(where) as con:
        for n in range(APPENDS):
            con.execute(
                "INSERT INTO runs (run_id, flow, started_at, status)"
                " SELECT 'old-' || ? || '-' || i, 'ingest', now(), 'completed' FROM range(?) t(i)",
                [n, ROWS],
            )


def snapshots(con: Any) -> int:
    row = con.execute("SELECT count(*) FROM ducklake_snapshots('lake')").fetchone()
    return int(row[0])


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_the_maintenance_flow_compacts_the_lake_and_expires_old_snapshots(
    tmp_path: Path, catalog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.maintain import maintain

    data = tmp_path / "data"
    home = lake_home(tmp_path / "home", catalog, data)
    where = load_settings(home).warehouse
    append_small_batches(where)
    on_disk = lake_files(data)
    with open_warehouse(where, read_only=True) as con:
        before = snapshots(con)
        appended = con.execute("SELECT count(*) FROM runs WHERE run_id LIKE 'old-%'").fetchone()
    assert len(on_disk) >= APPENDS and before > APPENDS and appended == (APPENDS * ROWS,)

    done = maintain(home=str(home), keep_days=0)  # every snapshot but the newest expires

    assert done["files_before"] >= APPENDS and done["files_after"] < done["files_before"]
    assert done["snapshots_before"] == before and done["snapshots_after"] < before
    assert done["files_deleted"] > 0 and done["keep_days"] == 0
    after_disk = lake_files(data)
    assert len(after_disk) < len(on_disk)  # the merged files' old parts are gone from disk
    with open_warehouse(where, read_only=True) as con:
        assert snapshots(con) <= done["snapshots_after"] + 1  # + the run's own row
        assert (
            con.execute("SELECT count(*) FROM runs WHERE run_id LIKE 'old-%'").fetchone()
            == appended
        )  # compaction changes files, never rows
        recorded = con.execute(
            "SELECT status, error, prefect_run_id IS NOT NULL FROM runs WHERE flow = 'maintain'"
        ).fetchall()
    assert recorded == [("completed", None, True)]

    # `labwatch maintain-warehouse` runs the same function once: a second row, nothing to
    # merge now; `labwatch runs --flow maintain` lists both.
    assert main(["maintain-warehouse", "--home", str(home), "--keep-days", "0", "-q"]) == 0
    capsys.readouterr()
    assert main(["runs", "--flow", "maintain", "--format", "json", "--home", str(home)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(r["flow"], r["status"]) for r in shown] == [("maintain", "completed")] * 2


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_failed_maintenance_is_recorded_with_its_reason(tmp_path: Path, catalog: str) -> None:
    from flows.maintain import maintain

    data = tmp_path / "data"
    home = lake_home(tmp_path / "home", catalog, data)
    where = load_settings(home).warehouse
    append_small_batches(where)
    with open_warehouse(where, read_only=True) as con:
        row = con.execute(
            "SELECT min(data_file) FROM ducklake_list_files('lake', 'runs')"
        ).fetchone()
    assert row is not None
    lost = Path(str(row[0]))
    lost.unlink()  # a data file lost (a disk, a careless rm): merging it cannot work

    with pytest.raises(Exception, match=lost.name) as raised:
        maintain(home=str(home), keep_days=0)
    with open_warehouse(where, read_only=True) as con:
        recorded = con.execute("SELECT status, error FROM runs WHERE flow = 'maintain'").fetchall()
    ((status, error),) = recorded
    assert status == "failed" and lost.name in error
    assert type(raised.value).__name__ in error


def test_a_duckdb_file_needs_no_maintenance(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.maintain import run_maintain

    assert run_maintain(str(home)) == {"skipped": "a DuckDB warehouse needs no maintenance"}
    assert not (home / "labwatch.duckdb").exists()  # nothing made
    assert main(["maintain-warehouse", "--home", str(home)]) == 0
    assert "needs no maintenance" in capsys.readouterr().out


def test_keep_days_beyond_the_history_expires_nothing(tmp_path: Path, catalog: str) -> None:
    from flows.maintain import run_maintain

    home = lake_home(tmp_path / "home", catalog, tmp_path / "data")
    append_small_batches(load_settings(home).warehouse)
    done = run_maintain(str(home))  # maintain_keep_days: 7, the lake is seconds old
    assert done["keep_days"] == 7
    # Nothing expired or deleted (the merge adds snapshots of its own); merged all the same.
    assert done["snapshots_after"] >= done["snapshots_before"] and done["files_deleted"] == 0
    assert done["files_after"] < done["files_before"]
