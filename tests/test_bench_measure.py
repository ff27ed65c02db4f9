"""Who holds what in a measured ingest (benchmarks/ingest.py): the CPU each part of the tree
used during the run's own steps, and the memory each held at the peak, from the figures
benchmarks/measure.py records."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.ingest import cpu_during_run, peak_by_role, role
from benchmarks.measure import PSS_EVERY, TreeSampler, descendants, scanned_descendants
from benchmarks.measure import main as measure_main

CLI, SERVER, POOL = (
    "-m flows.cli ingest --feeds f",
    "-m uvicorn --app-dir x",
    "-B -c from multiprocessing.forkserver import main",
)


def test_roles_of_the_commands_of_an_ingest_tree() -> None:
    assert role(CLI) == "ingest process"
    assert role(SERVER) == "prefect server"
    assert role(POOL) == "analysis pool"
    spawned = "-B -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=8)"
    assert role(spawned) == "analysis pool"
    assert role("-B -c from multiprocessing.resource_tracker import main") == "other"
    # A pool started from a checkout in a folder named "prefect..." is still the pool.
    assert role(POOL + "; main(11, 12, ['__main__'], **{'sys_path': ['/w/prefect-x'") == (
        "analysis pool"
    )


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
    # Read at every sample: worker 3 went on until 7.8 s; worker 4 lived between two points
    # of the timeline; process 5 ran after the run only.
    measured["cpu_last"] = [
        [1, CLI, 0.0, 9.0, 9.0],
        [3, POOL, 5.5, 7.8, 2.5],
        [4, POOL, 6.2, 6.9, 0.75],
        [5, POOL, 8.5, 8.9, 3.0],
    ]
    assert cpu_during_run(measured, run)["analysis pool"] == 3.25


def test_the_cpu_of_a_process_that_lives_between_two_timeline_points_is_counted(
    tmp_path: Path,
) -> None:
    # A child that burns CPU and ends well within a second, as a pool's worker ends between
    # two points of the timeline: it was missed, and the pool's CPU read as a few hundredths.
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    spawn = f"import subprocess, sys, time; time.sleep(0.2); subprocess.run([sys.executable, '-c', {burn!r}]); time.sleep(1.2)"
    out = tmp_path / "m.json"
    assert measure_main([str(out), "--", sys.executable, "-c", spawn]) == 0
    measured = json.loads(out.read_text())
    child = [c for c in measured["cpu_last"] if "process_time" in c[1]]
    assert len(child) == 1 and child[0][4] >= 0.25
    assert measured["cpu_unattributed_s"] < 0.2


def test_peak_memory_by_part_sums_the_processes_of_each_part() -> None:
    measured = {"peak_by_process": [[CLI, 400.0], [POOL, 150.0], [POOL, 151.0], [SERVER, 230.0]]}
    assert peak_by_role(measured) == {
        "ingest process": 400.0,
        "analysis pool": 301.0,
        "prefect server": 230.0,
    }


def test_peak_pss_and_uss_by_part_and_the_older_two_figure_rows() -> None:
    measured = {"peak_by_process": [[CLI, 400.0, 300.0, 250.0], [POOL, 90.0, 60.0, 40.0]]}
    assert peak_by_role(measured, 1) == {"ingest process": 300.0, "analysis pool": 60.0}
    assert peak_by_role(measured, 2) == {"ingest process": 250.0, "analysis pool": 40.0}
    assert peak_by_role({"peak_by_process": [[CLI, 400.0]]}, 1) == {}


def test_a_process_gone_between_listing_and_reading_keeps_its_cpu_and_holds_no_memory() -> None:
    sampler = TreeSampler(root=0)
    sampler.record(0.0, [(7, 50_000_000, 40_000_000, 30_000_000, 1.25)])
    sampler.record(0.5, [(7, 60_000_000, 45_000_000, 35_000_000, 2.5)])
    # Listed, then gone before its figures were read: zeros, as /proc gives nothing.
    sampler.record(1.5, [(7, 0, 0, 0, 0.0), (8, 20_000_000, 20_000_000, 20_000_000, 0.1)])
    last = sampler.timeline[-1]
    assert last[0] == 1.5 and [(pid, cpu) for pid, _, _, cpu in last[2]] == [(7, 2.5), (8, 0.1)]
    assert sampler.cpu[7][1] == 2.5 and sampler.peak_rss == 60_000_000
    assert [mb for _, *mb in sampler.peak_breakdown] == [[60.0, 45.0, 35.0]]
    assert sampler.peak_pss == 45_000_000


def test_a_sample_without_pss_keeps_the_peak_pss_and_the_last_read_figures() -> None:
    sampler = TreeSampler(root=0)
    sampler.record(0.0, [(7, 50_000_000, 40_000_000, 30_000_000, 1.0)])
    # A new RSS peak where PSS and USS were not read: its breakdown takes the last read ones.
    sampler.record(0.1, [(7, 55_000_000, 0, 0, 1.1)], pss_read=False)
    assert sampler.peak_rss == 55_000_000 and sampler.peak_pss == 40_000_000
    assert [mb for _, *mb in sampler.peak_breakdown] == [[55.0, 40.0, 30.0]]
    assert sampler.pss_reads == 1


def test_a_steady_climb_reads_pss_at_every_step_of_a_hundredth() -> None:
    sampler = TreeSampler(root=0)
    rss, reads, now = 100_000_000, [], 0.0
    for _ in range(40):  # 0.5% a sample, 50 ms apart: the peak moves at every one
        rss, now = int(rss * 1.005), now + 0.05
        if sampler.pss_due(now, rss):
            sampler._pss_read_at, sampler._pss_read_rss = now, rss
            reads.append(rss)
        sampler.peak_rss = max(sampler.peak_rss, rss)
    # Read at least every 1% of the climb (every other sample), so the last read is within
    # a hundredth of the peak; not at every sample.
    assert all(b <= a * 1.0101 for a, b in itertools.pairwise(reads))
    assert rss <= reads[-1] * 1.0101 and len(reads) < 40
    # Far below the peak, never; at the peak after half a second, again.
    assert not sampler.pss_due(now + 5, rss // 2)
    assert sampler.pss_due(now + PSS_EVERY, rss)


def test_pss_is_read_near_the_peak_twice_a_second_or_on_a_risen_peak() -> None:
    hold = "b = bytearray(40_000_000); print(flush=True); import sys; sys.stdin.read()"
    child = subprocess.Popen(
        [sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        child.stdout.readline()  # the child holds its bytes
        sampler = TreeSampler(root=os.getpid())
        sampler.sample()  # the first peak: read
        risen = sampler.pss_reads
        assert risen == 1 and sampler.peak_pss >= 40_000_000
        started = time.monotonic()
        for _ in range(5):
            sampler.sample()
        quick = time.monotonic() - started < PSS_EVERY
        time.sleep(PSS_EVERY)
        sampler.sample()
        # Five samples within half a second of a steady tree read PSS at most once (the
        # first may fall due), the one after the pause reads it again.
        if quick:
            assert risen + 1 <= sampler.pss_reads <= risen + 2
        assert sampler.samples >= 7 and sampler.pss_reads > risen
    finally:
        child.communicate(b"")


def test_the_tree_read_from_the_tasks_children_is_the_tree_of_the_whole_process_list() -> None:
    # A child that starts a grandchild from a thread of its own, alive while we look: the
    # grandchild is listed in that thread's `children`, not the main thread's.
    script = (
        "import subprocess, sys, threading\n"
        "def spawn():\n"
        "    kid = subprocess.Popen([sys.executable, '-c', 'import sys; sys.stdin.read()'],"
        " stdin=subprocess.PIPE)\n"
        "    print(kid.pid, flush=True)\n"
        "    sys.stdin.read()\n"
        "    kid.communicate(b'')\n"
        "t = threading.Thread(target=spawn); t.start(); t.join()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        grandchild = int(child.stdout.readline())
        found = descendants(os.getpid())
        assert {child.pid, grandchild} <= set(found)
        assert sorted(found) == sorted(scanned_descendants(os.getpid()))
    finally:
        child.communicate(b"")


def test_the_peak_is_read_per_process_as_rss_pss_and_uss(tmp_path: Path) -> None:
    hold = "b = bytearray(60_000_000); import time; time.sleep(1.0)"
    out = tmp_path / "m.json"
    assert measure_main([str(out), "--", sys.executable, "-c", hold]) == 0
    measured = json.loads(out.read_text())
    # Ours only: the wrapper runs in this process, whose other children (a pool's resource
    # tracker left by an earlier test) are in the tree too.
    [(rss, pss, uss)] = [
        mb for command, *mb in measured["peak_by_process"] if "bytearray" in command
    ]
    assert rss >= pss >= uss >= 60.0
    # PSS is read near the peak only (it costs the kernel a page-table walk), so it is there;
    # the wrapper's own CPU, which the machine spends beside the command, is reported.
    assert measured["peak_pss_mb"] >= 60.0
    # (Run here in the test's process, it also counts the CPU of this process's other threads.)
    assert measured["wrapper_cpu_s"] > 0
