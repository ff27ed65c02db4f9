"""One story, however many outlets tell it: MinHash over word shingles, LSH bands, and the
rule that decides whether two articles are the same story.

A wire story is rewritten as it travels: a new headline and credit line, the lede rewritten,
"said" for "says", "bn" for "billion", paragraphs reordered or cut, a local paragraph added,
an update appended. What survives is most of its word sequences, so two copies share many
3-word shingles, and a copy cut to half the length still has most of its shingles in the
longer one. The rule therefore compares *containment* (shared shingles over the shorter
text's), estimated from MinHash signatures, not SimHash bits (which drift 15-20 bits apart
under those edits while different stories on the same companies come as close as 18).

A story retold in new sentences (an aggregator's rewrite, another outlet's report of the
same event) keeps few shingles but most of its names and figures: the people, companies,
places and products it names mid-sentence and its numbers. So a key has a second part, a
MinHash of that set of *names* (when a text has at least `MIN_NAMES`), with LSH bands of its
own; two texts whose names agree at least `NAMES_JACCARD` are the same story too, ranked
below any match of shingles. Another outlet's own report of the event shares too few of
either; what it shares is its lead, the figure and the names it opens with: a third part,
extractors/story_leads.py, links reports published within days whose leads share both.
When its lead gives no figure, it still shares the event's rare words: a fourth part,
extractors/story_terms.py, links reports published within a day and a half whose words,
weighted by how rare they are in English, agree (cosine).

LSH makes matching incremental: a signature is cut into bands, each band hashed to one
64-bit key; articles sharing a key are candidates, and only candidates are compared. The
warehouse stores the keys, so finding an article's candidates is one indexed join.

Thresholds are measured on a labelled pair set (tests/data/clusters, `labwatch eval
clusters`; figures in docs/extraction.md).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt

from extractors import compiled
from extractors.story_leads import (
    LEAD_WINDOW,
    Lead,
    lead_band_keys,
    lead_of_text,
    lead_part,
    split_lead,
)
from extractors.story_names import names
from extractors.story_terms import (
    TERMS_HOURS,
    Terms,
    split_terms,
    terms,
    terms_band_keys,
    terms_part,
    without_terms,
)

SHINGLE = 3  # words per shingle, as for SimHash
PERMUTATIONS = 128
ROWS = 2  # rows per LSH band: two rows catch copies sharing a fifth of their shingles
BANDS = PERMUTATIONS // ROWS
MIN_SHINGLES = 20  # shorter texts have too few shingles to estimate overlap from
# Same story when at least this share of the shorter text's shingles is in the other. On the
# pair set's tuning part, wire copies (cut to a third, new lede, local paragraph, update)
# keep 0.42 or more; different stories, even on one company in one week with the same stock
# background paragraph, reach 0.32. Any value from 0.30 to 0.50 scores the same there; 0.40
# sits in the middle of the gap. Titles and shared entities were measured as extra signals
# and changed no decision on the pair set, so the rule does without them.
CONTAINMENT = 0.40
# A containment estimated from few equal minima is noise when one text is much longer (one
# chance match in 128 reads as "all of it" for a 30-shingle text against a 3,000-shingle
# one): at least this share of the signature must agree.
MIN_JACCARD = 0.06
WINDOW = timedelta(days=30)  # copies of a story appear within days, not months
# The names part (tests/data/clusters/rewrite_pairs.jsonl, the paraphrase pairs). 64 minima
# estimate a Jaccard of 0.33 within 0.06. 21 bands of 3 rows make two texts whose names agree
# 0.45 candidates 87% of the time and 0.6 99%, and unrelated texts sharing a twentieth of
# their names 0.3%: of the corpus's 789 article bodies, 204 pairs more than the shingles'
# 102 (bands of 2 rows made 4,421 more: every candidate's key is read and scored). A
# text's names leave out days, months and the watchlist's own names (`name_words`): every
# story of a warehouse names some of them, and with them `make bench`'s generated stories,
# which name a few of a small pool, merged by the hundred. Texts naming fewer than
# MIN_NAMES other things have no names part: a few shared names say little (at 10, 20 of
# the bench's 4,007 generated stories merged into others; at 12 none, and the pair sets
# score the same). On the pair sets' tuning parts, 0.45 merges no different stories and
# keeps 19 of the 38 retold stories together (0.40 merged two of one company's week).
NAME_PERMUTATIONS = 64
NAME_ROWS = 3
NAME_BANDS = 21  # over the first NAME_BANDS * NAME_ROWS minima
MIN_NAMES = 12
NAMES_JACCARD = 0.45
# A names match's score is its agreement times this: at most half the lowest match of
# shingles, so a candidate that shares the text wins over one that only shares its names.
NAMES_SCALE = CONTAINMENT / 2
_SHINGLE_BYTES = 4 * PERMUTATIONS  # the signature's shingle minima; its names minima follow
_NAMES_BYTES = 4 * NAME_PERMUTATIONS
_SIZES = (_SHINGLE_BYTES, _SHINGLE_BYTES + _NAMES_BYTES)  # a signature before its lead part
# A lead match's score: below any match of names (NAMES_JACCARD times NAMES_SCALE and up).
LEAD_SCORE = NAMES_JACCARD * NAMES_SCALE / 2
_LEAD_SECONDS = LEAD_WINDOW.total_seconds()
# A terms match's score (extractors/story_terms.py): below any other part's match.
TERMS_SCORE = LEAD_SCORE / 2
TERMS_WINDOW = timedelta(hours=TERMS_HOURS)
_TERMS_SECONDS = TERMS_WINDOW.total_seconds()

# A word of the shingles. extractors/story_scan.pyx `word_hashes` reads words the same way
# in C: an edit here goes there too (tests/test_story_scan.py fails until it does).
_WORD = re.compile(r"\w+")
_PRIME = (1 << 61) - 1
_PRIME_U = np.uint64(_PRIME)
_SHIFT = np.uint64(61)
_MINIMA_ROWS = 32  # permutations per pass of `_minima`: 32 x 1,000 shingles is 256 KB
_MASK = np.uint64(0xFFFFFFFF)
# Fixed random permutations (a*x + b mod p): signatures must compare across processes and runs.
_RNG = np.random.default_rng(20261116)
_A = _RNG.integers(1, 1 << 32, size=PERMUTATIONS, dtype=np.uint64)
_B = _RNG.integers(0, 1 << 32, size=PERMUTATIONS, dtype=np.uint64)
_NAME_A = _RNG.integers(1, 1 << 32, size=NAME_PERMUTATIONS, dtype=np.uint64)
_NAME_B = _RNG.integers(0, 1 << 32, size=NAME_PERMUTATIONS, dtype=np.uint64)
# Multipliers that fold a shingle's word hashes, and a band's rows, into one 64-bit value.
_FOLD = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)

# Spellings wire desks swap for each other count as one word: the edit says nothing about
# whether it is the same story.
_VARIANTS = {
    "says": "said", "say": "said", "bn": "billion", "mn": "million", "mln": "million",
    "pct": "percent", "cent": "percent", "tells": "told",
}  # fmt: skip


@dataclass(frozen=True)
class StoryKey:
    """What an article contributes to story matching."""

    # PERMUTATIONS unsigned 32-bit minima of the shingles, little-endian, then
    # NAME_PERMUTATIONS of the names when the text has MIN_NAMES of them, then the lead part
    # when its lead gives a name and a figure or a headline's kind of happening
    # (extractors/story_leads.py `lead_part`), then the terms part when the text has
    # MIN_TERMS weighted words (extractors/story_terms.py `terms_part`)
    signature: bytes
    shingles: int  # distinct shingles in the text
    bands: tuple[int, ...]  # LSH band keys as signed 64-bit ints (DuckDB BIGINT)
    # The article's time (POSIX seconds) when known to whoever compares keys: the warehouse
    # gives each key its article's; a lead part matches only within LEAD_WINDOW.
    t: float | None = None


class Signed(Protocol):
    """What comparing two texts needs: a signature and the number of shingles it stands for
    (a StoryKey, or the warehouse's stored copy of one)."""

    @property
    def signature(self) -> bytes: ...
    @property
    def shingles(self) -> int: ...
    @property
    def t(self) -> float | None: ...


# (`map` over C functions: a loop per word in Python was a tenth of a story key's time)
def _words(text: str) -> list[str]:
    words = _WORD.findall(text.lower())
    return list(map(_VARIANTS.get, words, words))


def _word_hashes(words: list[str]) -> npt.NDArray[np.uint64]:
    return np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))


