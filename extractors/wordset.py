"""A large set of words held in three flat buffers instead of a Python set of str.

The tagger's word lists (264,000 English words, 89,000 surnames) cost tens of MB as Python
sets in every analysis worker (issue 19): each str is an object of its own, the set's table
comes on top, and building them leaves the heap fragmented. Here a word is an 8-byte hash
in a sorted array, its characters in one string and a 4-byte offset into it: about 13
bytes a word plus its length (6 MB for the English list). A lookup finds the word's hash by
bisection, then compares the word itself: the answers are a frozenset's, collisions
included.

The hash is Python's own (`hash(str)`, cached on the string, random per process): a set is
built in the process that uses it, never stored.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence


class WordSet:
    """An immutable set of str whose `in` answers as a frozenset of the same words does."""

    __slots__ = ("_hashes", "_offsets", "_text")

    def __init__(self, words: Iterable[str]) -> None:
        import numpy as np  # the build only: hashes sorted in C, not as Python tuples

        unique = list(words if isinstance(words, (set, frozenset)) else set(words))
        hashes = np.fromiter(map(hash, unique), dtype=np.int64, count=len(unique))
        # Sorted by hash: words of one hash sit together, and a lookup compares them all.
        order = np.argsort(hashes, kind="stable")
        ordered = [unique[i] for i in order.tolist()]
        del unique
        lengths = np.fromiter(map(len, ordered), dtype=np.int64, count=len(ordered))
        self._hashes = array("q", hashes[order].tobytes())
        self._offsets = array("I", np.concatenate(([0], np.cumsum(lengths))).astype(np.uint32))
        # One str: one byte a character when every word is Latin-1, as these lists are.
        self._text = "".join(ordered)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        h = hash(word)
        hashes = self._hashes
        i = bisect_left(hashes, h)
        return i < len(hashes) and hashes[i] == h and self._same(word, h, i)

    def _same(self, word: str, h: int, i: int) -> bool:
        """Whether `word`, whose hash `h` is first at `i`, is one of the words of that hash."""
        hashes, offsets, text = self._hashes, self._offsets, self._text
        while i < len(hashes) and hashes[i] == h:
            if text[offsets[i] : offsets[i + 1]] == word:
                return True
            i += 1
        return False

    def contains_each(self, words: Sequence[str]) -> list[bool]:
        """`[w in self for w in words]`, with the hashes looked up in one go (the tagger
        asks about some 400 misspellings of each long name)."""
        import numpy as np

        if not words or not self._hashes:
            return [False] * len(words)
        table = np.frombuffer(self._hashes, dtype=np.int64)
        hashes = np.fromiter(map(hash, words), dtype=np.int64, count=len(words))
        at = np.minimum(np.searchsorted(table, hashes), len(table) - 1)
        out = [False] * len(words)
        for i in np.flatnonzero(table[at] == hashes).tolist():
            out[i] = self._same(words[i], int(hashes[i]), int(at[i]))
        return out

    def __len__(self) -> int:
        return len(self._hashes)

    def __iter__(self) -> Iterator[str]:
        offsets, text = self._offsets, self._text
        for i in range(len(self._hashes)):
            yield text[offsets[i] : offsets[i + 1]]

    def nbytes(self) -> int:
        """The buffers' size in bytes: the set's memory, bar a few object headers."""
        hashes, offsets = self._hashes, self._offsets
        chars = len(self._text) * (1 if self._text.isascii() else 4)  # at most 4 a character
        return hashes.itemsize * len(hashes) + offsets.itemsize * len(offsets) + chars
