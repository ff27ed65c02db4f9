"""The vectorised SimHash gives exactly the fingerprints of the loop it replaced.

`reference_simhash` is that loop, kept here as the specification: 64 weights, +1 for each
shingle whose blake2b hash has the bit and -1 for each that has not. Stored fingerprints
(and every near-duplicate cluster built on them) stay valid only while the two agree.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.fingerprint import _WORD, BITS, SHINGLE, as_bigint, simhash
from tests.helpers import SEED_SLUGS, seed_text

DATA_DIR = Path(__file__).resolve().parent / "data"


def reference_simhash(text: str) -> int | None:
    """The pure-Python SimHash of labwatch up to issue 19, unchanged."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE * 4:
        return None
    weights = [0] * BITS
    for i in range(len(words) - SHINGLE + 1):
        shingle = " ".join(words[i : i + SHINGLE])
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(BITS) if weights[bit] > 0)


def _random_texts(count: int) -> list[str]:
    rng = random.Random(19)
    alphabet = "abcdefghijklmnopqrstuvwxyzäöüßçéİıſ日本語中文한국어ⅰⅱ٣"
    vocab = ["".join(rng.choices(alphabet, k=rng.randint(1, 9))) for _ in range(400)]
    texts = []
    for _ in range(count):
        words = rng.choices(vocab, k=rng.choice([0, 5, 11, 12, 13, 40, 300, 2000]))
        texts.append(rng.choice([" ", "  ", ", ", ". ", "\n", " - "]).join(words))
    return texts


EDGE_TEXTS = [
    "",
    " ",
    "too short",
    "one two three four five six seven eight nine ten eleven",  # 11 words: None
    "one two three four five six seven eight nine ten eleven twelve",  # 12: the first hash
    "word " * 12,  # one shingle ten times: every bit decided by one hash
    "a b " * 500,  # two shingles, alternating: ties are not set
    "Ünïcödé İSTANBUL straße ΣΊΣΥΦΟΣ naïve café " * 5,  # lower() changes lengths
    "東京 大阪 京都 " * 10 + "🤖 emoji ✨ between words " * 5,
    "OpenAI, Anthropic; Google-DeepMind… Microsoft/Azure (AWS) — 10.5% $4bn " * 3,
    "x" * 10_000,  # one long word
    " ".join(f"w{i}" for i in range(100_000)),  # very long: 100,000 distinct words
    ("Amazon invests $4 billion in Anthropic. " * 2_500),  # 100,000 characters, repeated
]


def test_edge_texts_equal_reference() -> None:
    for text in EDGE_TEXTS:
        assert simhash(text) == reference_simhash(text), text[:60]


def test_real_and_random_texts_equal_reference() -> None:
    texts = [seed_text(slug) for slug in SEED_SLUGS]
    for name in ("tagging_gold.jsonl", "tagging_news.jsonl", "deals_gold.jsonl"):
        lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
        sentences = [json.loads(line)["text"] for line in lines if line.strip()]
        texts += sentences  # mostly shorter than 12 words: None on both sides
        texts += [" ".join(sentences[i : i + 25]) for i in range(0, len(sentences), 25)]
    texts += _random_texts(150)
    fingerprints = [simhash(t) for t in texts]
    assert fingerprints == [reference_simhash(t) for t in texts]
    assert sum(fp is not None for fp in fingerprints) > 100  # most texts were compared
    assert len({fp for fp in fingerprints if fp is not None}) > 100  # and they differ


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=12), min_size=0, max_size=80))
def test_any_words_equal_reference(words: list[str]) -> None:
    text = " ".join(words)
    fp = simhash(text)
    assert fp == reference_simhash(text)
    if fp is not None:
        assert 0 <= fp < 1 << 64 and as_bigint(fp) is not None