def _text_word_hashes(text: str) -> npt.NDArray[np.uint64]:
    """`_word_hashes(_words(text))`, in C where it is built (extractors/story_scan.pyx)."""
    if (scan := compiled.SCAN) is not None:
        return np.asarray(scan.word_hashes(text.lower(), _VARIANTS), dtype=np.uint64)
    return _word_hashes(_words(text))


def shingle_hashes(text: str) -> npt.NDArray[np.uint64]:
    """The distinct 3-word shingles of a text, each as a 32-bit hash."""
    h = _text_word_hashes(text)
    if len(h) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    n = len(h) - SHINGLE + 1
    with np.errstate(over="ignore"):  # wrap-around multiplication is the hash
        folded = sum((h[i : i + n] * _FOLD[i] for i in range(SHINGLE)), np.uint64(0))
    # np.unique's values, by a sort: for a text's few hundred shingles it is 4x faster than
    # the hash table numpy 2 builds first (58 against 14 µs).
    hashes = np.sort((folded >> np.uint64(32)) ^ (folded & _MASK))
    return hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))]


def _minima(
    hashes: npt.NDArray[np.uint64], a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]
) -> npt.NDArray[np.uint32]:
    """For each permutation (a[k], b[k]), the least (a[k] * x + b[k] mod 2^61 - 1) of the
    hashes x, kept to 32 bits; in C where it is built (extractors/story_scan.pyx)."""
    if (scan := compiled.SCAN) is not None:
        return np.asarray(scan.minima(np.ascontiguousarray(hashes), a, b), dtype="<u4")
    return _py_minima(hashes, a, b)


