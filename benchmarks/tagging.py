"""(5) Tagging alone: MB of text per second, one process, labwatch's tagger next to a regex.

Texts: the seed articles' expected texts, the generated articles of the corpus, and (with
--corpus) the real pages' ground-truth texts, cycled into a sample of a few MB. Each text is
tagged on its own, as the ingest tags one article at a time. Two watchlists: the default
one, and the default one plus synthetic entities up to 5,000 aliases (a user who watches
every AI start-up), written as a watchlist file and read by the same parser. The regex is
the naive baseline's: one alternation of every alias, longest first, on word boundaries.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.naive import regex_for
from extractors import entities, hitloop
from extractors.entities import Tagger
from extractors.records import Watchlist
from extractors.watchlist import parse_watchlist

SYLLABLES = (
    "zor", "vex", "qua", "tir", "hel", "ix", "on", "bra", "mil", "tek", "no", "va", "lum",
    "kai", "dex", "tor", "vin", "sol", "ar", "gen", "syn", "pra", "ly", "mo", "rel", "cu",
    "fen", "do", "ra", "ku",
)  # fmt: skip
SUFFIXES = ("AI", "Labs", "Cloud", "Systems", "Robotics", "Compute")


def alias_count(watchlist: Watchlist) -> int:
    return sum(len(e.aliases) + len(e.aliases_ignore_case) for e in watchlist.entities)


def synthetic_watchlist(base: Path, total_aliases: int, seed: int = 9) -> Watchlist:
    """The watchlist at `base` plus synthetic start-ups, up to `total_aliases` aliases."""
    data = base.read_bytes()
    missing = total_aliases - alias_count(parse_watchlist(data))
    rng = random.Random(seed)
    taken: set[str] = set()
    lines: list[str] = []
    n = 0
    while missing > 0:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        if name in taken:
            continue
        taken.add(name)
        forms = [name] + [f"{name} {s}" for s in rng.sample(SUFFIXES, rng.randint(0, 3))]
        forms = forms[:missing]
        folded = [f"{name.lower()}.ai"] if rng.random() < 0.1 and len(forms) < missing else []
        missing -= len(forms) + len(folded)
        n += 1
        lines += [
            "[[entity]]",
            f'id = "syn-{n}"',
            f'name = "{name}"',
            'kind = "lab"',
            "aliases = [" + ", ".join(f'"{f}"' for f in forms) + "]",
        ]
        if folded:
            lines.append(f'aliases_ignore_case = ["{folded[0]}"]')
        lines.append("")
    return parse_watchlist(data + b"\n" + "\n".join(lines).encode(), f"{base} + synthetic")


def text_sample(texts: list[str], megabytes: float) -> list[str]:
    """`texts` cycled until they hold `megabytes` MB of UTF-8."""
    sample: list[str] = []
    size = 0
    while size < megabytes * 1e6:
        for text in texts:
            sample.append(text)
            size += len(text.encode())
    return sample


def throughput(count: Callable[[str], int], sample: list[str], budget: float) -> dict[str, Any]:
    """Run `count` over the sample, or as much of it as fits in `budget` seconds. MB/s by
    wall time (the target's figure) and by this process's CPU time (what one core does
    while other processes share the machine)."""
    done = found = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    elapsed = 0.0
    for text in sample:
        found += count(text)
        done += len(text.encode())
        elapsed = time.perf_counter() - started
        if elapsed > budget:
            break
    cpu = time.process_time() - cpu_started
    mb = done / 1e6
    return {
        "mb": round(mb, 3),
        "seconds": round(elapsed, 3),
        "mb_per_s": round(mb / elapsed, 3) if elapsed else 0.0,
        "cpu_seconds": round(cpu, 3),
        "cpu_mb_per_s": round(mb / cpu, 3) if cpu else 0.0,
        "mentions": found,
        "mentions_per_mb": round(found / mb, 1) if mb else 0.0,
    }


def _rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bench_watchlist(watchlist: Watchlist, sample: list[str], budget: float) -> dict[str, Any]:
    rss = _rss()
    started = time.perf_counter()
    tagger = Tagger(watchlist)
    build = time.perf_counter() - started
    grown = _rss() - rss
    exact = [a for e in watchlist.entities for a in e.aliases]
    folded = [a for e in watchlist.entities for a in e.aliases_ignore_case]
    started = time.perf_counter()
    pattern: re.Pattern[str] = regex_for(exact, folded)
    regex_build = time.perf_counter() - started
    tagged = throughput(lambda t: len(tagger.tag(t)), sample, budget)
    regexed = throughput(lambda t: sum(1 for _ in pattern.finditer(t)), sample, budget)
    return {
        # Whether the tagger's per-hit loops ran compiled (extractors/hitloop.py, setup.py).
        "loops": "compiled" if entities._LOOPS is not hitloop else "python",
        "entities": len(watchlist.entities),
        "aliases": len(exact) + len(folded),
        "tagger_build_s": round(build, 3),
        "tagger_memory_mb": round(grown / 1e6, 1),
        "regex_build_s": round(regex_build, 3),
        "tagger": tagged,
        "regex": regexed,
        "speedup": round(tagged["mb_per_s"] / regexed["mb_per_s"], 2)
        if regexed["mb_per_s"]
        else None,
    }


def bench_tagging(
    default: Watchlist,
    watchlist_file: Path,
    texts: list[str],
    aliases: int,
    megabytes: float,
    budget: float,
) -> dict[str, Any]:
    sample = text_sample(texts, megabytes)
    big = synthetic_watchlist(watchlist_file, aliases)
    return {
        # The machine's load when measured: with more runnable processes than cores, the
        # wall-clock MB/s falls while the CPU-time figure holds.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "sample_mb": round(sum(len(t.encode()) for t in sample) / 1e6, 3),
        "texts": len(texts),
        "default": bench_watchlist(default, sample, budget),
        "large": bench_watchlist(big, sample, budget),
    }
