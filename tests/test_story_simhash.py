"""The SimHash fallback of story assignment (texts too short for a story key, or no rule)
as the warehouse does it (the window's stored fingerprints fetched once and compared in
numpy) places every article where a plain reference of the rule does: the nearest stored
article within `near_bits` bits and the window (the first stored of equals), else the
nearest earlier one of its batch, else a story of its own. Generated near-copies (a few
bits flipped) over ten weeks, stored batch by batch in a real warehouse."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from extractors.fingerprint import as_bigint
from tests.test_warehouse import NOW, article
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.stories import DEFAULT_NEAR_BITS, SIMHASH_WINDOW

BATCH = 16


def world(seed: int) -> list[dict[str, Any]]:
    """Articles in time order: copies of 12 base fingerprints with 0-20 bits flipped (so
    some are within the distance and some not), some sharing a time, a few without one."""
    rng = random.Random(seed)
    bases = [rng.getrandbits(64) for _ in range(12)]
    rows = []
    for n in range(220):
        fp = rng.choice(bases)
        for bit in rng.sample(range(64), rng.choice([0, 1, 3, 6, 10, 13, 20])):
            fp ^= 1 << bit
        when = NOW + timedelta(hours=rng.randrange(0, 24 * 70, 6))
        rows.append(
            article(f"a{n:03d}", published_at=when, fetched_at=when, fingerprint=as_bigint(fp))
        )
    rows.sort(key=lambda a: (a["published_at"], a["article_id"]))
    for a in rows[5:200:40]:
        a["fingerprint"] = None  # no text to fingerprint: a story of its own
    return rows


def distance(a: int, b: int) -> int:
    return ((a ^ b) & (2**64 - 1)).bit_count()


def reference(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The rule applied article by article, batch by batch."""
    stored: list[tuple[str, Any, int | None, str]] = []  # (id, time, fingerprint, story)
    for start in range(0, len(rows), BATCH):
        placed: list[tuple[int, str]] = []  # the batch's articles so far
        batch: list[tuple[str, Any, int | None, str]] = []
        for a in rows[start : start + BATCH]:
            fp, t = a["fingerprint"], a["published_at"]
            cluster = None
            if fp is not None:
                near = [
                    (distance(fp, f), n, c)
                    for n, (aid, when, f, c) in enumerate(stored)
                    if f is not None and when >= t - SIMHASH_WINDOW and aid != a["article_id"]
                    and distance(fp, f) <= DEFAULT_NEAR_BITS
                ]  # fmt: skip
                if near:
                    cluster = min(near)[2]
                else:
                    within = [
                        (d, c) for f, c in placed if (d := distance(fp, f)) <= DEFAULT_NEAR_BITS
                    ]
                    cluster = min(within)[1] if within else None
            cluster = cluster or a["article_id"]
            if fp is not None:
                placed.append((fp, cluster))
            batch.append((a["article_id"], t, fp, cluster))
        stored += batch
    return {aid: c for aid, _, _, c in stored}


def test_simhash_fallback_is_the_rule_applied_article_by_article(tmp_path: Path) -> None:
    for seed in (1, 2, 3, 4):  # 3 and 4 hold copies across the sign bit within a batch
        rows = world(seed)
        with open_warehouse(tmp_path / f"w{seed}.duckdb") as con:
            for start in range(0, len(rows), BATCH):
                append_batch(con, rows[start : start + BATCH], [], [], [])
            found = dict(con.execute("SELECT article_id, cluster_id FROM articles").fetchall())
        expected = reference(rows)
        assert found == expected
        # The world exercises each way: joined a stored story, a batch's, and its own.
        joined = sum(1 for a, c in expected.items() if c != a)
        assert 30 < joined < len(rows) - 30


def test_copies_differing_in_the_sign_bit_join_within_a_batch(tmp_path: Path) -> None:
    """A fingerprint is stored as a signed BIGINT, its top bit the sign: copies that differ
    in that bit and one other (2 bits apart) join, and two texts whose XOR is a small
    negative number (61 bits apart) stay apart, whether they meet in one batch or in two."""
    base = 0x5A5A_1234_0F0F_7777
    copy = base ^ (1 << 63) ^ (1 << 5)  # 2 bits from base, across the sign
    far = 0xFFFF_FFFF_FFFF_FFF0 ^ 0x5  # XOR with `near_far` is -8 as a BIGINT: 61 bits
    near_far = 0x0000_0000_0000_000D
    fps = {"b": base, "c": copy, "f": far, "g": near_far}
    assert distance(base, copy) == 2 and distance(far, near_far) == 61

    rows = [
        article(k, fingerprint=as_bigint(fp), published_at=NOW + timedelta(minutes=n))
        for n, (k, fp) in enumerate(fps.items())
    ]
    with open_warehouse(tmp_path / "one.duckdb") as con:
        append_batch(con, rows, [], [], [])  # all in one batch
        in_one = dict(con.execute("SELECT article_id, cluster_id FROM articles").fetchall())
    with open_warehouse(tmp_path / "apart.duckdb") as con:
        for r in rows:
            append_batch(con, [r], [], [], [])  # each in a batch of its own
        apart = dict(con.execute("SELECT article_id, cluster_id FROM articles").fetchall())
    expected = {"b": "b", "c": "b", "f": "f", "g": "g"}
    assert in_one == expected
    assert apart == expected
