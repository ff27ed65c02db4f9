"""Near-duplicate fingerprints: a 64-bit SimHash over word shingles.

Two copies of one wire story (another headline, a trimmed last paragraph, a changed word)
differ in few bits; two different stories about the same companies differ in about half.
"""

from __future__ import annotations

import hashlib
import re

BITS = 64
SHINGLE = 3  # words per shingle: short enough to survive edits, long enough to mean order
# Copies of one story differ by at most this many bits. Measured (docs/extraction.md): light
# rewrites of the seed stories (new headline and credit line, trimmed last paragraphs, a
# dropped paragraph, edited words) 1-8 bits; half the story cut 11-14; different stories on
# the same companies or the same topic 25 or more.
NEAR_DUPLICATE_BITS = 12

_WORD = re.compile(r"\w+")


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def simhash(text: str) -> int | None:
    """The text's SimHash as an unsigned 64-bit int; None for texts too short to compare."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE * 4:
        return None
    weights = [0] * BITS
    for i in range(len(words) - SHINGLE + 1):
        h = _hash(" ".join(words[i : i + SHINGLE]))
        for bit in range(BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(BITS) if weights[bit] > 0)


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def as_bigint(fp: int | None) -> int | None:
    """A 64-bit fingerprint as the signed integer a DuckDB BIGINT holds."""
    return None if fp is None else fp - (1 << 64) if fp >= 1 << 63 else fp
