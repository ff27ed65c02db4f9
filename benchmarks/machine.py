"""What the rest of the machine did while something was measured (issue 19: a ratio of two
wall times means little on a shared machine unless both sides saw the same load).

`/proc/stat` counts every core's busy time; less what the measured work itself used, it
is the CPU other processes took meanwhile, in cores (1.0: one core kept busy by others for
the whole measurement). On 2 cores, 1.0 halves what the measured work could use.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def busy_cpu_s() -> float:
    """CPU seconds every core has spent busy since boot (all but idle and I/O wait)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(f) for f in fields[:8]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICK


class MachineWatch:
    """Started before a measurement, `others(own_cpu_s)` after it: the cores other processes
    kept busy meanwhile (the measured work's own CPU, `own_cpu_s`, taken out)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.busy = busy_cpu_s()
        self.load = os.getloadavg()[0]

    def others(self, own_cpu_s: float) -> dict[str, float]:
        wall = max(time.perf_counter() - self.started, 1e-9)
        others = max(0.0, busy_cpu_s() - self.busy - own_cpu_s)
        return {
            "others_cores": round(others / wall, 2),
            "load_before": round(self.load, 2),
            "load_after": round(os.getloadavg()[0], 2),
        }
