"""Run labwatch's benchmarks: `python -m benchmarks.run [--feeds N ...]` from the repository root.

Serves a generated corpus on loopback, then measures, in one run, so ratios compare figures
taken on the same machine at the same time: (1) `labwatch ingest` end to end, (1b) again
at 5,000 articles on a corpus of its own, between two passes of its analysis limit, (2) the
extraction limit, (3) a naive baseline script, (4) a re-run over unchanged feeds next to an
empty Prefect flow, (3b) the ingest and the naive script again over a realistic network
(NETWORK below), (5) tagging alone, (6) the warehouse, (7) story clustering, (8) one-off
commands with and without a temporary Prefect server, (9) the web pages, (10) the DuckLake
warehouse (ingest workers, the digest's queries). Prints a table with the targets of
issue 9 and writes the figures as JSON (benchmarks/results/latest.json). Exits 1 when a
measurement breaks; a missed target is reported, not an error. docs/benchmarks.md says what
each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.clustering import bench_clustering
from benchmarks.corpus import Corpus, CorpusSpec, serve_corpus
from benchmarks.extraction import bench_extraction
from benchmarks.ingest import bench_ingest
from benchmarks.lake import WORKERS, bench_lake, lake_lines
from benchmarks.measure import MeasurementError
from benchmarks.naive import bench_naive
from benchmarks.network import Network
from benchmarks.oneoff import bench_oneoff
from benchmarks.realistic import bench_realistic
from benchmarks.report import PEAK_MEMORY_AT
from benchmarks.scale import bench_scale, scale_spec
from benchmarks.storage import bench_warehouse
from benchmarks.tagging import bench_tagging
from benchmarks.textgen import TextGenerator, seed_texts
from benchmarks.web import bench_web, web_lines
from extractors.records import Watchlist
from extractors.watchlist import load_watchlist
from seeds import SEEDS_DIR

MEASUREMENTS = (
    "ingest", "extraction", "scale", "naive", "tagging", "warehouse", "clustering", "oneoff",
    "web", "lake",
)  # fmt: skip
NETWORKS = ("both", "loopback", "realistic")
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"
WATCHLIST = SEEDS_DIR / "watchlist.toml"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        epilog=f"NETWORK: the realistic mode's servers answer with {Network().describe()}.",
    )
    size = p.add_argument_group("corpus")
    size.add_argument("--feeds", type=int, default=20, help="feeds served (default 20)")
    size.add_argument("--hosts", type=int, default=4, help="loopback hosts they are on (4)")
    size.add_argument("--entries", type=int, default=25, help="entries (pages) per feed (25)")
    size.add_argument(
        "--corpus",
        type=Path,
        metavar="DIR",
        help="also serve the real pages of DIR (e.g. ../shared/corpus)",
    )
    size.add_argument("--seed", type=int, default=9, help="random seed of the generated corpus")
    size.add_argument(
        "--scale-articles",
        type=int,
        default=PEAK_MEMORY_AT,
        metavar="N",
        help=f"articles of the ingest measured at size, on a corpus of its own (default "
        f"{PEAK_MEMORY_AT:,}, where issue 19 sets the memory target; 0 skips it)",
    )
    p.add_argument(
        "--min-host-interval",
        type=float,
        default=0.0,
        help="labwatch's politeness delay between requests to a host during the ingest (0)",
    )
    p.add_argument(
        "--network",
        choices=NETWORKS,
        default="both",
        help="run the ingest and the naive script on loopback (answers at once), over a "
        "realistic network (delays and bandwidths, see NETWORK below), or both (default)",
    )
    p.add_argument(
        "--no-fresh-flow",
        action="store_true",
        help="skip the empty flow on the fresh home before the ingest (saves a Prefect start-up)",
    )
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="extraction processes")
    p.add_argument(
        "--limit-repeats",
        type=int,
        default=2,
        help="passes of the extraction and analysis limits, before the ingest and after it "
        "(default 2 each; the ratio uses the median of the analysis passes)",
    )
    p.add_argument(
        "--oneoff-repeats",
        type=int,
        default=3,
        help="runs of each one-off command on each path (default 3; the median is shown)",
    )
    tag = p.add_argument_group("tagging")
    tag.add_argument("--aliases", type=int, default=5000, help="aliases of the large watchlist")
    tag.add_argument("--text-mb", type=float, default=4.0, help="MB of text tagged (4)")
    tag.add_argument("--tag-budget", type=float, default=5.0, help="seconds at most per tagger (5)")
    wh = p.add_argument_group("warehouse")
    wh.add_argument("--append-articles", type=int, default=3000, help="articles appended (3000)")
    wh.add_argument("--articles-synthetic", type=int, default=1_000_000, help="(1,000,000)")
    wh.add_argument("--mentions-synthetic", type=int, default=10_000_000, help="(10,000,000)")
    p.add_argument(
        "--only", nargs="+", choices=MEASUREMENTS, help="run only these (ingest implies extraction)"
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    p.add_argument(
        "--cluster-articles", type=int, default=5000, help="articles clustered (default 5000)"
    )
    p.add_argument("--workdir", type=Path, help="keep the corpus, warehouses and logs here")
    p.add_argument(
        "--lake-workers",
        type=int,
        nargs="+",
        default=list(WORKERS),
        metavar="N",
        help="ingest workers at once on the DuckLake (default 1 2 4)",
    )
    return p


def corpus_texts(corpus_dir: Path | None, watchlist: Watchlist, seed: int) -> list[str]:
    """Texts for tagging: the seed articles, generated articles, the corpus's ground truth."""
    gen = TextGenerator(watchlist, random.Random(seed))
    texts = seed_texts() + [gen.article().text for _ in range(100)]
    if corpus_dir is not None:
        for folder in (corpus_dir / "articles" / "ground_truth", corpus_dir / "ground_truth"):
            for path in sorted(folder.glob("*.json")):
                body = json.loads(path.read_text(encoding="utf-8")).get("articleBody", "")
                if body:
                    texts.append(body)
    return texts


