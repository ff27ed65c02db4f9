"""A large set of words held in three flat buffers instead of a Python set of str.

The tagger's word lists (264,000 English words, 89,000 surnames) cost tens of MB as Python
sets in every analysis worker (issue 19): each str is an object of its own, the set's table
comes on top, and building them leaves the heap fragmented. Here a word is a 4-byte hash
in a sorted array, its characters in one string and a 4-byte offset into it: about 9
bytes a word plus its length (5 MB for the English list). A lookup finds the word's hash by
bisection, then compares the word itself: the answers are a frozenset's, collisions
included.

The hash is CRC-32 of the word's UTF-8, the same in every process, so a set built once can
be written to a file and read back by the next worker in milliseconds (`to_bytes`,
`from_bytes`; extractors/word_cache.py), where building it from the word list took a
third of a second of each worker's start.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from operator import methodcaller

# Lone surrogates ("\ud800") encode too: a page's text may hold any str.
_utf8 = methodcaller("encode", "utf-8", "surrogatepass")

# The written form: magic and version, the numbers of words and of the text's bytes, then
# the hashes, the offsets and the text (UTF-8), then CRC-32 of everything before it.
_MAGIC = b"LWWORDS1"
_HEADER = struct.Struct("<8sII")


class WordSet:
    """An immutable set of str whose `in` answers as a frozenset of the same words does."""

    __slots__ = ("_hashes", "_offsets", "_text")

    def __init__(self, words: Iterable[str]) -> None:
        import numpy as np  # the build only: hashes sorted in C, not as Python tuples

        unique = list(words if isinstance(words, (set, frozenset)) else set(words))
        hashes = np.fromiter(map(zlib.crc32, map(_utf8, unique)), np.uint32, len(unique))
        # Sorted by hash: words of one hash sit together, and a lookup compares them all.
        order = np.argsort(hashes, kind="stable")
        ordered = [unique[i] for i in order.tolist()]
        del unique
        lengths = np.fromiter(map(len, ordered), dtype=np.int64, count=len(ordered))
        self._hashes = array("I", hashes[order].tobytes())
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.uint32)
        self._offsets = array("I", offsets.tobytes())
        # One str: one byte a character when every word is Latin-1, as these lists are.
        self._text = "".join(ordered)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        h = zlib.crc32(_utf8(word))
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
        table = np.frombuffer(self._hashes, dtype=np.uint32)
        hashes = np.fromiter(map(zlib.crc32, map(_utf8, words)), np.uint32, len(words))
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

    def to_bytes(self) -> bytes:
        """The set as `from_bytes` reads it back."""
        text = self._text.encode("utf-8", "surrogatepass")
        body = (
            _HEADER.pack(_MAGIC, len(self._hashes), len(text))
            + self._hashes.tobytes()
            + self._offsets.tobytes()
            + text
        )
        return body + struct.pack("<I", zlib.crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes) -> WordSet:
        """The set `to_bytes` wrote; ValueError if `data` is not one, whole and intact."""
        if len(data) < _HEADER.size + 4:
            raise ValueError("not a word set: too short")
        magic, count, text_bytes = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a word set of this version")
        hashes_end = _HEADER.size + 4 * count
        offsets_end = hashes_end + 4 * (count + 1)
        if len(data) != offsets_end + text_bytes + 4:
            raise ValueError("word set cut short or padded")
        (checksum,) = struct.unpack_from("<I", data, len(data) - 4)
        if zlib.crc32(memoryview(data)[:-4]) != checksum:
            raise ValueError("word set damaged: checksum differs")
        out = cls.__new__(cls)
        out._hashes = array("I", data[_HEADER.size : hashes_end])
        out._offsets = array("I", data[hashes_end:offsets_end])
        out._text = data[offsets_end:-4].decode("utf-8", "surrogatepass")
        if out._offsets[-1] != len(out._text):
            raise ValueError("word set damaged: offsets and text disagree")
        return out