def _py_minima(
    hashes: npt.NDArray[np.uint64], a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]
) -> npt.NDArray[np.uint32]:
    # v = a*x + b < 2^64 for 32-bit a, x, b: exact in uint64. v mod p for the Mersenne prime
    # p = 2^61 - 1 is (v & p) + (v >> 61), less one p when that reaches p: the same minima
    # as numpy's `%`, in place, _MINIMA_ROWS permutations at a time so that the arrays stay
    # in the CPU's cache; a third of the time (a story key's largest part; issue 19).
    out = np.empty(len(a), dtype="<u4")
    rows = min(_MINIMA_ROWS, len(a))
    v = np.empty((rows, len(hashes)), dtype=np.uint64)
    high = np.empty_like(v)
    over = np.empty(v.shape, dtype=bool)
    for i in range(0, len(a), rows):
        k = min(rows, len(a) - i)  # the last pass may hold fewer
        w, h, o = v[:k], high[:k], over[:k]
        np.multiply(a[i : i + k, None], hashes[None, :], out=w)
        w += b[i : i + k, None]
        np.right_shift(w, _SHIFT, out=h)
        w &= _PRIME_U
        w += h
        np.greater_equal(w, _PRIME_U, out=o)
        np.subtract(w, _PRIME_U, out=w, where=o)
        w &= _MASK  # kept to 32 bits
        out[i : i + k] = w.min(axis=1)
    return out


def story_key(text: str, common: frozenset[str] = frozenset(), title: str = "") -> StoryKey | None:
    """The text's MinHash signature and LSH bands; None for texts too short to compare.
    `common`: the watchlist's name words (`name_words`), left out of the text's names.
    `title`: the headline, read with the text's first words for the lead part."""
    shingles = shingle_hashes(text)
    if len(shingles) < MIN_SHINGLES:
        return None
    signature = _minima(shingles, _A, _B)
    key, bands = signature.tobytes(), band_keys(signature)
    named = names(text, common)
    if len(named) >= MIN_NAMES:
        minima = _minima(_word_hashes(sorted(named)), _NAME_A, _NAME_B)
        key += minima.tobytes()
        bands = name_band_keys(minima) + bands
    # The lead reads a word at a sentence's start as a name when the text names it elsewhere,
    # or when it is the watchlist's (`common`, left out of the names part).
    lead = lead_of_text(title, text, frozenset(named) | common)
    words = terms(title, text, common)
    # Bands in the order of their parts' scores, the shingles' last: where a story is met on
    # several of an article's bands, the warehouse offers the story's last article on the
    # last of them (warehouse/stories.py `_by_key`), which should be one that shares the
    # text when one does.
    return StoryKey(
        key + lead_part(lead) + terms_part(words),
        len(shingles),
        terms_band_keys(words) + lead_band_keys(lead) + bands,
    )


