"""Story assignment as the warehouse does it (candidates from one join, each candidate's key
fetched once, many scored at once by extractors/stories.py `match_scores`) places every
article exactly where the rule applied one pair at a time does: a generated world of wire
copies, stored batch by batch in real warehouses, against a plain reference of the rule."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from extractors.fingerprint import as_bigint, simhash
from extractors.stories import StoryKey, match_scores, matches, story_key
from flows.eval_clusters import REPO_STORIES, _project_stories, rewrite
from flows.stories import STORY_RULE, story_fields
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.stories import StoryRule

EDITS = ("headline", "credit", "lede", "says", "shorthand", "reorder", "cut", "drop", "local")
WHEN = datetime(2025, 5, 12, 9, tzinfo=UTC)
BATCH = 16


def article(
    aid: str, when: datetime, title: str, text: str, fingerprint: int | None, key: StoryKey | None
) -> dict[str, Any]:
    """An article row as `append_batch` takes it, published and fetched at `when`."""
    url = f"https://{aid}.example/news"
    return {
        "article_id": aid, "entry_key": aid, "entry_url": url, "url": url, "canonical_url": url,
        "title": title, "text": text, "text_source": "page", "published_at": when,
        "fetched_at": when, "fingerprint": fingerprint, "run_id": "r1",
    } | story_fields(key)  # fmt: skip


def world(copies: int, seed: int) -> list[dict[str, Any]]:
    """Article rows: each project story and `copies` rewrites of it (random wire-desk edits),
    at random hours over six weeks (so some copies fall outside the story window), shuffled."""
    rng = random.Random(seed)
    rows = []
    for slug, s in sorted(_project_stories(REPO_STORIES).items()):
        title, body = s["title"], s["text"].strip()
        for n in range(copies + 1):
            if n:
                edits = rng.sample(EDITS, rng.randint(1, 5))
                title, body = rewrite(s["title"], s["text"].strip(), edits, seed=rng.randrange(99))
            aid = f"{slug}-{n}"
            when = WHEN + timedelta(hours=rng.randint(0, 24 * 42))
            fingerprint = as_bigint(simhash(body))
            rows.append(article(aid, when, title, body, fingerprint, story_key(body)))
    rng.shuffle(rows)
    return rows


def reference(rows: list[dict[str, Any]], batch: int) -> dict[str, str]:
    """Each article, in order, joins the story of the candidate `matches` scores best (the
    first of equals: stored ones in time order, then earlier ones of its batch); candidates
    share an LSH band and lie within the window; no match above 0: a story of its own."""
    window = STORY_RULE.window
    stored: list[tuple[str, datetime, StoryKey, str]] = []  # (id, time, key, story)
    for start in range(0, len(rows), batch):
        placed: list[tuple[str, StoryKey]] = []  # the batch's articles so far (story, key)
        for a in rows[start : start + batch]:
            key = story_key(a["text"])
            assert key is not None
            t = a["published_at"]
            options = [
                (cluster, k)
                for aid, when, k, cluster in sorted(stored, key=lambda s: (s[1], s[0]))
                if abs(when - t) <= window and set(k.bands) & set(key.bands)
            ]
            # Earlier articles of the batch, one per story: its last one on a shared band.
            near: dict[str, StoryKey] = {}
            for b in key.bands:
                for cluster, k in placed:
                    if b in k.bands:
                        near[cluster] = k
            options += list(near.items())
            scores = [matches(key, k) for _, k in options]
            best = max(scores, default=0.0)
            cluster = options[scores.index(best)][0] if best > 0 else a["article_id"]
            placed.append((cluster, key))
        # The batch is stored: its articles are candidates of the next batches.
        for a, (cluster, key) in zip(rows[start : start + batch], placed, strict=True):
            stored.append((a["article_id"], a["published_at"], key, cluster))
    return {aid: cluster for aid, _, _, cluster in stored}


def stored_clusters(path: Path, rows: list[dict[str, Any]], rule: StoryRule) -> dict[str, str]:
    with open_warehouse(path) as con:
        for start in range(0, len(rows), BATCH):
            append_batch(con, rows[start : start + BATCH], [], [], [], stories=rule)
        return dict(con.execute("SELECT article_id, cluster_id FROM articles").fetchall())


def test_scores_at_once_equal_one_pair_at_a_time() -> None:
    keys = [k for r in world(3, seed=1) if (k := story_key(r["text"])) is not None]
    assert len(keys) > 30
    assert match_scores(keys[:12], keys).tolist() == [
        [matches(a, b) for b in keys] for a in keys[:12]
    ]
    assert match_scores(keys[:2], []).tolist() == [[], []]


def test_story_assignment_is_the_rule_applied_pair_by_pair(tmp_path: Path) -> None:
    rows = world(6, seed=5)
    expected = reference(rows, BATCH)
    assert STORY_RULE.scores is not None  # the ingest's rule scores at once
    assert stored_clusters(tmp_path / "at-once.duckdb", rows, STORY_RULE) == expected
    one_at_a_time = StoryRule(match=STORY_RULE.match, window=STORY_RULE.window)
    assert stored_clusters(tmp_path / "pairwise.duckdb", rows, one_at_a_time) == expected
    # The world is one that tests the choice: copies joined stories, and not all into one;
    # some joined a story through an article of their own batch, some through a stored one.
    stories = set(expected.values())
    assert len(rows) > len(stories) > len(_project_stories(REPO_STORIES))
    batch_of = {r["article_id"]: n // BATCH for n, r in enumerate(rows)}
    joined = [(a, c) for a, c in expected.items() if c != a]
    assert any(batch_of[a] == batch_of[c] for a, c in joined)
    assert any(batch_of[a] != batch_of[c] for a, c in joined)
