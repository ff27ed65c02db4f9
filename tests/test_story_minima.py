"""MinHash minima: the fast reduction modulo the Mersenne prime gives the minima of the
plain formula, (a*x + b) mod (2^61 - 1) kept to 32 bits, so that keys stored by earlier
versions keep matching the keys of new articles."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from extractors import stories
from extractors.stories import shingle_hashes, story_key


def _reference(
    hashes: npt.NDArray[np.uint64], a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]
) -> npt.NDArray[np.uint32]:
    prime = np.uint64((1 << 61) - 1)
    permuted = (a[:, None] * hashes[None, :] + b[:, None]) % prime & np.uint64(0xFFFFFFFF)
    return np.asarray(permuted.min(axis=1).astype("<u4"))


@pytest.mark.parametrize("size", [1, 2, 31, 33, 700, 2500])
def test_minima_are_those_of_the_plain_formula(size: int) -> None:
    rng = np.random.default_rng(size)
    edges = np.array([0, 1, (1 << 31) - 1, 1 << 31, (1 << 32) - 1], dtype=np.uint64)
    for _ in range(20):
        hashes = rng.integers(0, 1 << 32, size=size, dtype=np.uint64)
        hashes[: min(size, len(edges))] = edges[: min(size, len(edges))]
        for a, b in ((stories._A, stories._B), (stories._NAME_A, stories._NAME_B)):
            assert np.array_equal(stories._minima(hashes, a, b), _reference(hashes, a, b))


def test_a_number_of_permutations_not_a_multiple_of_a_pass() -> None:
    rng = np.random.default_rng(7)
    hashes = rng.integers(0, 1 << 32, size=300, dtype=np.uint64)
    a, b = stories._A[:45], stories._B[:45]
    assert np.array_equal(stories._minima(hashes, a, b), _reference(hashes, a, b))


@pytest.mark.parametrize(
    ("a", "x", "b"),
    [
        (1 << 31, (1 << 30) - 1, (1 << 31) - 1),  # a*x + b = p: reduces to 0
        (1 << 31, 1 << 30, 0),  # p + 1
        (1 << 31, 1 << 30, (1 << 32) - 1),  # p + 2^32
        ((1 << 32) - 1, (1 << 32) - 1, (1 << 32) - 1),  # the largest: 2^64 - 2^32
        (3, (1 << 32) - 1, 5),  # far below p: no reduction
    ],
)
def test_values_at_and_above_the_prime(a: int, x: int, b: int) -> None:
    # The one subtraction the fast reduction makes must happen exactly where v mod p wraps.
    arrays = [np.array([n], dtype=np.uint64) for n in (x, a, b)]
    assert int(stories._minima(*arrays)[0]) == (a * x + b) % ((1 << 61) - 1) & 0xFFFFFFFF


def test_a_story_key_is_the_plain_formulas() -> None:
    text = " ".join(f"Word{i % 37} said the Analyst{i % 11} in Paris {i}" for i in range(60))
    key = story_key(text)
    assert key is not None
    expected = _reference(shingle_hashes(text), stories._A, stories._B).tobytes()
    assert key.signature[: len(expected)] == expected