def band_keys(signature: npt.NDArray[np.uint32]) -> tuple[int, ...]:
    rows = signature.astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        folded = rows[:, 0] * _FOLD[0] + rows[:, 1] * _FOLD[1] + np.arange(BANDS, dtype=np.uint64)
        folded = folded * _FOLD[2]
    return tuple(int(v) for v in folded.view(np.int64))


def name_band_keys(minima: npt.NDArray[np.uint32]) -> tuple[int, ...]:
    """The names part's LSH band keys: folded as the shingles' bands, numbered after them
    and multiplied once more, so that no names band can be a shingles band."""
    rows = minima[: NAME_BANDS * NAME_ROWS].astype(np.uint64).reshape(NAME_BANDS, NAME_ROWS)
    with np.errstate(over="ignore"):
        folded = rows[:, 0] * _FOLD[0] + rows[:, 1] * _FOLD[1] + rows[:, 2] * _FOLD[2]
        folded = (folded + np.arange(BANDS, BANDS + NAME_BANDS, dtype=np.uint64)) * _FOLD[2]
        folded = folded * _FOLD[0]
    return tuple(int(v) for v in folded.view(np.int64))


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets, from their signatures."""
    x = np.frombuffer(a, dtype="<u4", count=PERMUTATIONS)
    y = np.frombuffer(b, dtype="<u4", count=PERMUTATIONS)
    return float(np.count_nonzero(x == y)) / PERMUTATIONS


def names_part(signature: bytes) -> bytes | None:
    """The names minima of a signature, or None when it has none (too few names, or a key
    stored before there were names parts)."""
    rest, _ = split_lead(without_terms(signature), _SIZES)
    return rest[_SHINGLE_BYTES:] if len(rest) > _SHINGLE_BYTES else None


def names_jaccard(a: bytes, b: bytes) -> float | None:
    """Estimated Jaccard similarity of two texts' names, or None when either has no names
    part."""
    x, y = names_part(a), names_part(b)
    if x is None or y is None:
        return None
    same = np.frombuffer(x, dtype="<u4") == np.frombuffer(y, dtype="<u4")
    return float(np.count_nonzero(same)) / NAME_PERMUTATIONS


def lead_of(signature: bytes) -> Lead:
    """The lead part of a signature (NO_LEAD without one)."""
    return split_lead(without_terms(signature), _SIZES)[1]


def terms_of(signature: bytes) -> Terms:
    """The terms part of a signature (NO_TERMS without one: a short text, or a key stored
    before there were terms parts)."""
    return split_terms(signature)[1]


def _same_terms(a: Terms, b: Terms, a_t: float | None, b_t: float | None) -> bool:
    """Two texts' terms tell one story: published at most TERMS_HOURS apart (both times
    known), sharing a terms band, their cosine at least TERMS_COSINE and their leads sharing
    the event (`Terms.same_story`)."""
    if not len(a) or not len(b) or set(terms_band_keys(a)).isdisjoint(terms_band_keys(b)):
        return False
    return _terms_agree(a, b, a_t, b_t)


def _terms_agree(a: Terms, b: Terms, a_t: float | None, b_t: float | None) -> bool:
    """`_same_terms` of two texts known to share a terms band."""
    if a_t is None or b_t is None or abs(a_t - b_t) > _TERMS_SECONDS:
        return False
    return a.same_story(b)


def near_bands(key: Signed) -> tuple[int, ...]:
    """The key's terms bands: they find candidates only within TERMS_HOURS (the warehouse's
    `StoryRule.near`), as the terms part matches nothing further apart."""
    return terms_band_keys(terms_of(key.signature))


def same_terms_of_texts(
    a: tuple[str, str, datetime], b: tuple[str, str, datetime], common: frozenset[str]
) -> bool:
    """Whether two texts (headline, body, time) tell one story by their terms alone, as their
    keys' terms parts would say (`labwatch eval clusters`' `terms` row)."""
    return _same_terms(
        terms(a[0], a[1], common), terms(b[0], b[1], common), a[2].timestamp(), b[2].timestamp()
    )


def same_terms(a: Signed, b: Signed) -> bool:
    """Whether two keys' terms tell one story (`_same_terms`)."""
    return _same_terms(terms_of(a.signature), terms_of(b.signature), a.t, b.t)


