"""A bare ambiguous name in a sentence set decades before the entity came to be is another
thing (extractors/senses_resolver.py `_before_its_time`, the watchlist's `since`), with the
near-misses that keep the entity. Sentences written for these tests."""

from __future__ import annotations

import pytest

from extractors.entities import Tagger, load_watchlist, parse_watchlist
from extractors.errors import WatchlistError
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def entities(text: str) -> list[str]:
    return [m.entity for m in TAGGER.tag(text)]


@pytest.mark.parametrize(
    "text",
    [
        # a company's verb says a company: another, older one
        "Thinking Machines filed for bankruptcy in 1994 after its government contracts ended.",
        # a version number says a version: of NASA's capsule
        "Gemini 4 carried Ed White on the first American spacewalk in June 1965.",
        # a name that counts unless said otherwise
        "Apple released the Beatles' single in August 1968, on its own label.",
        # the industry's words near it, with the other sense's (rejected before the rule too)
        "Nova, the company's first 16-bit computer, shipped to software houses in 1969.",
        "Perplexity, a measure of how well a language model predicts text, was proposed in 1977.",
        "The Oracle answered the Athenians in 480 BC.",
    ],
)
def test_a_sentence_set_before_the_entity(text: str) -> None:
    assert entities(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the time is the entity's own
        ("Gemini 2.5, released in 2025, tops the leaderboard.", ["gemini"]),
        ("Apple sold its first computer in 1976.", ["apple"]),
        # a time from then to now
        ("Apple has sold music on iTunes since 2003.", ["apple"]),
        # the entity's family or its context's names in the sentence
        (
            "Google DeepMind, founded in 2010, went on to build Gemini.",
            ["google-deepmind", "gemini"],
        ),
        (
            "Thinking Machines, Mira Murati's lab, hired engineers who built supercomputers in the 1990s.",
            ["thinking-machines"],
        ),
        # its own words after it
        ("Claude Code, like the terminals of the 1970s, runs in a shell.", ["claude"]),
        # an older namesake named beside it
        (
            "Gemini, named after NASA's programme of the 1960s, answers in Google Docs.",
            ["gemini", "google"],
        ),
        # a number that is no time
        ("Copilot now runs in 1500 stores of the chain, Microsoft said.", ["copilot", "microsoft"]),
        # a time of a thing the sentence names, or of someone in it, not of what it tells
        (
            "Archivists used the Gemini chatbot to read letters written during the 1860s.",
            ["gemini"],
        ),
        ("Oracle won a contract to scan census records from 1950, the agency said.", ["oracle"]),
        ("Amazon has started selling a cookbook first published in 1962.", ["amazon"]),
        (
            "Ruth Adler, born in 1931, spends her evenings asking Alexa to play the songs she "
            "danced to in 1950.",
            ["alexa"],
        ),
        # told now, with an old time in it
        (
            "In 1956 a workshop named the field, and Claude is one of its ablest AI models.",
            ["claude"],
        ),
    ],
)
def test_the_entity_in_a_sentence_with_a_time(text: str, expected: list[str]) -> None:
    assert entities(text) == expected


def test_what_the_text_calls_it_first_holds_after() -> None:
    old = (
        "Gemini 4 carried Ed White on the first American spacewalk in June 1965. Gemini "
        "later proved the docking software the Moon landings needed."
    )
    assert entities(old) == []
    new = (
        "Thinking Machines Lab raised $2 billion this year. Thinking Machines said it would "
        "ship a model soon."
    )
    assert entities(new) == ["thinking-machines", "thinking-machines"]


def test_an_entry_without_since_is_not_dated() -> None:
    doc = (
        b'[[entity]]\nid = "g"\nname = "Gemini"\nkind = "product"\naliases = ["Gemini"]\n'
        b'ambiguous = ["Gemini"]\nsure = "always"\n'
    )
    tagger = Tagger(parse_watchlist(doc))
    text = "Gemini 4 carried Ed White on the first American spacewalk in June 1965."
    assert [m.entity for m in tagger.tag(text)] == ["g"]
    dated = Tagger(parse_watchlist(doc + b"since = 2023\n"))
    assert [m.entity for m in dated.tag(text)] == []


@pytest.mark.parametrize("value", ['"2023"', "true", "2023.5", "-1", "3000"])
def test_since_must_be_a_year(value: str) -> None:
    doc = f'[[entity]]\nid = "x"\nkind = "lab"\naliases = ["X"]\nsince = {value}\n'
    with pytest.raises(WatchlistError, match="'since' must be a year"):
        parse_watchlist(doc.encode())
