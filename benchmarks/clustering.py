"""What story clustering costs: MinHash signatures of N generated articles, and storing them
in stores of the ingest's size (256) with the LSH join and the verification, against the
same stores with no clustering at all. The report sets the sum against the time the ingest
takes for N articles (measured in the same run).

The texts must share shingles as news does, or the join and the verification are measured on
the wrong number of candidates. The ingest corpus's texts (benchmarks/textgen.py) draw over
half their sentences from one pool of seed sentences: two of them share an LSH band in about
two pairs of three (on real pages, WCXB's 779: 0.034% of pairs), and thousands of different
stories would be verified against each article and merged. Here each new story is prose
whose words are drawn by Zipf's law (rank r with weight 1/r over 40,000 words: English's
own, in English's order, then made-up ones), one sentence in twenty from the news templates
(names, deals, analysts): of 1,000 such texts' 499,500 pairs (the copies below among them),
588 share a band of a key's shingles, names or lead, and 323 a band of its terms (0.12% and
0.065%; WCXB's pages: 0.4% a terms band). One article in five is a wire copy of a story of
the previous day, made by the wire-desk edits of the pair set (flows/eval_clusters.py
`rewrite`), so matches are verified and joined too.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.storage import BATCH, analysed_articles
from benchmarks.textgen import DEALS, MENTIONS, NEUTRAL, TextGenerator
from extractors.records import Watchlist
from extractors.stories import StoryKey, story_key
from extractors.story_names import name_words
from extractors.story_terms import english_words
from flows import rows
from flows.eval_clusters import EDITS, rewrite
from flows.stories import STORY_RULE
from warehouse.append import record_watchlist
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.stories import StoryRule

VOCABULARY = 40_000
TEMPLATE_SHARE = 0.05  # sentences from the news templates; the rest Zipf prose
COPY_SHARE = 0.2  # articles that are wire copies of an earlier story
COPY_WITHIN = 240  # ... of one of the previous 240 articles (a day at 6 minutes apart)


class ProseGenerator(TextGenerator):
    """Distinct stories: Zipf-distributed words, a few template sentences (see the module)."""

    def __init__(self, watchlist: Watchlist, rng: random.Random) -> None:
        super().__init__(watchlist, rng)
        # English's own words in English's order (wordfreq's list), then made-up ones: news
        # is Zipf-distributed over its language's ranks, its commonest words the common ones
        # and its rare words rare. All ranks shuffled (the seeds' words and made-up ones)
        # made a few rare words the commonest of every text, which no news does, and which
        # the terms part of a story key (extractors/story_terms.py) read as what every text
        # was about: every article a candidate of every other.
        words = english_words()[:VOCABULARY]
        self.words = words + [f"w{i}" for i in range(VOCABULARY - len(words))]
        self.weights = list(itertools.accumulate(1 / (r + 1) for r in range(len(self.words))))

    def sentence(self) -> str:
        r = self.rng
        if r.random() >= TEMPLATE_SHARE:
            return " ".join(r.choices(self.words, cum_weights=self.weights, k=r.randint(12, 28)))
        return self._fill(r.choice(NEUTRAL + MENTIONS + DEALS))


def news_texts(watchlist: Watchlist, n: int, seed: int = 21) -> tuple[list[str], int]:
    """(n texts, how many distinct stories they tell)."""
    gen = ProseGenerator(watchlist, random.Random(seed))
    r = random.Random(seed)
    texts: list[str] = []
    stories = 0
    for i in range(n):
        if i and r.random() < COPY_SHARE:
            edits = r.sample(sorted(EDITS), r.randint(2, 5))
            texts.append(rewrite("Wire story", texts[r.randrange(max(0, i - COPY_WITHIN), i)],
                                 edits, seed=i)[1])  # fmt: skip
        else:
            texts.append(gen.article().text)
            stories += 1
    return texts, stories


def candidates_per_article(keys: list[StoryKey | None]) -> float:
    """Mean number of other articles sharing an LSH band with an article (time window aside)."""
    by_band: dict[int, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        for b in k.bands if k else ():
            by_band[b].append(i)
    pairs = {p for ids in by_band.values() for p in itertools.combinations(ids, 2)}
    return 2 * len(pairs) / max(1, len(keys))


def _store(
    path: Path, watchlist: Watchlist, batches: list[Any], rule: StoryRule | None
) -> tuple[float, int]:
    with open_warehouse(path) as con:
        record_watchlist(con, rows.entity_rows(watchlist))
        started = time.perf_counter()
        for arts, mentions, deals in batches:
            append_batch(con, arts, [], mentions, deals, stories=rule)
        wall = time.perf_counter() - started
        row = con.execute("SELECT count(DISTINCT cluster_id) FROM articles").fetchone()
    return wall, int(row[0]) if row else 0


def clustering_cost(path: Path, watchlist: Watchlist, texts: list[str]) -> dict[str, Any]:
    """Signatures of `texts`, then the texts stored 6 minutes apart in stores of the ingest's
    size, with and without clustering (warehouses `path`-on and `path`-off)."""
    started = time.perf_counter()
    common = name_words(watchlist)  # as the ingest's analysis leaves them out
    keys = [story_key(t, common) for t in texts]
    keys_s = time.perf_counter() - started
    base = analysed_articles(watchlist, len(texts))
    start = datetime.now(UTC) - timedelta(days=20)
    # Over three weeks, so the 30-day window holds every earlier article as a candidate.
    arts = [
        replace(a, text=t, story=k, fingerprint=None, published=start + timedelta(minutes=6 * i))
        for i, (a, t, k) in enumerate(zip(base, texts, keys, strict=True))
    ]
    now = datetime.now(UTC)

    def batches(items: list[Any]) -> list[Any]:
        return [
            rows.article_rows(items[i : i + BATCH], "bench", now, watchlist.version)
            for i in range(0, len(items), BATCH)
        ]

    on, off = path.with_name(path.name + "-on.duckdb"), path.with_name(path.name + "-off.duckdb")
    with_s, stories = _store(on, watchlist, batches(arts), STORY_RULE)
    without_s, _ = _store(off, watchlist, batches([replace(a, story=None) for a in arts]), None)
    cluster_s = keys_s + max(0.0, with_s - without_s)
    return {
        "stories": stories,
        "lsh_candidates_per_article": round(candidates_per_article(keys), 2),
        "signatures_s": round(keys_s, 3),
        "append_with_clustering_s": round(with_s, 3),
        "append_without_clustering_s": round(without_s, 3),
        "clustering_s": round(cluster_s, 3),
    }


def bench_clustering(
    workdir: Path, watchlist: Watchlist, n: int = 5000, ingest_articles: int = 0
) -> dict[str, Any]:
    """The cost of clustering `n` news-like articles; with `ingest_articles`, also of as many
    of the ingest corpus's own texts (benchmarks/textgen.py), which the ingest clustered: the
    report takes that out of the ingest's time, so the share is of an ingest without it."""
    texts, told = news_texts(watchlist, n)
    out = {"articles": n, "stories_told": told} | clustering_cost(
        workdir / "clusters", watchlist, texts
    )
    out["clustering_ms_per_article"] = round(1000 * out["clustering_s"] / n, 3)
    if ingest_articles:
        gen = TextGenerator(watchlist, random.Random(9))
        corpus = [gen.article().text for _ in range(ingest_articles)]
        own = clustering_cost(workdir / "ingest-texts", watchlist, corpus)
        out["ingest_corpus"] = {"articles": ingest_articles} | own
    return out
