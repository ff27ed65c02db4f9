"""What a story is about, for story keys: the text's words weighted by how rare they are in
English, compared by cosine (the fourth part of a story key, extractors/stories.py).

Another outlet's own report of an event shares few of the first report's word sequences
(the shingles part) and, beside the names every story of a company gives, too few of its
names (the names part); its lead may give no figure (the lead part). What it does share is
its vocabulary: the event's rare words ("tender", "Qatar", "outage", "subpoena"), its people
and its figures, each used a few times. Weighted by how rare a word is in English, and
limited to reports published within a day and a half of each other, two reports of one event
agree far more than two stories of one company in one week (tests/data/clusters,
docs/extraction.md "Reports in their own words").

A word's weight is `RARE_ZIPF` less its Zipf frequency (log10 of its uses per billion words)
in wordfreq's English list, read from wordfreq's data file as 32-bit word hashes beside their
frequencies (about 150 KB in memory, not wordfreq's 18 MB of imports): "the" and "said"
weigh nothing, "funding" 1.4, "outage" 2.7, a word the list lacks (most names, every number
but a year) 6.
"""

from __future__ import annotations

import gzip
import importlib.resources
import itertools
import operator
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

import msgpack
import numpy as np
import numpy.typing as npt
import Stemmer

# A word weighs RARE_ZIPF less its Zipf frequency: words used once in a million or more weigh
# nothing, so no stop-word list is needed.
RARE_ZIPF = 6.0
TERMS = 64  # a text's heaviest terms kept in its key; cosine is estimated over them
BAND_TERMS = 6  # two texts are candidates when they share a pair of their heaviest six
MIN_TERMS = 40  # texts with fewer weighted words (a summary, a two-line brief) are not compared
# Same story when the cosine of two texts' weighted words reaches this and they were
# published within TERMS_HOURS of each other (measured on tests/data/clusters; the figures
# and the choice in docs/extraction.md).
TERMS_COSINE = 0.4
TERMS_HOURS = 36.0
# ... and when their leads (the headline and the first LEAD_WORDS words) share the event, not
# only its subject: the products of the terms both leads use, less the largest (the company
# or person both are about), sum to at least LEAD_SHARED. A company's other story of the day
# that recalls the event in a background sentence shares the event's rare words but leads
# with its own (docs/extraction.md, "Reports in their own words").
LEAD_WORDS = 50
LEAD_SHARED = 0.03
# Only a text's first characters are read: reports tell their event up front, and what
# follows (background, reactions) costs a word lookup each (docs/benchmarks.md).
TERMS_CHARS = 2000
TITLE_CHARS = 600  # a headline past this is no headline (hostile input), as for the lead
MARK = 0x4D524554  # "TERM": a signature ends with this when it has a terms part
_MARK_BYTES = MARK.to_bytes(4, "little")
_WEIGHT_SCALE = 32767  # a normalised weight (at most 1) in 15 bits; the 16th: in the lead
_IN_LEAD = 0x8000
_FOLD = (0x8EBC6AF09C88C6E3, 0x589965CC75374CC3)  # a terms band is no other part's band

# Lowercased words of any alphabet ("zürich", "o'brien", "data-centre"), numbers as written
# ("1,200", "9.5"); an apostrophe's "s" is cut below.
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W\d_]|\d[\d,.]*\d|\d")
_YEAR = re.compile(r"(?:19|20)\d\d")
_POSSESSIVE = ("'s", "’s")  # cut from a word's end
_STEMMER = Stemmer.Stemmer("english")  # Snowball's English stemmer, in C
_TERM = operator.itemgetter(1)  # of `_terms_of`'s (word, term, weight)


def _word_lists() -> list[list[str]]:
    """wordfreq's small English list: a list of word lists, the n-th the words used
    10^(-n/100) of the time (its "cBpack" file, read here without importing wordfreq)."""
    path = importlib.resources.files("wordfreq") / "data" / "small_en.msgpack.gz"
    with path.open("rb") as raw, gzip.open(raw) as f:
        data = msgpack.load(f, raw=False)
    if not isinstance(data[0], dict) or data[0].get("format") != "cB":
        raise ValueError(f"wordfreq's {path.name} is not the cBpack format read here")
    return list(data[1:])


@cache
def _zipf_table() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float32]]:
    """The list as sorted CRC-32 word hashes and their Zipf values."""
    words = [
        (zlib.crc32(w.encode()), 9.0 - n / 100) for n, ws in enumerate(_word_lists()) for w in ws
    ]
    words.sort()
    hashes = np.fromiter((h for h, _ in words), dtype=np.uint32, count=len(words))
    zipf = np.fromiter((z for _, z in words), dtype=np.float32, count=len(words))
    return hashes, zipf


def english_words() -> list[str]:
    """The list's words of letters alone, the commonest first (the benchmarks' prose)."""
    return [w for ws in _word_lists() for w in ws if w.isalpha()]


