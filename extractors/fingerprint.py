"""Near-duplicate fingerprints: a 64-bit SimHash over word shingles.

Two copies of one wire story (another headline, a trimmed last paragraph, a changed word)
differ in few bits; two different stories about the same companies differ in about half.
"""

from __future__ import annotations

import hashlib
import re
from functools import partial

import numpy as np

BITS = 64
SHINGLE = 3  # words per shingle: short enough to survive edits, long enough to mean order
# Copies of one story differ by at most this many bits. Measured (docs/extraction.md): light
# rewrites of the seed stories (new headline and credit line, trimmed last paragraphs, a
# dropped paragraph, edited words) 1-8 bits; half the story cut 11-14; different stories on
# the same companies or the same topic 25 or more.
NEAR_DUPLICATE_BITS = 12

_WORD = re.compile(r"\w+")


# blake2b with an 8-byte digest: the shingle's 64-bit hash, read big-endian.
_HASH8 = partial(hashlib.blake2b, digest_size=8)
_DIGEST = hashlib.blake2b.digest


def simhash(text: str) -> int | None:
    """The text's SimHash as an unsigned 64-bit int; None for texts too short to compare.

    Bit b is set when more than half of the shingles' hashes have it set (a weight of +1 per
    hash with the bit, -1 without). The hashes are computed in C through `map` and the bits
    counted with numpy: some ten times faster than a loop over 64 bits per shingle, with the
    same fingerprints (tests/test_fingerprint_equivalence.py keeps that loop to compare)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE * 4:
        return None
    shingles = map(" ".join, zip(*(words[i:] for i in range(SHINGLE)), strict=False))
    digests = b"".join(map(_DIGEST, map(_HASH8, map(str.encode, shingles))))
    n = len(digests) // 8
    # One row per shingle, its 64 bits most significant first (the digest is big-endian).
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(n, 8), axis=1)
    ones = bits.sum(axis=0, dtype=np.int64)
    return int.from_bytes(np.packbits(ones * 2 > n).tobytes(), "big")


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def as_bigint(fp: int | None) -> int | None:
    """A 64-bit fingerprint as the signed integer a DuckDB BIGINT holds."""
    return None if fp is None else fp - (1 << 64) if fp >= 1 << 63 else fp
