"""The realistic-network mode of the benchmark corpus: a delay before each answer and a
bandwidth for its body, as a server across the internet has, instead of loopback's none.

The distribution (stated in `--help`, the report and docs/benchmarks.md):

- time to first byte: each request waits uniformly 50–400 ms before its status line (a
  round trip or two plus the server's own time, for news sites far and near);
- bandwidth: each host gets one throughput, drawn uniformly from 1–8 MB/s (8–64 Mbit/s),
  and sends every body at it, in chunks of 16 KB.

Both are seeded by (corpus seed, host, path), not drawn in request order, so the same
request waits the same time in every run: labwatch and the naive script pay exactly the
same network, whatever order and concurrency they fetch in.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Protocol

CHUNK = 16 * 1024


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


@dataclass(frozen=True)
class Network:
    """How slow each answer of a host is; the default is the realistic mode's distribution."""

    seed: int = 9
    ttfb_ms: tuple[float, float] = (50.0, 400.0)  # uniform, per request
    bandwidth_mb_s: tuple[float, float] = (1.0, 8.0)  # uniform, per host

    def describe(self) -> str:
        lo, hi = self.ttfb_ms
        blo, bhi = self.bandwidth_mb_s
        return (
            f"time to first byte uniform {lo:.0f}-{hi:.0f} ms per request; bandwidth uniform "
            f"{blo:g}-{bhi:g} MB/s per host; seeded by (--seed, host, path)"
        )

    def first_byte(self, host: str, path: str) -> float:
        """Seconds to wait before answering `path` on `host`."""
        rng = random.Random(f"{self.seed}|{host}|{path}")
        return rng.uniform(*self.ttfb_ms) / 1000

    def bandwidth(self, host: str) -> float:
        """Bytes per second that `host` sends bodies at."""
        rng = random.Random(f"{self.seed}|{host}|bandwidth")
        return rng.uniform(*self.bandwidth_mb_s) * 1e6


def send(out: _Writable, body: bytes, bytes_per_s: float) -> None:
    """Write `body` to `out` at `bytes_per_s`, chunk by chunk."""
    started = time.monotonic()
    for offset in range(0, len(body), CHUNK):
        chunk = body[offset : offset + CHUNK]
        out.write(chunk)
        due = started + (offset + len(chunk)) / bytes_per_s
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