def same_lead(a: Signed, b: Signed) -> bool:
    """Whether two keys' leads tell one event (`Lead.same`: a shared (figure, name) pair, or
    the headlines' kind of happening and two names) and their articles are at most
    LEAD_WINDOW apart (both times known)."""
    if a.t is None or b.t is None or abs(a.t - b.t) > _LEAD_SECONDS:
        return False
    return lead_of(a.signature).same(lead_of(b.signature), timedelta(seconds=abs(a.t - b.t)))


def containment(a: Signed, b: Signed) -> float:
    """Estimated share of the shorter text's shingles that are in the other text:
    |A∩B| = J(|A|+|B|)/(1+J)."""
    j = jaccard(a.signature, b.signature)
    shared = j * (a.shingles + b.shingles) / (1 + j)
    return min(1.0, shared / min(a.shingles, b.shingles))


@dataclass(frozen=True)
class StoryFacts:
    """An article as the story rule sees it."""

    key: StoryKey | None
    published: datetime | None
    content_hash: str = ""


def candidates(a: StoryKey, b: StoryKey) -> bool:
    """Whether LSH would put the two side by side: they share a band."""
    return not set(a.bands).isdisjoint(b.bands)


def same_story(a: StoryFacts, b: StoryFacts) -> bool:
    """The rule the warehouse applies to an article and one of its LSH candidates (each key
    given its article's time, as the warehouse gives it)."""
    if a.published and b.published and abs(a.published - b.published) > WINDOW:
        return False
    if a.content_hash and a.content_hash == b.content_hash:
        return True
    if a.key is None or b.key is None or not candidates(a.key, b.key):
        return False
    return matches(_timed(a.key, a.published), _timed(b.key, b.published)) > 0


def _timed(key: StoryKey, when: datetime | None) -> StoryKey:
    return replace(key, t=when.timestamp()) if when is not None else key


def matches(a: Signed, b: Signed) -> float:
    """The verification step for two LSH candidates: their containment when they are the
    same story by their shingles; else, when their names agree at least NAMES_JACCARD, that
    agreement scaled below any match of shingles (times NAMES_SCALE); else LEAD_SCORE when
    their leads say the same (`same_lead`); else TERMS_SCORE when their terms do
    (`same_terms`); else 0."""
    if jaccard(a.signature, b.signature) >= MIN_JACCARD:
        c = containment(a, b)
        if c >= CONTAINMENT:
            return c
    j = names_jaccard(a.signature, b.signature)
    if j is not None and j >= NAMES_JACCARD:
        return j * NAMES_SCALE
    if same_lead(a, b):
        return LEAD_SCORE
    return TERMS_SCORE if same_terms(a, b) else 0.0


