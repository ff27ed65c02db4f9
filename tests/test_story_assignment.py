"""Story assignment as the warehouse does it (candidates from one join, each candidate's key
fetched once, many scored at once by extractors/stories.py `match_scores`) places every
article exactly where the rule applied one pair at a time does: a generated world of wire
copies, stored batch by batch in real warehouses, against a plain reference of the rule."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from extractors.entities import Tagger, load_watchlist
from extractors.fingerprint import as_bigint, simhash
from extractors.stories import (
    CONTAINMENT,
    TERMS_WINDOW,
    StoryKey,
    containment,
    match_scores,
    matches,
    near_bands,
    story_key,
)
from flows.eval_clusters import REPO_STORIES, _project_stories, rewrite
from flows.stories import STORY_RULE, story_fields
from seeds import SEEDS_DIR
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


def stories() -> dict[str, dict[str, Any]]:
    """The project's written stories but the two report parts of session 39 (`s6`, `s7`,
    scored in tests/test_story_terms.py): with them the pair-by-pair reference below takes
    longer than a test may."""
    return {
        k: v for k, v in _project_stories(REPO_STORIES).items() if not k.startswith(("s6-", "s7-"))
    }


def world(copies: int, seed: int) -> list[dict[str, Any]]:
    """Article rows: each project story and `copies` rewrites of it (random wire-desk edits),
    at random hours over six weeks (so some copies fall outside the story window), shuffled."""
    rng = random.Random(seed)
    rows = []
    for slug, s in sorted(stories().items()):
        title, body = s["title"], s["text"].strip()
        for n in range(copies + 1):
            if n:
                edits = rng.sample(EDITS, rng.randint(1, 5))
                title, body = rewrite(s["title"], s["text"].strip(), edits, seed=rng.randrange(99))
            aid = f"{slug}-{n}"
            when = WHEN + timedelta(hours=rng.randint(0, 24 * 42))
            key = story_key(body, frozenset(), title)  # as the ingest keys it, headline too
            if key is None:  # a brief cut below a key's shingles: no story to place
                continue
            fingerprint = as_bigint(simhash(body))
            rows.append(article(aid, when, title, body, fingerprint, key))
    rng.shuffle(rows)
    return rows


def reference(rows: list[dict[str, Any]], batch: int) -> dict[str, str]:
    """Each article, in order, joins the story of the candidate `matches` scores best (the
    first of equals: stored ones in time order, then earlier ones of its batch); candidates
    share an LSH band and lie within the window (a terms band: within TERMS_WINDOW); no
    match above 0: a story of its own."""
    window = STORY_RULE.window
    stored: list[tuple[str, datetime, StoryKey, str]] = []  # (id, time, key, story)
    for start in range(0, len(rows), batch):
        placed: list[tuple[str, StoryKey]] = []  # the batch's articles so far (story, key)
        for a in rows[start : start + batch]:
            key = story_key(a["text"], frozenset(), a["title"])
            assert key is not None
            t = a["published_at"]
            key = replace(key, t=t.timestamp())  # its time, as the warehouse gives each key
            # A terms band (the rule's near bands) finds only articles within its window.
            near = set(near_bands(key))
            options = [
                (cluster, k)
                for aid, when, k, cluster in sorted(stored, key=lambda s: (s[1], s[0]))
                if abs(when - t) <= window
                and (
                    (set(k.bands) & set(key.bands)) - near
                    or (set(k.bands) & near and abs(when - t) <= TERMS_WINDOW)
                )
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
    keys = [
        k
        for r in world(3, seed=1)
        if (k := story_key(r["text"], frozenset(), r["title"])) is not None
    ]
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
    one_at_a_time = StoryRule(
        match=STORY_RULE.match,
        window=STORY_RULE.window,
        near=STORY_RULE.near,
        near_window=STORY_RULE.near_window,
    )
    assert stored_clusters(tmp_path / "pairwise.duckdb", rows, one_at_a_time) == expected
    # The world is one that tests the choice: copies joined stories, and not all into one;
    # some joined a story through an article of their own batch, some through a stored one.
    found = set(expected.values())
    assert len(rows) > len(found) > len(stories())
    batch_of = {r["article_id"]: n // BATCH for n, r in enumerate(rows)}
    joined = [(a, c) for a, c in expected.items() if c != a]
    assert any(batch_of[a] == batch_of[c] for a, c in joined)
    assert any(batch_of[a] != batch_of[c] for a, c in joined)


# stories.toml's "anthropic-funding" told again in other words, as another outlet would
# (written for this test): the same names and figures, few of the same word sequences.
RETOLD = (
    "Two sovereign wealth funds from the Gulf have led a $6 billion investment in Anthropic,"
    " the maker of the Claude chatbots, putting a $180 billion price on the company, it"
    " announced on Monday.\n\n"
    "People familiar with the talks said the start-up had first hoped to raise about $4"
    " billion. Spark Capital and Menlo Ventures, which backed it before, put in more money"
    " as well.\n\n"
    "According to Krishna Rao, its finance chief, the cash will go towards data centres and"
    " new engineering teams in London, Dublin and Zurich; he would not put a figure on chip"
    " spending.\n\n"
    "Regulators in Britain still have to approve the investment, which should close before"
    " the month is out. Amazon and Google have both committed money to the company, set up"
    " in 2021 by people who left OpenAI."
)


def test_a_story_retold_in_other_words_joins_it_and_another_story_does_not(
    tmp_path: Path,
) -> None:
    """Placed by the names both tell (extractors/stories.py): the retelling joins the story
    it retells, stored in an earlier batch; the company's other story of the week, which
    names many of the same companies, stays a story of its own."""
    stories = _project_stories(REPO_STORIES)
    first, other = stories["anthropic-funding"], stories["anthropic-model"]
    texts = {"first": first["text"].strip(), "retold": RETOLD, "other": other["text"].strip()}
    # The names without the watchlist's own, as the ingest's analysis keys them.
    common = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml")).name_words
    keys = {aid: story_key(text, common) for aid, text in texts.items()}
    assert all(k is not None for k in keys.values())
    first_key, retold_key = keys["first"], keys["retold"]
    assert first_key is not None and retold_key is not None
    # Not by their shingles: a wire copy's rule would keep them apart.
    assert containment(first_key, retold_key) < CONTAINMENT
    rows = [
        article(aid, WHEN + timedelta(hours=hours), aid, texts[aid], None, keys[aid])
        for aid, hours in (("first", 0), ("retold", 5), ("other", 30))
    ]
    with open_warehouse(tmp_path / "retold.duckdb") as con:
        append_batch(con, rows[:1], [], [], [], stories=STORY_RULE)
        append_batch(con, rows[1:], [], [], [], stories=STORY_RULE)
        found = dict(
            con.execute(
                "SELECT article_id, coalesce(cluster_id, article_id) FROM articles"
            ).fetchall()
        )
    assert found == {"first": "first", "retold": "first", "other": "other"}
