"""(1b) `labwatch ingest` at the size issue 19 sets its memory target for (5,000 articles).

The main corpus (500 pages by default) keeps the naive script and the realistic network's
runs short, but at that size a run's fixed start and finish (the analysis pool starting, the
first batch's download, the last store, the search index and the deals ledger at the end:
about 2 s) are a quarter of its own steps, and its peak memory says little about a run ten
times larger. Here a corpus of its own, served on loopback, is ingested into a fresh home,
between two passes of the same analysis alone on all cores (the limit, as section 2 measures
it for the main corpus): peak memory where the target is set, and the run's own steps
against the limit where the pipeline's overlap, not its start, decides the ratio.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from benchmarks.corpus import CorpusSpec, serve_corpus
from benchmarks.extraction import bench_extraction
from benchmarks.ingest import fresh_home, measure_ingest
from extractors.records import Watchlist

ENTRIES = 50  # pages a feed, as in a large news site's feed


def scale_spec(articles: int, hosts: int, seed: int) -> CorpusSpec:
    """A corpus of `articles` pages (rounded up to whole feeds) on `hosts` loopback hosts."""
    entries = max(1, min(ENTRIES, articles))
    return CorpusSpec(feeds=math.ceil(articles / entries), hosts=hosts, entries=entries, seed=seed)


def bench_scale(
    spec: CorpusSpec, workdir: Path, watchlist: Watchlist, workers: int
) -> dict[str, Any]:
    """The ingest of `spec`'s corpus, with a pass of the analysis limit right before it and
    one right after (a ratio of two wall times holds only if both saw the same machine)."""
    with serve_corpus(spec, workdir / "corpus-scale", watchlist) as corpus:
        before = bench_extraction(corpus.pages, watchlist, workers, 1, ("analyse",))
        home = fresh_home(workdir / "home-scale")
        ingest = measure_ingest(corpus, workdir, home, "ingest-scale")
        after = bench_extraction(corpus.pages, watchlist, workers, 1, ("analyse",))
    return {"ingest": ingest, "limit_before": before["analysis"], "limit_after": after["analysis"]}
