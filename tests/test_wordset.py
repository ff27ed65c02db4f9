"""The tagger's word lists as compact sets (extractors/wordset.py, issue 19): every answer
the same as the Python set's, over every word of each list and words that are not in it."""

from __future__ import annotations

import random
from collections.abc import Iterable

import pytest
from english_words import get_english_words_set

from extractors.entities import load_watchlist
from extractors.fuzzy import eligible, english_words, misspellings, one_edit_variants
from extractors.senses import surnames
from extractors.senses_resolver import _surnames_upper
from extractors.wordset import WordSet
from seeds import SEEDS_DIR


def non_words(words: list[str], seed: int = 19) -> list[str]:
    """Strings near the words (an edit away, another case, spaces, accents) and odd ones."""
    pick = random.Random(seed).sample(words, 2000)
    near = [v for w in pick[:40] for v in one_edit_variants(w)]
    odd = ["", " ", "\x00", "é", "naïve", "Straße", "日本", "\ud800", "a" * 200]
    changed = [w.upper() for w in pick] + [w.title() for w in pick] + [f" {w}" for w in pick]
    return near + changed + [w + "\u0301" for w in pick] + odd


def same_answers(compact: WordSet, reference: frozenset[str], probes: Iterable[str]) -> None:
    probes = list(probes)
    assert [p in compact for p in probes] == [p in reference for p in probes]
    assert compact.contains_each(probes) == [p in reference for p in probes]


@pytest.fixture(scope="module")
def english() -> frozenset[str]:
    return frozenset(get_english_words_set(["web2", "gcide"], lower=True))


def test_english_words_answer_as_the_set_of_the_word_list(english: frozenset[str]) -> None:
    compact = english_words()
    assert isinstance(compact, WordSet) and len(compact) == len(english)
    words = sorted(english)
    same_answers(compact, english, words)
    probes = non_words(words)
    assert any(p in english for p in probes) and not all(p in english for p in probes)
    same_answers(compact, english, probes)
    assert set(compact) == english
    # The point of it: 264,000 words in a few MB, where the set of str took 49 MB a worker.
    assert compact.nbytes() < 8_000_000


def test_surnames_answer_as_the_set_of_the_census_list() -> None:
    reference = frozenset(s.upper() for s in surnames())
    compact = _surnames_upper()
    words = sorted(reference)
    same_answers(compact, reference, words)
    same_answers(compact, reference, non_words(words) + [w.capitalize() for w in words[:500]])
    assert compact.nbytes() < 3_000_000


def test_a_word_set_of_any_words_and_of_none() -> None:
    words = {"", "a", "é", "日本", "\ud800", "x" * 300, "Monet", "monet"}
    compact = WordSet(iter(words))
    same_answers(compact, frozenset(words), [*words, "b", "MONET", "\ud801", "x" * 299, "日"])
    assert 3 not in compact and None not in compact  # type: ignore[operator]
    empty = WordSet([])
    assert "a" not in empty and empty.contains_each(["a", ""]) == [False, False]
    assert len(empty) == 0 and list(empty) == []


def test_misspellings_are_those_the_set_of_words_gives(english: frozenset[str]) -> None:
    """The tagger's misspellings with the compact set and with the plain loop over the set."""
    watchlist = load_watchlist(SEEDS_DIR / "watchlist.toml")
    names = [a for e in watchlist.entities for a in e.aliases if eligible(a)]
    taken = {a.lower() for e in watchlist.entities for a in e.aliases}
    found: dict[str, str] = {}
    clashes: set[str] = set()
    for name in names:
        for variant in one_edit_variants(name):
            if variant in taken or variant in english:
                continue
            if variant in found and found[variant] != name:
                clashes.add(variant)
            found[variant] = name
    reference = {v: n for v, n in found.items() if v not in clashes}
    assert len(names) > 10 and len(reference) > 1000
    assert misspellings(names, taken) == reference