def _equal_minima(
    keys: Sequence[bytes], others: Sequence[bytes], size: int
) -> npt.NDArray[np.float64]:
    """How many of `size` minima each of `keys` (a row each) shares with each of `others`."""
    if size > 255:  # the counts below are bytes
        raise ValueError(f"signatures of {size} minima: at most 255 are compared")
    # Positions as rows, the others side by side (padded to a multiple of 8): a key's equal
    # minima are `size` comparisons of whole rows, counted by adding the rows of equal bytes
    # 8 at a time as 64-bit words (each byte's sum stays under 256, so no carry crosses).
    width = -(-len(others) // 8) * 8
    theirs = np.zeros((size, width), dtype=np.uint32)
    theirs[:, : len(others)] = np.frombuffer(b"".join(others), dtype="<u4").reshape(-1, size).T
    equal = np.empty((size, width), dtype=bool)
    counts = np.empty((len(keys), width), dtype=np.uint8)
    for r, a in enumerate(keys):
        np.equal(theirs, np.frombuffer(a, dtype="<u4")[:, None], out=equal)
        counts[r] = equal.view(np.uint64).sum(axis=0, dtype=np.uint64).view(np.uint8)
    return counts[:, : len(others)].astype(np.float64)


def match_scores(keys: Sequence[Signed], others: Sequence[Signed]) -> npt.NDArray[np.float64]:
    """`matches(a, b)` for each a of `keys` (a row each) and each b of `others`, at once (a
    batch of wire copies meets most of the stored articles). The same float operations in
    the same order as `matches`, so the scores are equal, not merely close."""
    found = np.zeros((len(keys), len(others)))
    if not keys or not others:
        return found
    cut = _SHINGLE_BYTES
    counts = _equal_minima(
        [a.signature[:cut] for a in keys], [o.signature[:cut] for o in others], PERMUTATIONS
    )
    # Shingle counts as floats: their sums and minima are whole numbers far below 2**53,
    # exact in floats, so equal to the integer sum or minimum converted.
    mine = np.fromiter((a.shingles for a in keys), dtype=np.float64, count=len(keys))[:, None]
    their = np.fromiter((o.shingles for o in others), dtype=np.float64, count=len(others))
    j = counts / PERMUTATIONS
    shared = j * (mine + their) / (1 + j)
    c = np.minimum(1.0, shared / np.minimum(mine, their))
    found[...] = np.where((j >= MIN_JACCARD) & (c >= CONTAINMENT), c, 0.0)
    # The names parts, where both have one.
    named = [(r, x) for r, a in enumerate(keys) if (x := names_part(a.signature)) is not None]
    met = [(n, x) for n, o in enumerate(others) if (x := names_part(o.signature)) is not None]
    if named and met:
        rows, cols = [r for r, _ in named], [n for n, _ in met]
        agree = (
            _equal_minima([x for _, x in named], [x for _, x in met], NAME_PERMUTATIONS)
            / NAME_PERMUTATIONS
        )
        part = found[np.ix_(rows, cols)]
        found[np.ix_(rows, cols)] = np.where(
            (part == 0.0) & (agree >= NAMES_JACCARD), agree * NAMES_SCALE, part
        )
    _lead_scores(keys, others, found)
    _terms_scores(keys, others, found)
    return found


def _within(keys: Sequence[Signed], others: Sequence[Signed], seconds: float) -> list[int]:
    """The positions of the others with a time at most `seconds` from some key's: a part
    that matches nothing further apart need not read the rest (a store's candidates span
    the 30 days of WINDOW)."""
    times = [a.t for a in keys if a.t is not None]
    if not times:
        return []
    # (a second's slack: this only narrows; each pair's own check decides)
    low, high = min(times) - seconds - 1.0, max(times) + seconds + 1.0
    return [n for n, o in enumerate(others) if o.t is not None and low <= o.t <= high]


def _lead_scores(
    keys: Sequence[Signed], others: Sequence[Signed], found: npt.NDArray[np.float64]
) -> None:
    """LEAD_SCORE where `same_lead` and nothing else matched: the others' lead hashes are
    looked up by value, so only pairs sharing one are compared."""
    leads: dict[int, Lead] = {}
    holders: dict[int, list[int]] = {}
    for n in _within(keys, others, _LEAD_SECONDS):
        if len(lead := lead_of(others[n].signature)):
            leads[n] = lead
            for h in lead.hashes().tolist():
                holders.setdefault(h, []).append(n)
    if not holders:
        return
    for r, a in enumerate(keys):
        if a.t is None or not len(mine := lead_of(a.signature)):
            continue
        met = {n for h in mine.hashes().tolist() for n in holders.get(h, ())}
        for n in met:
            t = others[n].t
            if (
                found[r, n] == 0.0
                and t is not None
                and abs(a.t - t) <= _LEAD_SECONDS
                and mine.same(leads[n], timedelta(seconds=abs(a.t - t)))
            ):
                found[r, n] = LEAD_SCORE


def _terms_scores(
    keys: Sequence[Signed], others: Sequence[Signed], found: npt.NDArray[np.float64]
) -> None:
    """TERMS_SCORE where `same_terms` and nothing else matched: only pairs sharing a terms
    band are compared, looked up by band."""
    theirs: dict[int, Terms] = {}
    holders: dict[int, list[int]] = {}
    for n in _within(keys, others, _TERMS_SECONDS):
        if len(t := terms_of(others[n].signature)):
            theirs[n] = t
            for band in t.bands:
                holders.setdefault(band, []).append(n)
    if not holders:
        return
    for r, a in enumerate(keys):
        if a.t is None or not len(mine := terms_of(a.signature)):
            continue
        met = {n for band in mine.bands for n in holders.get(band, ())}
        for n in met:
            if found[r, n] == 0.0 and _terms_agree(mine, theirs[n], a.t, others[n].t):
                found[r, n] = TERMS_SCORE
