"""(3) The naive baseline: the script a user would write instead of labwatch.

    python -m benchmarks.naive FEEDS.txt DB.duckdb [--watchlist FILE]

Sequential and straightforward, as a first script is: feedparser fetches and parses each
feed, urllib fetches each linked page, trafilatura extracts its text with its default
settings, one regular-expression alternation over the watchlist's aliases tags it, and every
article and mention goes in with its own INSERT. Prints what it stored as JSON.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

import duckdb
import feedparser
import trafilatura

from benchmarks.measure import run_measured
from seeds import SEEDS_DIR


def alias_regex(watchlist: Path) -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation of every alias (longest first, on word boundaries), and the entity
    of each alias (lowercase keys for the case-insensitive ones)."""
    doc: dict[str, Any] = tomllib.loads(watchlist.read_text(encoding="utf-8"))
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for entity in doc.get("entity", []):
        for alias in entity.get("aliases", []):
            exact[alias] = entity["id"]
        for alias in entity.get("aliases_ignore_case", []):
            folded[alias.lower()] = entity["id"]
    return regex_for(list(exact), list(folded)), exact | folded


def regex_for(exact: list[str], ignore_case: list[str]) -> re.Pattern[str]:
    def alternation(names: list[str]) -> str:
        return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))

    parts = [alternation(exact)] if exact else []
    if ignore_case:
        parts.append(f"(?i:{alternation(ignore_case)})")
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


def run(feed_urls: list[str], db: Path, watchlist: Path) -> dict[str, int]:
    pattern, entity_of = alias_regex(watchlist)
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE IF NOT EXISTS articles (url VARCHAR PRIMARY KEY, title VARCHAR,"
        " published VARCHAR, text VARCHAR)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS mentions (url VARCHAR, entity VARCHAR, surface VARCHAR,"
        " start_offset INTEGER)"
    )
    counts = {"feeds": 0, "entries": 0, "pages": 0, "articles": 0, "mentions": 0}
    for feed_url in feed_urls:
        feed = feedparser.parse(feed_url)
        counts["feeds"] += 1
        for entry in feed.entries:
            counts["entries"] += 1
            link = entry.get("link", "")
            with urllib.request.urlopen(link, timeout=30) as response:
                html = response.read()
            counts["pages"] += 1
            text = trafilatura.extract(html, url=link) or entry.get("summary", "")
            con.execute(
                "INSERT INTO articles VALUES (?, ?, ?, ?)",
                [link, entry.get("title", ""), entry.get("published", ""), text],
            )
            counts["articles"] += 1
            for m in pattern.finditer(text):
                entity = entity_of.get(m.group(0)) or entity_of.get(m.group(0).lower(), "")
                con.execute(
                    "INSERT INTO mentions VALUES (?, ?, ?, ?)",
                    [link, entity, m.group(0), m.start()],
                )
                counts["mentions"] += 1
    con.close()
    return counts


def bench_naive(feed_urls: list[str], workdir: Path) -> dict[str, Any]:
    """Run the script over the corpus's feeds in its own measured process tree."""
    feeds, db = workdir / "naive-feeds.txt", workdir / "naive.duckdb"
    feeds.write_text("\n".join(feed_urls) + "\n", encoding="utf-8")
    measured = run_measured(
        [sys.executable, "-m", "benchmarks.naive", str(feeds), str(db)], workdir, "naive"
    )
    log = (workdir / "naive.log").read_text(encoding="utf-8").strip().splitlines()
    counts: dict[str, int] = json.loads(log[-1])
    return {
        **measured,
        **counts,
        "articles_per_s": round(counts["articles"] / float(measured["wall_s"]), 2),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 4) or (len(args) == 4 and args[2] != "--watchlist"):
        print("usage: python -m benchmarks.naive FEEDS.txt DB.duckdb [--watchlist FILE]")
        return 2
    watchlist = Path(args[3]) if len(args) == 4 else SEEDS_DIR / "watchlist.toml"
    feeds = [u.strip() for u in Path(args[0]).read_text(encoding="utf-8").split() if u.strip()]
    print(json.dumps(run(feeds, Path(args[1]), watchlist)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
