# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""A story key's three per-character and per-shingle loops in C (issue 19): the words'
CRC-32 hashes for its shingles, the MinHash minima, and the tokens its names part reads.

setup.py compiles this file into extractors._story_scan when a C compiler is there. The
Python the keys were defined with stays the reference and runs where it is not built or is
older than this file (extractors/compiled.py chooses); both give the same values,
tests/test_story_scan.py checks them against each other on real and random text. Each loop
here did its work one Python object at a time: a word's string, its bytes, its hash; a
shingle's 128 products in numpy passes; every token of a text as a string, though the
names part keeps only those not lowercase.
"""

from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_ISLOWER, Py_UNICODE_ISSPACE
from libc.stdint cimport uint8_t, uint32_t, uint64_t

import numpy as np

# CRC-32 (zlib's: reflected, polynomial 0xEDB88320), a byte at a time from a table.
cdef uint32_t _CRC[256]


cdef void _crc_table():
    cdef uint32_t c
    cdef int n, k
    for n in range(256):
        c = n
        for k in range(8):
            c = (0xEDB88320 ^ (c >> 1)) if c & 1 else (c >> 1)
        _CRC[n] = c


_crc_table()


cdef inline uint32_t _byte(uint32_t crc, uint32_t b) noexcept:
    return _CRC[(crc ^ b) & 0xFF] ^ (crc >> 8)


cdef inline uint32_t _char(uint32_t crc, uint32_t c) noexcept:
    """The CRC carried over the character's UTF-8 bytes (no surrogate is a word's)."""
    if c < 0x80:
        return _byte(crc, c)
    if c < 0x800:
        crc = _byte(crc, 0xC0 | (c >> 6))
        return _byte(crc, 0x80 | (c & 0x3F))
    if c < 0x10000:
        crc = _byte(crc, 0xE0 | (c >> 12))
        crc = _byte(crc, 0x80 | ((c >> 6) & 0x3F))
        return _byte(crc, 0x80 | (c & 0x3F))
    crc = _byte(crc, 0xF0 | (c >> 18))
    crc = _byte(crc, 0x80 | ((c >> 12) & 0x3F))
    crc = _byte(crc, 0x80 | ((c >> 6) & 0x3F))
    return _byte(crc, 0x80 | (c & 0x3F))


cdef inline bint _is_word(Py_UCS4 ch) noexcept:
    # the regex module's \w for str patterns: alphanumeric or the underscore
    return ch == u'_' or Py_UNICODE_ISALNUM(ch)


def word_hashes(str lowered, dict variants):
    """zlib.crc32 of the UTF-8 of each of the text's words (runs of \\w), a word of
    `variants` hashed as its value: `_word_hashes(_words(text))` of extractors/stories.py,
    given `text.lower()`."""
    cdef Py_ssize_t n = len(lowered), i, start = 0, m = 0, v
    out = np.empty(n // 2 + 1, dtype=np.uint64)  # at most one word in two characters
    cdef uint64_t[::1] o = out
    # The variants' hashes: a word whose hash is one of them is compared as a string.
    cdef list keys = list(variants)
    cdef Py_ssize_t nv = len(keys)
    known = np.array([_crc_str(k) for k in keys] or [0], dtype=np.uint64)
    cdef uint64_t[::1] known_v = known
    cdef uint32_t crc = 0
    cdef bint inword = False
    cdef Py_UCS4 ch
    for i in range(n + 1):
        ch = lowered[i] if i < n else u' '
        if _is_word(ch):
            if not inword:
                crc, inword, start = 0xFFFFFFFF, True, i
            crc = _char(crc, ch)
        elif inword:
            inword = False
            crc ^= 0xFFFFFFFF
            for v in range(nv):
                if known_v[v] == crc and lowered[start:i] == keys[v]:
                    crc = _crc_str(variants[keys[v]])
                    break
            o[m] = crc
            m += 1
    return out[:m]


cdef uint32_t _crc_str(str word):
    cdef uint32_t crc = 0xFFFFFFFF
    cdef Py_UCS4 ch
    for ch in word:
        crc = _char(crc, ch)
    return crc ^ 0xFFFFFFFF


def minima(const uint64_t[::1] hashes, const uint64_t[::1] a, const uint64_t[::1] b):
    """extractors/stories.py `_minima`: for each permutation k, the least of
    ((a[k] * x + b[k]) mod (2^61 - 1)) & 0xFFFFFFFF over the hashes x (32-bit a, x and b:
    the product and sum are exact in 64 bits)."""
    cdef Py_ssize_t k, x, n = hashes.shape[0]
    cdef uint64_t p = 0x1FFFFFFFFFFFFFFF, low32 = 0xFFFFFFFF
    cdef uint64_t v, best, ak, bk
    if n == 0:
        raise ValueError("the minima of no hashes")
    if b.shape[0] != a.shape[0]:  # b[k] is read for each a[k], unchecked
        raise ValueError("a permutation's a and b differ in number")
    out = np.empty(a.shape[0], dtype="<u4")
    cdef uint32_t[::1] o = out
    for k in range(a.shape[0]):
        ak, bk, best = a[k], b[k], low32 + 1
        for x in range(n):
            v = ak * hashes[x] + bk
            v = (v & p) + (v >> 61)
            if v >= p:
                v -= p
            v &= low32
            if v < best:
                best = v
        o[k] = <uint32_t>best
    return out


def name_tokens(str text):
    """The text's tokens (a letter or digit, then letters, digits and ' ’ . -) that do not
    start with a lowercase letter, without a trailing . ’ or ', each with whether it starts
    a sentence (the text's first token, or the first after a new line or after white space
    that follows . ! ?): extractors/story_names.py's `_TOKEN` and `sentence_starts`."""
    cdef Py_ssize_t n = len(text), i = 0, j, end
    cdef Py_UCS4 ch, c
    cdef bint sentence = True
    cdef list found = []
    cdef list starts = []
    while i < n:
        ch = text[i]
        if Py_UNICODE_ISALNUM(ch):
            j = i + 1
            while j < n:
                c = text[j]
                if not (_is_word(c) or c == u"'" or c == u"\u2019" or c == u"." or c == u"-"):
                    break
                j += 1
            if not Py_UNICODE_ISLOWER(ch):
                end = j
                while end > i + 1:
                    c = text[end - 1]
                    if c != u"." and c != u"\u2019" and c != u"'":
                        break
                    end -= 1
                found.append(text[i:end])
                starts.append(sentence)
            sentence = False
            i = j
        else:
            if ch == u"\n" or (
                i > 0 and Py_UNICODE_ISSPACE(ch)
                and (text[i - 1] == u"." or text[i - 1] == u"!" or text[i - 1] == u"?")
            ):
                sentence = True
            i += 1
    return found, starts
