"""Measure one command and every process it starts: wall time, CPU time, peak memory.

    python -m benchmarks.measure OUT.json -- COMMAND [ARG ...]

Runs as a small wrapper process so the figures cover the command's whole process tree and
nothing else (not the benchmark runner, its servers or its pools):

- wall time: from start until the command exits (processes it leaves behind, such as a
  server shutting down, are waited for but not timed);
- CPU time: user + system of every descendant. The wrapper makes itself a "child
  subreaper", so processes orphaned by their parent (Prefect's server, a process pool's
  workers) are re-parented to it and their CPU time is counted when it reaps them;
- peak memory: the process tree is sampled every 50 ms from /proc; the peak of the summed
  RSS (shared pages counted once per process, as `ps` does) and of the summed PSS (shared
  pages split between the processes that share them, closer to what the tree really costs;
  read only while the RSS is within a tenth of its peak, and there twice a second or when
  the RSS rises by 1% above what it was at the last read, as it costs the kernel a walk of
  each process's page tables).
  Who held what: the RSS, PSS and USS (the pages it alone maps) of each process at the
  peak (`peak_by_process`: command and MB), a timeline of the tree's RSS by process every
  second (`timeline`), and the CPU time each process had used when last seen, read at
  every sample (`cpu_by_process`, and `cpu_last` with when each was first and last seen: a
  process may use up to one sample's worth more after it, and one born and gone between two
  samples is missed; one gone between being listed and read keeps its last figure).
  `cpu_unattributed_s` is the tree's CPU time that no process was seen using: what those
  figures miss. `wrapper_cpu_s`: this wrapper's own CPU (the sampler), which the
  machine spends beside the command.

Writes the figures as JSON to OUT.json; exits with the command's status.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

PR_SET_CHILD_SUBREAPER = 36
SAMPLE_EVERY = 0.05
ORPHAN_WAIT = 60.0  # seconds to wait for processes the command left running
_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")
TIMELINE_EVERY = 1.0  # seconds between two points of the memory timeline
PSS_NEAR_PEAK = 0.9  # PSS and USS are read while the tree's RSS is at least this share of its peak
# ... at most every PSS_EVERY seconds, unless the tree's RSS rises by PSS_NEW_PEAK above what it
# was at the last read (so a steady climb is read at every 1% of it):
# reading them costs the kernel a page-table walk of each process, 7 ms a sample for three
# processes of 560 MB, most of the wrapper's CPU beside the command (issue 19).
PSS_EVERY = 0.5
PSS_NEW_PEAK = 0.01
REPO = Path(__file__).resolve().parents[1]
# A kernel built with CONFIG_PROC_CHILDREN lists each task's children (`descendants`).
_HAS_CHILDREN = Path(f"/proc/self/task/{os.getpid()}/children").exists()


def become_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process we can see."""
    found: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may hold spaces.
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = int(fields[1])
    return found


def descendants(root: int) -> list[int]:
    """The processes below `root`: from each task's `children` file where the kernel has
    them (0.2 ms a sample for a tree of four processes, one with 20 threads), else from
    every process of the machine (`scanned_descendants`, 1.3 ms with 66 processes): the
    sampler runs beside the command, on the machine's CPU."""
    if not _HAS_CHILDREN:
        return scanned_descendants(root)
    out: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue  # gone
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    found = [int(k) for k in f.read().split()]
            except (OSError, ValueError):
                continue
            out += found
            todo += found
    return out


