"""A story key's names part (extractors/stories.py): what counts as a name, and when a text
has none."""

from __future__ import annotations

from extractors.entities import Tagger, load_watchlist
from extractors.stories import (
    BANDS,
    MIN_NAMES,
    NAME_BANDS,
    PERMUTATIONS,
    names_jaccard,
    near_bands,
    story_key,
)
from extractors.story_names import names
from extractors.story_terms import split_terms
from seeds import SEEDS_DIR

COMMON = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml")).name_words


def test_names_are_capitalised_words_inside_sentences_and_figures() -> None:
    text = (
        "Shares of Acme Robotics rose 12% on Tuesday. Analysts at Brandt & Co said the $4.5"
        " billion deal with OpenAI, signed in 2024, was priced well.\nReporting by Jo Lind"
    )
    assert names(text) == {
        "acme", "robotics", "12", "brandt", "co", "4.5", "openai", "jo", "lind",
    }  # fmt: skip
    # Not the first word of a sentence ("Shares", "Analysts", "Reporting"), years, days;
    # nor, given the watchlist's words, its own names.
    assert names(text, COMMON) == {"acme", "robotics", "12", "brandt", "co", "4.5", "jo", "lind"}
    # A word capitalised only where a sentence starts is no name; once inside one, it is.
    assert names("Markets fell. Then markets rose.") == set()
    assert names("Markets fell. Investors watched Markets Weekly.") == {"markets", "weekly"}


def test_a_names_part_only_for_texts_naming_enough() -> None:
    words = " ".join(f"word{n} filler text" for n in range(30))
    few = f"{words}. Reports named Ada Ross and Ben Cole."
    many = few + " Also named: Cyd Poe, Dee Wu, Eli Fox, Fay Orr and Gus Kim, with 17 and 42."
    assert len(names(few)) < MIN_NAMES <= len(names(many))
    short_key, long_key = story_key(few), story_key(many)
    assert short_key is not None and long_key is not None
    # (Besides their terms parts, at the end: extractors/story_terms.py.)
    short_sig, long_sig = split_terms(short_key.signature)[0], split_terms(long_key.signature)[0]
    assert len(short_sig) == 4 * PERMUTATIONS
    assert len(short_key.bands) - len(near_bands(short_key)) == BANDS
    assert len(long_sig) > 4 * PERMUTATIONS
    assert len(long_key.bands) - len(near_bands(long_key)) == BANDS + NAME_BANDS
    # The shingles' bands come last, the names' just before them (the warehouse offers a
    # story's article met on the last of an article's bands: one that shares the text when
    # one does); names bands are never shingle bands, and without both parts there is no
    # agreement. In the signature the names follow the shingles; the shingles' part is the
    # key the text has without names.
    shingle_bands = long_key.bands[-BANDS:]
    name_bands = long_key.bands[-(BANDS + NAME_BANDS) : -BANDS]
    assert not set(name_bands) & set(shingle_bands)
    bare = story_key(many, frozenset(names(many)))
    assert bare is not None and len(split_terms(bare.signature)[0]) == 4 * PERMUTATIONS
    assert bare.bands[-BANDS:] == shingle_bands
    assert not set(name_bands) & set(bare.bands)
    assert long_key.signature[: 4 * PERMUTATIONS] == split_terms(bare.signature)[0]
    assert names_jaccard(short_key.signature, long_key.signature) is None
    assert names_jaccard(long_key.signature, long_key.signature) == 1.0
