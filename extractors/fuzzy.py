"""One-edit misspellings of long names ("Anthopic" for "Anthropic"), without ordinary words.

Variants are made ahead of time and searched in the same Aho-Corasick pass as the names
themselves, so they cost nothing per text. Only names of 7 letters or more get variants (a
short name one edit away from an ordinary word is too likely), a variant keeps the name's
first letter (misspellings rarely change it), and any variant that is an English word (from
the word lists of the `english-words` package) or another alias is dropped.

A name has some 400 variants, so a watchlist of 100,000 names would have tens of millions
(over 5 GB and minutes to build, issue 21): the tagger makes at most BUDGET of them, for the
names in watchlist order (the default watchlist first), and leaves the rest without.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from functools import cache

from extractors.word_cache import cached, package_version
from extractors.wordset import WordSet

MIN_LENGTH = 7
BUDGET = 500_000  # misspellings kept in the automaton, at most (about 150 MB, some seconds)
_LETTERS = string.ascii_lowercase


def eligible(name: str) -> bool:
    """Whether a name gets misspellings: one word of MIN_LENGTH letters or more."""
    return len(name) >= MIN_LENGTH and name.isalpha()


@cache
def english_words() -> WordSet:
    """The English words, lowercase, as a compact set (a Python set of them is 49 MB in every
    analysis worker; extractors/wordset.py), kept in the user's cache between workers
    (extractors/word_cache.py)."""

    def build() -> WordSet:
        from english_words import get_english_words_set

        return WordSet(get_english_words_set(["web2", "gcide"], lower=True))

    name = f"english-words-{package_version('english-words')}-web2-gcide-lower.words"
    return cached(name, build, WordSet.from_bytes, WordSet.to_bytes)


def one_edit_variants(name: str) -> set[str]:
    """Lowercase strings one deletion, insertion, substitution or transposition away from
    `name`, keeping its first letter."""
    word = name.lower()
    head, tail = word[0], word[1:]
    out: set[str] = set()
    for i in range(len(tail) + 1):
        left, right = tail[:i], tail[i:]
        if right:
            out.add(head + left + right[1:])  # deletion
            out.update(head + left + c + right[1:] for c in _LETTERS)  # substitution
        if len(right) > 1:
            out.add(head + left + right[1] + right[0] + right[2:])  # transposition
        out.update(head + left + c + right for c in _LETTERS)  # insertion
    out.discard(word)
    return out


def misspellings(names: Iterable[str], taken: set[str]) -> dict[str, str]:
    """variant -> the name it misspells, for every eligible name; `taken` (lowercase aliases)
    and English words are never variants. A variant of two names is dropped: it is ambiguous."""
    words = english_words()
    found: dict[str, str] = {}
    clashes: set[str] = set()
    for name in names:
        if not eligible(name):
            continue
        variants = [v for v in one_edit_variants(name) if v not in taken]
        # The name's variants looked up in one go: one by one costs a few µs each.
        for variant, is_word in zip(variants, words.contains_each(variants), strict=True):
            if is_word:
                continue
            if variant in found and found[variant] != name:
                clashes.add(variant)
            found[variant] = name
    return {v: n for v, n in found.items() if v not in clashes}
