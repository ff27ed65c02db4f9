"""Who holds what in a measured ingest (benchmarks/ingest.py): the CPU each part of the tree
used during the run's own steps, and the memory each held at the peak, from the figures
benchmarks/measure.py records."""

from __future__ import annotations

from benchmarks.ingest import cpu_during_run, peak_by_role, role

CLI, SERVER, POOL = (
    "-m flows.cli ingest --feeds f",
    "-m uvicorn --app-dir x",
    "-B -c from multiprocessing.forkserver import main",
)


def test_roles_of_the_commands_of_an_ingest_tree() -> None:
    assert role(CLI) == "ingest process"
    assert role(SERVER) == "prefect server"
    assert role(POOL) == "analysis pool"
    assert role("-B -c from multiprocessing.resource_tracker import main") == "other"


def test_cpu_during_the_run_counts_only_its_window_and_workers_that_exited() -> None:
    measured = {
        "started_epoch": 1000.0,
        "timeline": [
            (0.0, 10.0, [(1, CLI, 10.0, 1.0)]),
            (5.0, 30.0, [(1, CLI, 10.0, 3.0), (2, SERVER, 20.0, 4.0)]),  # the run starts
            (6.0, 50.0, [(1, CLI, 10.0, 3.5), (2, SERVER, 20.0, 4.5), (3, POOL, 20.0, 0.5)]),
            (7.0, 50.0, [(1, CLI, 10.0, 4.0), (2, SERVER, 20.0, 5.0), (3, POOL, 20.0, 1.5)]),
            (8.0, 30.0, [(1, CLI, 10.0, 4.5), (2, SERVER, 20.0, 5.0)]),  # worker gone; run ends
            (9.0, 30.0, [(1, CLI, 10.0, 9.0), (2, SERVER, 20.0, 9.0)]),  # after the run
        ],
    }
    run = {"run_started_epoch": 1005.0, "run_s": 3.0}
    cpu = cpu_during_run(measured, run)
    assert cpu == {
        "ingest process": 1.5,
        "prefect server": 1.0,
        "analysis pool": 1.5,
        "window_s": 3.0,
    }


def test_peak_memory_by_part_sums_the_processes_of_each_part() -> None:
    measured = {"peak_by_process": [[CLI, 400.0], [POOL, 150.0], [POOL, 151.0], [SERVER, 230.0]]}
    assert peak_by_role(measured) == {
        "ingest process": 400.0,
        "analysis pool": 301.0,
        "prefect server": 230.0,
    }