# token -> (word, term, weight), filled a text's new tokens at a time; its older half
# dropped when full.
_CACHE: dict[str, tuple[str, int, float]] = {}
_CACHE_SIZE = 20_000  # about 5 MB at most


def _terms_of(tokens: list[str]) -> list[tuple[str, int, float]]:
    """Each token's word (without an apostrophe's "s" or a number's commas), its term (the
    CRC-32 of its stem: "outages" and "outage" are one) and its weight (0 for a year). The
    tokens not met before are looked up together: one search of the table, one call of the
    stemmer (a text's rare words are mostly new to the process). The loops are `map`s over
    C functions: a story key's largest Python cost was these per-token steps (issue 19)."""
    if len(_CACHE) + len(tokens) > _CACHE_SIZE:  # the older half goes (insertion order)
        for token in list(itertools.islice(_CACHE, len(_CACHE) // 2 + len(tokens))):
            del _CACHE[token]
    new = list(itertools.filterfalse(_CACHE.__contains__, tokens))
    if new:
        words = [(t[:-2] if t.endswith(_POSSESSIVE) else t).replace(",", "") for t in new]
        hashes, zipf = _zipf_table()
        mine = np.fromiter(map(zlib.crc32, map(str.encode, words)), np.uint32, len(words))
        at = np.minimum(np.searchsorted(hashes, mine), len(hashes) - 1)
        z = np.where(hashes[at] == mine, zipf[at], 0.0)
        weights = np.maximum(0.0, RARE_ZIPF - z).tolist()
        stems = map(zlib.crc32, map(str.encode, _STEMMER.stemWords(words)))
        for token, word, stem, w in zip(new, words, stems, weights, strict=True):
            if len(word) == 4 and _YEAR.fullmatch(word):  # every story of a year names it
                _CACHE[token] = (word, 0, 0.0)
            else:
                _CACHE[token] = (word, stem, w)
    return list(map(_CACHE.__getitem__, tokens))


def rarity(word: str) -> float:
    """A lowercased word's weight: RARE_ZIPF less its Zipf frequency, at least 0."""
    return _terms_of([word])[0][2]


@dataclass(frozen=True)
class Terms:
    """A text's heaviest terms (32-bit hashes) and their weights, normalised over all of the
    text's terms, so that the products of shared terms sum to (a little under) the cosine;
    and whether each is used in the text's lead."""

    hashes: npt.NDArray[np.uint32]
    weights: npt.NDArray[np.float64]
    lead: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.hashes)

    @cached_property
    def bands(self) -> tuple[int, ...]:
        """`terms_band_keys`: read once a text (a store looks each candidate's up)."""
        return _band_keys(self)

    def _shared(self, other: Terms) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """The products of the terms both keep, and whether both leads use each."""
        _, mine, theirs = np.intersect1d(
            self.hashes, other.hashes, assume_unique=True, return_indices=True
        )
        products = self.weights[mine] * other.weights[theirs]
        return products, self.lead[mine] & other.lead[theirs]

    def cosine(self, other: Terms) -> float:
        return float(self._shared(other)[0].sum())

    def same_story(self, other: Terms) -> bool:
        """The two texts' terms tell one story (their times apart): cosine and leads."""
        products, both = self._shared(other)
        if float(products.sum()) < TERMS_COSINE:
            return False
        return float(np.sort(products[both])[:-1].sum()) >= LEAD_SHARED


_EMPTY = np.empty(0, dtype=np.uint32)
NO_TERMS = Terms(_EMPTY, np.empty(0), np.empty(0, dtype=bool))


def _unique(x: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]]:
    """np.unique(x, return_inverse=True) by a stable sort: the same arrays, without the hash
    table numpy 2 builds first (most of the call's time for a text's few hundred terms)."""
    if not len(x):
        return x[:0], np.empty(0, dtype=np.intp)
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    first = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    at = np.empty(len(x), dtype=np.intp)
    at[order] = np.cumsum(first) - 1
    return ordered[first], at


