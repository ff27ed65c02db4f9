"""(3b) The ingest and the naive script again, over a realistic network (benchmarks/network.py).

On loopback a page arrives at once, so a sequential script loses little by fetching one page
after another; across the internet each request waits for its first byte, and that wait is
what a user of the naive script feels. Here the corpus's servers answer with the stated
delays and bandwidths, and both commands run again: `labwatch ingest` on a fresh home (after
an empty flow there, so Prefect's first start-up is not counted in it) and the naive script.

The *network limit* is what fetching every page takes at labwatch's default two connections
per host when nothing else costs time: per host, the sum of its pages' delays and transfer
times divided by two, the slowest host's figure. It is computed from the same seeded
distribution the servers use, so it needs no measuring.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.corpus import Corpus
from benchmarks.ingest import fresh_home, last_run, prepare_home
from benchmarks.measure import run_measured
from benchmarks.naive import bench_naive
from benchmarks.network import Network

PER_HOST_CONNECTIONS = 2  # labwatch's default (flows/settings.py)


def network_limit(corpus: Corpus, network: Network) -> float:
    """Seconds to fetch every page at two connections per host, nothing else counted."""
    per_host: dict[str, float] = {}
    for page in corpus.pages:
        parts = urlsplit(page.url)
        host = parts.hostname or ""
        seconds = network.first_byte(host, parts.path)
        seconds += page.path.stat().st_size / network.bandwidth(host)
        per_host[host] = per_host.get(host, 0.0) + seconds
    return max(per_host.values(), default=0.0) / PER_HOST_CONNECTIONS


def bench_realistic(
    corpus: Corpus, workdir: Path, network: Network, min_host_interval: float = 0.0
) -> dict[str, Any]:
    work = workdir / "realistic"
    work.mkdir(parents=True, exist_ok=True)
    home = fresh_home(work / "home")
    feeds = prepare_home(home, corpus, min_host_interval)
    command = [sys.executable, "-m", "flows.cli", "ingest", "--feeds", str(feeds)]
    command += ["--home", str(home)]
    # Prefect's first start on this home, before the network slows anything: not the ingest's.
    warm = run_measured([sys.executable, "-m", "benchmarks.empty_flow", str(home)], work, "empty")
    corpus.use_network(network)
    try:
        ingest = run_measured(command, work, "ingest")
        naive = bench_naive(corpus.feed_urls, work)
    finally:
        corpus.use_network(None)
    figures = last_run(home)
    return {
        "network": network.describe(),
        "network_limit_s": round(network_limit(corpus, network), 3),
        "ingest": {
            **ingest,
            **figures,
            "articles_per_s": round(int(figures["articles_new"]) / float(ingest["wall_s"]), 2),
        },
        "naive": naive,
        "empty_flow": warm,
    }
