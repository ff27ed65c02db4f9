"""Story placement on inputs made to be hard: keys drawn from a few signatures and a few
band values, so that most articles share bands with most others, many score exactly the
same (equal keys) and some lie exactly on the window's edge. Stored batch by batch in real
warehouses (a DuckDB file, a DuckLake), every article's story is the one a plain reference
gives: the rule's `match` applied pair by pair, candidates in time order, the first of
equals, a stored one over an earlier one of its batch when they score the same."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import warehouse.stories
from extractors.stories import (
    NAME_PERMUTATIONS,
    PERMUTATIONS,
    StoryKey,
    match_scores,
    matches,
    names_jaccard,
)
from flows.stories import STORY_RULE
from tests.test_story_assignment import article
from warehouse.articles import append_batch
from warehouse.backend import DuckLakeWarehouse
from warehouse.database import open_warehouse
from warehouse.stories import StoryRule, store_keys

WHEN = datetime(2025, 5, 12, 9, tzinfo=UTC)
PAIRWISE = StoryRule(match=STORY_RULE.match, window=STORY_RULE.window)


def signatures(
    rng: random.Random, n: int, size: int = PERMUTATIONS, spread: tuple[int, ...] = (2, 3, 4)
) -> list[bytes]:
    """`n` signatures whose minima come from a few values, so two agree at a quarter to a
    half of their places: containments around the rule's threshold. A wider `spread`: two
    agree at a tenth or so, below it."""
    return [
        np.array([rng.randrange(rng.choice(spread)) for _ in range(size)], "<u4").tobytes()
        for _ in range(n)
    ]


def with_names(rng: random.Random, sigs: list[bytes]) -> list[bytes]:
    """The signatures, two in three with a names part (from a few values: agreements around
    the names threshold), the others without (a text naming too few things, or a key stored
    before names parts)."""
    names = signatures(rng, 4, NAME_PERMUTATIONS)
    return [s + rng.choice(names) if rng.random() < 2 / 3 else s for s in sigs]


def world(seed: int, size: int = 160, names: bool = False) -> list[dict[str, Any]]:
    """Article rows with story keys from 8 signatures, 4 shingle counts and 12 band values
    (repeats within a key included), times on whole days (pairs exactly 30 days apart) and
    shared hours (candidates with equal times, told apart by id); a few with no key.
    `names`: most signatures with a names part too."""
    rng = random.Random(seed)
    # With names parts, shingles that rarely match: the names decide most stories.
    sigs = with_names(rng, signatures(rng, 8, spread=(6, 8, 12))) if names else signatures(rng, 8)
    rows = []
    for n in range(size):
        aid = f"a{rng.randrange(10**6):06d}-{n}"  # ids not in arrival order
        when = WHEN + timedelta(
            days=rng.choice((0, 1, 15, 29, 30, 31, 45, 60)), hours=rng.choice((0, 6))
        )
        keyed = rng.random() > 0.05
        key = StoryKey(
            rng.choice(sigs),
            rng.choice((20, 40, 80, 300)),
            tuple(rng.choices(range(12), k=rng.randint(1, 6))),
        )
        # No SimHash fingerprint: an article without a key is a story of its own.
        rows.append(article(aid, when, aid, aid, None, key if keyed else None))
    return rows


SIZES = (1, 3, 17, 40)


def batches(
    rows: list[dict[str, Any]], seed: int, sizes: tuple[int, ...] = SIZES
) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(seed)
    start = 0
    while start < len(rows):
        size = rng.choice(sizes)
        yield rows[start : start + size]
        start += size


def reference(
    rows: list[dict[str, Any]], seed: int, ties: dict[str, int], sizes: tuple[int, ...] = SIZES
) -> dict[str, str]:
    """Each article, in order: among the stored articles sharing a band with it within the
    window, the first in time order (then id) of those `matches` scores highest; among the
    earlier ones of its batch, one per story (its last on the article's bands, in their
    order), the first of the highest; the stored one when they score the same; no score
    above 0: a story of its own. Counts in `ties` the choices that needed a tie broken."""
    window = STORY_RULE.window
    stored: list[tuple[str, datetime, StoryKey, str]] = []  # (id, time, key, story)
    clusters: dict[str, str] = {}
    for batch in batches(rows, seed, sizes):
        placed: list[tuple[str, StoryKey]] = []  # (story, key) of the batch's keyed ones
        for a in batch:
            aid, t = a["article_id"], a["published_at"]
            if a["story_signature"] is None:
                clusters[aid] = aid
                continue
            key = StoryKey(a["story_signature"], a["story_shingles"], tuple(a["story_bands"]))
            olds = [
                (cluster, k)
                for other, when, k, cluster in sorted(stored, key=lambda s: (s[1], s[0]))
                if abs(when - t) <= window and set(k.bands) & set(key.bands) and other != aid
            ]
            near: dict[str, StoryKey] = {}
            for b in key.bands:
                for cluster, k in placed:
                    if b in k.bands:
                        near[cluster] = k
            best_old = first_best(key, olds, ties)
            best_near = first_best(key, list(near.items()), ties)
            if best_old[0] == best_near[0] > 0 and best_old[1] != best_near[1]:
                ties["stored over near"] += 1
            score, cluster = best_old if best_old[0] >= best_near[0] else best_near
            clusters[aid] = cluster if score > 0 else aid
            placed.append((clusters[aid], key))
        keyed = [a for a in batch if a["story_signature"] is not None]
        for a, (cluster, key) in zip(keyed, placed, strict=True):
            stored.append((a["article_id"], a["published_at"], key, cluster))
    return clusters


def first_best(
    key: StoryKey, options: list[tuple[str, StoryKey]], ties: dict[str, int]
) -> tuple[float, str]:
    scores = [matches(key, k) for _, k in options]
    top = max(scores, default=0.0)
    if top > 0 and len({c for (c, _), s in zip(options, scores, strict=True) if s == top}) > 1:
        ties["first of equals"] += 1
    return (top, options[scores.index(top)][0]) if options else (0.0, "")


def placed(
    target: Path | DuckLakeWarehouse,
    rows: list[dict[str, Any]],
    seed: int,
    rule: StoryRule,
    sizes: tuple[int, ...] = SIZES,
) -> dict[str, str]:
    with open_warehouse(target) as con:
        for batch in batches(rows, seed, sizes):
            append_batch(con, batch, [], [], [], stories=rule)
        found = con.execute("SELECT article_id, coalesce(cluster_id, article_id) FROM articles")
        return dict(found.fetchall())


@pytest.mark.parametrize("seed", [1, 3, 7])
def test_placement_is_the_rule_pair_by_pair_on_shared_bands_and_ties(
    tmp_path: Path, seed: int
) -> None:
    rows = world(seed)
    ties = {"first of equals": 0, "stored over near": 0}
    expected = reference(rows, seed, ties)
    assert placed(tmp_path / "at-once.duckdb", rows, seed, STORY_RULE) == expected
    assert placed(tmp_path / "pairwise.duckdb", rows, seed, PAIRWISE) == expected
    # The world tests the choices: ties were broken, stories joined and not all into one.
    assert ties["first of equals"] > 10 and ties["stored over near"] > 0
    assert len(rows) > len(set(expected.values())) > 5


def test_placement_with_names_parts_is_the_rule_pair_by_pair(tmp_path: Path) -> None:
    """Keys with and without a names part: stories joined by their names as well (the
    rule's lower scores) are placed as the reference places them."""
    rows = world(8, names=True)
    expected = reference(rows, 8, {"first of equals": 0, "stored over near": 0})
    assert placed(tmp_path / "names.duckdb", rows, 8, STORY_RULE) == expected
    keys = [
        StoryKey(r["story_signature"], r["story_shingles"], ()) for r in rows if r["story_bands"]
    ]
    scores = match_scores(keys, keys)
    # Some pairs matched by their names alone: below the shingles' threshold, above 0.
    assert ((scores > 0) & (scores < 0.4)).any()
    assert len(rows) > len(set(expected.values())) > 5


def test_placement_of_batches_of_more_than_64(tmp_path: Path) -> None:
    """Batches of 130 and 200 new articles: their bands' holders take several 64-bit words,
    each word's every bit used."""
    rows = world(6, size=330)
    expected = reference(rows, 6, {"first of equals": 0, "stored over near": 0}, (130, 200))
    assert placed(tmp_path / "large.duckdb", rows, 6, STORY_RULE, (130, 200)) == expected
    assert len(rows) > len(set(expected.values())) > 5


def test_placement_in_small_chunks_and_blocks_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What bounds the tables when many articles are placed at once (retag) changes nothing:
    chunks of 5 new articles, blocks of 3, 7 scores at a time."""
    rows = world(4)
    expected = reference(rows, 4, {"first of equals": 0, "stored over near": 0})
    monkeypatch.setattr(warehouse.stories, "STORED_CHUNK", 5)
    monkeypatch.setattr(warehouse.stories, "_NEAR_BLOCK", 3)
    monkeypatch.setattr(warehouse.stories, "_SCORES_AT_ONCE", 7)
    assert placed(tmp_path / "small.duckdb", rows, 4, STORY_RULE) == expected


def test_placement_on_a_lake_is_the_same(tmp_path: Path, catalog: str) -> None:
    rows = world(5, size=80)
    expected = reference(rows, 5, {"first of equals": 0, "stored over near": 0})
    lake = DuckLakeWarehouse(catalog, f"{tmp_path}/data/")
    assert placed(lake, rows, 5, STORY_RULE) == expected


def test_scores_at_once_are_the_rule_on_equal_and_padded_keys() -> None:
    """Keys equal at every place (128 equal minima, the most a count holds), at none, and
    numbers of others that are not a multiple of 8 (the padding the counting uses)."""
    rng = random.Random(7)
    sigs = [*signatures(rng, 5), bytes(4 * PERMUTATIONS)]
    keys = [StoryKey(s, n, ()) for s in sigs for n in (20, 33, 300)]
    for others in (keys, keys[:1], keys[:9], keys[3:16]):
        assert match_scores(keys, others).tolist() == [
            [matches(a, b) for b in others] for a in keys
        ]
    assert match_scores([], keys).shape == (0, len(keys))


def test_scores_at_once_are_the_rule_with_names_parts() -> None:
    """Signatures with a names part and without, mixed in both arguments: equal to the rule
    pair by pair, and some pairs matched by names alone."""
    rng = random.Random(11)
    sigs = with_names(rng, [*signatures(rng, 6, spread=(6, 8, 12)), bytes(4 * PERMUTATIONS)])
    keys = [StoryKey(s, n, ()) for s in sigs for n in (20, 300)]
    for others in (keys, keys[:1], keys[2:11]):
        assert match_scores(keys, others).tolist() == [
            [matches(a, b) for b in others] for a in keys
        ]
    by_names = [
        (a, b)
        for a in keys
        for b in keys
        if 0 < matches(a, b) < 0.4 and (names_jaccard(a.signature, b.signature) or 0) >= 0.45
    ]
    assert by_names


def test_story_bands_are_each_articles_bands_as_given(tmp_path: Path) -> None:
    # store_keys sends an article's bands as one list, unnested by SQL: every band of every
    # article with a key, repeats kept, in the order given, nothing for a text without one.
    t = datetime(2026, 3, 1, tzinfo=UTC)

    def keyed(aid: str, bands: list[int] | None) -> dict[str, Any]:
        return {"article_id": aid, "t": t, "story_signature": b"\x01" if bands else None,
                "story_shingles": 5 if bands else None, "story_bands": bands}  # fmt: skip

    with open_warehouse(tmp_path / "w.duckdb") as con:
        store_keys(con, [keyed("a", [7, 7, -(2**63), 2**63 - 1]), keyed("b", None),
                         keyed("c", [3, 1, 2])], fresh=True)  # fmt: skip
        store_keys(con, [keyed("d", [9]), keyed("e", None)])
        stored = con.execute("SELECT band, article_id, t FROM story_bands ORDER BY rowid")
        assert stored.fetchall() == [
            (7, "a", t), (7, "a", t), (-(2**63), "a", t), (2**63 - 1, "a", t),
            (3, "c", t), (1, "c", t), (2, "c", t), (9, "d", t),
        ]  # fmt: skip
        assert con.execute("SELECT article_id FROM story_keys ORDER BY rowid").fetchall() == [
            ("a",),
            ("c",),
            ("d",),
        ]