def terms(title: str, text: str, common: frozenset[str] = frozenset()) -> Terms:
    """The text's terms (its headline and body), or NO_TERMS when fewer than MIN_TERMS of
    its words weigh anything. The words of `common` (the watchlist's names, `name_words`)
    weigh nothing: every story of a warehouse names some of them, so they say which company
    a story is about, not which of its stories."""
    title = title[:TITLE_CHARS]
    if len(text) > TERMS_CHARS:  # not into a word, which would read as a rare one
        text = text[:TERMS_CHARS].rsplit(None, 1)[0]
    # Each distinct token once (a text repeats most of its words), as arrays.
    tokens = Counter(_WORD.findall(f"{title}\n{text}".lower()))
    words, hashes, weights = zip(*_terms_of(list(tokens)), strict=True) if tokens else ((),) * 3
    w = np.fromiter(weights, dtype=np.float64, count=len(weights))
    keep = w > 0.0
    if common:
        keep &= ~np.fromiter(map(common.__contains__, words), dtype=bool, count=len(words))
    uses = np.fromiter(tokens.values(), dtype=np.float64, count=len(tokens))[keep]
    if uses.sum() < MIN_TERMS:
        return NO_TERMS
    found, at = _unique(np.fromiter(hashes, np.uint32, len(hashes))[keep])
    counts = np.bincount(at, weights=uses)
    weight = np.zeros(len(found))
    weight[at] = w[keep]  # a term's forms may weigh differently: the last form met counts
    # A word's uses count doubly damped: a company named in every paragraph is what the
    # story is about, not what happened (on the pair sets' tuning, damping once merged a
    # company's two stories of a day that this keeps apart).
    vector = (1.0 + np.log1p(np.log(counts))) * weight
    top = np.lexsort((found, -vector))[:TERMS]  # the heaviest; of equals, the lowest hash
    top = np.sort(top)  # `found` is sorted: by hash, for intersect1d
    # The lead: the headline and the text's first words (a long first token can only
    # shorten it: the text is cut before it is split).
    head = " ".join(f"{title}\n{text[: 20 * LEAD_WORDS]}".split()[:LEAD_WORDS]).lower()
    led = set(map(_TERM, _terms_of(_WORD.findall(head))))
    kept = found[top]
    # Weights as the key stores them (15 bits), so that its bands and every reader of the
    # key see the same six heaviest terms.
    weights = np.round(vector[top] / np.sqrt(np.dot(vector, vector)) * _WEIGHT_SCALE)
    in_lead = np.fromiter(map(led.__contains__, kept.tolist()), dtype=bool, count=len(kept))
    return Terms(kept, weights / _WEIGHT_SCALE, in_lead)


def terms_part(t: Terms) -> bytes:
    """The bytes a signature ends with for its terms (none for NO_TERMS): the hashes, the
    weights as 15-bit fractions with the lead's flag as the 16th bit, their count, the
    mark."""
    if not len(t):
        return b""
    weights = np.round(t.weights * _WEIGHT_SCALE).astype("<u2") | np.where(t.lead, _IN_LEAD, 0)
    weights = weights.astype("<u2")
    pad = b"\0\0" if len(t) % 2 else b""  # keeps the part a whole number of 32-bit words
    return (
        t.hashes.astype("<u4").tobytes()
        + weights.tobytes()
        + pad
        + len(t).to_bytes(4, "little")
        + _MARK_BYTES
    )


def _terms_size(signature: bytes) -> int:
    """The length of the signature's terms part (0 without one)."""
    if len(signature) < 8 or signature[-4:] != _MARK_BYTES:
        return 0
    n = int.from_bytes(signature[-8:-4], "little")
    size = 8 + 4 * n + 2 * n + (2 if n % 2 else 0)
    return size if 0 < n <= TERMS and size <= len(signature) else 0


def without_terms(signature: bytes) -> bytes:
    """A signature without its terms part (`split_terms`'s first half, nothing parsed)."""
    size = _terms_size(signature)
    return signature[: len(signature) - size] if size else signature


@lru_cache(maxsize=1024)
def _read_part(part: bytes) -> Terms:
    # A store reads each of its batch's keys three times (their near bands, against the
    # stored candidates, against each other) and its candidates' once or twice: parts read
    # again come from here, their bands with them (2.5 MB at most).
    n = int.from_bytes(part[-8:-4], "little")
    hashes = np.frombuffer(part, dtype="<u4", count=n).astype(np.uint32)
    weights = np.frombuffer(part, dtype="<u2", count=n, offset=4 * n)
    scaled = (weights & ~np.uint16(_IN_LEAD)).astype(np.float64) / _WEIGHT_SCALE
    return Terms(hashes, scaled, (weights & _IN_LEAD) != 0)


def split_terms(signature: bytes) -> tuple[bytes, Terms]:
    """A signature without its terms part, and its terms (NO_TERMS without one)."""
    size = _terms_size(signature)
    if not size:
        return signature, NO_TERMS
    start = len(signature) - size
    return signature[:start], _read_part(signature[start:])


def terms_band_keys(t: Terms) -> tuple[int, ...]:
    """One LSH band per pair of the text's BAND_TERMS heaviest terms: reports of one event
    share two of their rarest words far more often than two stories of one company."""
    return t.bands


# The pairs (i < j) of BAND_TERMS indices, for the bands.
_PAIRS = np.triu_indices(BAND_TERMS, k=1)


def _band_keys(t: Terms) -> tuple[int, ...]:
    if len(t) < 2:
        return ()
    heaviest = np.sort(t.hashes[np.argsort(-t.weights, kind="stable")[:BAND_TERMS]])
    k = len(heaviest)
    i, j = _PAIRS if k == BAND_TERMS else np.triu_indices(k, k=1)
    with np.errstate(over="ignore"):
        folded = heaviest[i].astype(np.uint64) * np.uint64(_FOLD[0]) + heaviest[j].astype(np.uint64)
        folded = folded * np.uint64(_FOLD[1])
    return tuple(folded.view(np.int64).tolist())