def scanned_descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    out: list[int] = []
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _rss(pid: int) -> int:
    """RSS of one process in bytes; 0 if it is gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _memory(pid: int, rss: int | None = None) -> tuple[int, int, int]:
    """(RSS, PSS, USS) of one process in bytes; zeros if it is gone. USS: the pages no other
    process maps (what ending it would give back); PSS adds its share of the shared ones."""
    rss = _rss(pid) if rss is None else rss
    if not rss:
        return 0, 0, 0
    fields: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("Pss", "Private_Clean", "Private_Dirty"):
                fields[name] = int(value.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return rss, rss, rss
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return rss, fields.get("Pss", rss), uss


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far; 0 if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _command(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    # Without the interpreter's path: "-m flows.cli ingest ...", "-m uvicorn ...".
    args = [a.decode(errors="replace") for a in argv if a]
    return " ".join(args[1:] if len(args) > 1 and "python" in args[0] else args)[:100]


class TreeSampler(threading.Thread):
    """Samples the memory of every descendant of `root` until stopped; keeps the peaks."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        # (command, RSS, PSS, USS MB) of each process at the peak of the tree's RSS
        self.peak_breakdown: list[tuple[str, float, float, float]] = []
        self.samples = 0
        self.started = time.monotonic()
        # (seconds since start, tree RSS MB, [(pid, command, RSS MB, CPU s so far)])
        self.timeline: list[tuple[float, float, list[tuple[int, str, float, float]]]] = []
        self.cpu: dict[int, tuple[str, float]] = {}  # pid -> (command, CPU s when last seen)
        self.seen: dict[int, tuple[float, float]] = {}  # pid -> (first, last seen, s since start)
        self.pss_reads = 0
        self._pss_read_at = -PSS_EVERY
        self._pss_read_rss = 0  # the tree's RSS when PSS was last read
        self._pss_uss: dict[int, tuple[int, int]] = {}  # pid -> (PSS, USS) when last read
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(SAMPLE_EVERY)

    def sample(self) -> None:
        now = time.monotonic() - self.started
        rss = [(pid, _rss(pid)) for pid in descendants(self.root)]
        # PSS and USS (smaps_rollup: the kernel walks the process's page tables, 1-2 ms for
        # a few hundred MB) only near the peak, and there twice a second or after a rise of
        # 1% (`pss_due`): the RSS, the figure the target is on, is read at every sample.
        total = sum(r for _, r in rss)
        due = self.pss_due(now, total)
        if due:
            readings = [(pid, *_memory(pid, r), _cpu(pid)) for pid, r in rss]
            self._pss_read_at, self._pss_read_rss = now, total
        else:
            readings = [(pid, r, 0, 0, _cpu(pid)) for pid, r in rss]
        self.record(now, readings, pss_read=due)

    def pss_due(self, now: float, total: int) -> bool:
        """Whether a sample of the tree's RSS `total` at `now` reads PSS and USS: near the
        peak, PSS_EVERY after the last read, or once the RSS has risen PSS_NEW_PEAK above
        what it was then (a climb is read at every step of that size)."""
        if total < PSS_NEAR_PEAK * self.peak_rss:
            return False
        return (
            now - self._pss_read_at >= PSS_EVERY or total > (1 + PSS_NEW_PEAK) * self._pss_read_rss
        )

    def record(
        self, now: float, readings: list[tuple[int, int, int, int, float]], pss_read: bool = True
    ) -> None:
        """One sample: (pid, RSS, PSS, USS, CPU s) of each process of the tree, read at `now`
        (s since start). A process that ended between being listed and being read reads as
        zeros: it keeps the CPU it was last seen with, and holds no memory. Without
        `pss_read` the PSS and USS were not read (zeros): a new peak's breakdown takes each
        process's last read ones, and the peak PSS is left as it was."""
        rss = sum(r[1] for r in readings)
        if pss_read:
            self.pss_reads += 1
            # Replaced, not updated: a pid reused by a new process inherits nothing.
            self._pss_uss = {pid: (p, u) for pid, r, p, u, _ in readings if r}
            self.peak_pss = max(self.peak_pss, sum(r[2] for r in readings))
        if rss > self.peak_rss:
            self.peak_breakdown = [
                (_command(pid), round(r / 1e6, 1), round(p / 1e6, 1), round(u / 1e6, 1))
                for pid, r, _, _, _ in readings
                if r
                for p, u in [self._pss_uss.get(pid, (0, 0))]
            ]
        # CPU at every sample, not only at the timeline's points: a pool's workers exit
        # between two points (their last second was lost), a short-lived process within one.
        cpus: dict[int, float] = {}
        for pid, _, _, _, cpu in readings:
            name = self.cpu[pid][0] if pid in self.cpu else _command(pid)
            if cpu:
                if name == "?":  # gone, or its command unreadable yet: look again next time
                    name = _command(pid)
                self.cpu[pid] = (name, cpu)
                self.seen[pid] = (self.seen.get(pid, (now, now))[0], now)
            cpus[pid] = cpu or self.cpu.get(pid, ("", 0.0))[1]
        if not self.timeline or now - self.timeline[-1][0] >= TIMELINE_EVERY:
            point: list[tuple[int, str, float, float]] = []
            for pid, r, _, _, _ in readings:
                name = self.cpu[pid][0] if pid in self.cpu else _command(pid)
                point.append((pid, name[:60], round(r / 1e6, 1), round(cpus[pid], 2)))
            self.timeline.append((round(now, 2), round(rss / 1e6, 1), point))
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_processes = max(self.peak_processes, len(readings))
        self.samples += 1

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _reap_orphans(deadline: float) -> int:
    """Wait for every remaining child (orphans re-parented to us); return how many."""
    reaped = 0
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:
            time.sleep(0.05)
        else:
            reaped += 1
    return reaped