def meta(args: argparse.Namespace, corpus: Corpus | None) -> dict[str, Any]:
    return {
        "started": args.started,
        "command": " ".join(["python -m benchmarks.run", *args.argv]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {
            name: version(name) for name in ("prefect", "duckdb", "trafilatura", "feedparser")
        },
        "sizes": {
            "feeds": args.feeds,
            "hosts": args.hosts,
            "entries": args.entries,
            "pages": len(corpus.pages) if corpus else None,
            "page_mb": round(corpus.page_bytes / 1e6, 1) if corpus else None,
            "real_pages": str(args.corpus) if args.corpus else None,
            "aliases": args.aliases,
            "text_mb": args.text_mb,
            "scale_articles": args.scale_articles,
            "append_articles": args.append_articles,
            "articles_synthetic": args.articles_synthetic,
            "mentions_synthetic": args.mentions_synthetic,
        },
    }


def _step(name: str, results: dict[str, Any], measure: Callable[[], dict[str, Any]]) -> None:
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    results[name] = measure()
    print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def run(args: argparse.Namespace, workdir: Path) -> tuple[dict[str, Any], list[report.Line]]:
    """Every measurement asked for; returns the JSON document and the table's lines."""
    wanted = set(args.only or MEASUREMENTS)
    if "ingest" in wanted:
        wanted.add("extraction")
    watchlist = load_watchlist(WATCHLIST)
    results: dict[str, Any] = {}
    corpus: Corpus | None = None
    spec = CorpusSpec(args.feeds, args.hosts, args.entries, args.seed, real_pages=args.corpus)
    loopback: set[str]
    if args.network == "realistic":
        loopback = set()
        realistic = wanted & {"ingest", "naive"}
    else:
        loopback = wanted & {"ingest", "naive"}
        realistic = wanted & {"ingest", "naive"} if args.network == "both" else set()
    if wanted & {"ingest", "extraction", "naive", "oneoff", "lake"}:
        with serve_corpus(spec, workdir / "corpus", watchlist) as corpus:
            pages, feeds, served_all = corpus.pages, corpus.feed_urls, corpus
            if "ingest" in loopback:
                # The limit the ingest is compared with, measured right before it as well as
                # after: a ratio of two wall times holds only if both saw the same machine.
                _step(
                    "limit_before",
                    results,
                    lambda: bench_extraction(
                        pages, watchlist, args.workers, args.limit_repeats, ("analyse",)
                    ),
                )
                fresh = not args.no_fresh_flow
                served = corpus
                _step(
                    "ingest",
                    results,
                    lambda: bench_ingest(served, workdir, args.min_host_interval, fresh),
                )
            if "extraction" in wanted:
                _step(
                    "extraction",
                    results,
                    lambda: bench_extraction(pages, watchlist, args.workers, args.limit_repeats),
                )
            if "naive" in loopback:
                _step("naive", results, lambda: bench_naive(feeds, workdir))
            if realistic:
                network, interval = Network(seed=args.seed), args.min_host_interval
                _step(
                    "realistic",
                    results,
                    lambda: bench_realistic(served_all, workdir, network, interval),
                )
            if "oneoff" in wanted:
                repeats = args.oneoff_repeats
                _step("oneoff", results, lambda: bench_oneoff(served_all, workdir, repeats))
            if "lake" in wanted:
                size = (args.articles_synthetic, args.mentions_synthetic)
                lake_workers = tuple(sorted(set(args.lake_workers)))
                _step(
                    "lake",
                    results,
                    lambda: bench_lake(served_all, workdir, watchlist, *size, lake_workers),
                )
    if "scale" in wanted and args.scale_articles:
        spec = scale_spec(args.scale_articles, args.hosts, args.seed)
        _step("scale", results, lambda: bench_scale(spec, workdir, watchlist, args.workers))
    if "tagging" in wanted:
        texts = corpus_texts(args.corpus, watchlist, args.seed)
        sizes = (args.aliases, args.text_mb, args.tag_budget)
        _step("tagging", results, lambda: bench_tagging(watchlist, WATCHLIST, texts, *sizes))
    if "warehouse" in wanted:
        counts = (args.append_articles, args.articles_synthetic, args.mentions_synthetic)
        _step("warehouse", results, lambda: bench_warehouse(workdir, watchlist, *counts))
    if "clustering" in wanted:
        n = args.cluster_articles
        stored = int(results.get("ingest", {}).get("ingest", {}).get("articles_new", 0))
        _step("clustering", results, lambda: bench_clustering(workdir, watchlist, n, stored))
    if "web" in wanted:
        size = (args.articles_synthetic, args.mentions_synthetic)
        _step("web", results, lambda: bench_web(workdir, watchlist, *size))
    rows = report.lines(results) + (web_lines(results) if "web" in results else [])
    rows += lake_lines(results) if "lake" in results else []
    doc = {
        "meta": meta(args, corpus),
        "results": results,
        "table": [asdict(r) | {"verdict": r.verdict} for r in rows],
    }
    return doc, rows


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    args.started = datetime.now(UTC).isoformat(timespec="seconds")
    if min(args.feeds, args.hosts, args.entries, args.workers, args.oneoff_repeats) < 1:
        p.error("--feeds, --entries, --workers and --oneoff-repeats must be at least 1")
    if args.scale_articles < 0:
        p.error("--scale-articles must be 0 (skip) or more")
    if args.limit_repeats < 1:
        p.error("--limit-repeats must be at least 1")
    if min(args.lake_workers) < 1:
        p.error("--lake-workers must be at least 1")
    if args.hosts > 254:
        p.error("--hosts must be 1 to 254")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="labwatch-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        doc, rows = run(args, workdir)
    except (MeasurementError, OSError, RuntimeError) as exc:
        print(f"bench: a measurement broke: {exc}", file=sys.stderr)
        print(f"bench: logs and files kept in {workdir}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
    print(report.table(rows))
    print(f"results: {args.out}")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