def measure(command: list[str]) -> dict[str, Any]:
    subreaper = become_subreaper()
    own_cpu = time.process_time()  # from here: not the wrapper's imports
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, started_epoch = time.perf_counter(), time.time()
    child = subprocess.Popen(command)
    sampler = TreeSampler(os.getpid())
    sampler.started = time.monotonic() - (time.perf_counter() - started)
    sampler.start()
    status = child.wait()
    wall = time.perf_counter() - started
    orphans = _reap_orphans(time.monotonic() + ORPHAN_WAIT)
    sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {
        "returncode": status,
        "started_epoch": round(started_epoch, 3),
        "wall_s": round(wall, 3),
        "cpu_user_s": round(after.ru_utime - before.ru_utime, 3),
        "cpu_system_s": round(after.ru_stime - before.ru_stime, 3),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": round(sampler.peak_rss / 1e6, 1),
        "peak_pss_mb": round(sampler.peak_pss / 1e6, 1),
        "peak_processes": sampler.peak_processes,
        "peak_by_process": sampler.peak_breakdown,
        "memory_samples": sampler.samples,
        "pss_samples": sampler.pss_reads,
        "timeline": sampler.timeline,
        "cpu_by_process": sorted(sampler.cpu.values(), key=lambda c: -c[1]),
        # [pid, command, first seen, last seen (s since start), CPU s when last seen]
        "cpu_last": [
            [pid, name[:60], round(first, 2), round(last, 2), round(cpu_s, 2)]
            for pid, (name, cpu_s) in sampler.cpu.items()
            for first, last in [sampler.seen[pid]]
        ],
        "cpu_unattributed_s": round(cpu - sum(c for _, c in sampler.cpu.values()), 2),
        "orphans_reaped": orphans,
        "subreaper": subreaper,
        # This wrapper's own CPU (its sampler, mostly): not the command's, but the machine's.
        "wrapper_cpu_s": round(time.process_time() - own_cpu, 2),
    }


class MeasurementError(RuntimeError):
    """A measured command failed: the benchmark stops rather than report a broken figure."""


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a measured command: no LABWATCH_* or PREFECT_* settings of the
    caller's (a developer's own, or the test suite's Prefect harness), the repository
    importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABWATCH_", "PREFECT_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env | extra


def run_measured(
    command: list[str],
    workdir: Path,
    name: str,
    env: dict[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
) -> dict[str, Any]:
    """Run `command` under this wrapper; its output goes to WORKDIR/NAME.log. Raises
    MeasurementError when it fails (exits with a status not in `ok`)."""
    out, log = workdir / f"{name}.json", workdir / f"{name}.log"
    wrapper = [sys.executable, "-m", "benchmarks.measure", str(out), "--", *command]
    with log.open("wb") as sink:
        status = subprocess.call(
            wrapper, stdout=sink, stderr=subprocess.STDOUT, env=env or clean_env(), cwd=REPO
        )
    if status not in ok or not out.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise MeasurementError(f"{name}: exit status {status}; log {log}:\n{tail}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3 or args[1] != "--":
        print("usage: python -m benchmarks.measure OUT.json -- COMMAND [ARG ...]", file=sys.stderr)
        return 2
    result = measure(args[2:])
    Path(args[0]).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return int(result["returncode"])


if __name__ == "__main__":
    sys.exit(main())
