"""Properties of matching under typography: offsets always point into the text as given,
and invisible characters, no-break spaces, typographic apostrophes and capital-letter
headlines change nothing of what is found."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisDeprecationWarning

from extractors.entities import Tagger, load_watchlist
from seeds import SEEDS_DIR

WATCHLIST = load_watchlist(SEEDS_DIR / "watchlist.toml")
TAGGER = Tagger(WATCHLIST)

# Hypothesis warns when the global `random` state moves while it draws; in the whole suite,
# threads that earlier tests leave running (Prefect's) move it. Nothing here uses `random`.
pytestmark = pytest.mark.filterwarnings(
    f"ignore::{HypothesisDeprecationWarning.__module__}.{HypothesisDeprecationWarning.__name__}"
)

INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
# Names of entities without ambiguous aliases: what they find does not depend on context.
PLAIN = sorted({a for e in WATCHLIST.entities if not e.ambiguous for a in e.aliases if a.isascii()})
EXACT = {a for e in WATCHLIST.entities for a in e.aliases}
FOLDED = {a.lower() for e in WATCHLIST.entities for a in e.aliases_ignore_case}
WORDS = ["said", "the", "deal", "and", "with", "model", "cloud", "in", "of", "2025", "a"]
TOKENS = st.sampled_from(PLAIN + WORDS)


def _clean(text: str) -> str:
    return "".join(c for c in text if c not in INVISIBLE)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_offsets_point_into_any_text(text: str) -> None:
    for m in TAGGER.tag(text):
        assert text[m.start : m.end] == m.text
        assert 0 <= m.start < m.end <= len(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(TOKENS, min_size=1, max_size=12), st.data())
def test_invisible_characters_change_nothing(words: list[str], data: st.DataObject) -> None:
    clean = " ".join(words) + "."
    chars = list(clean)
    for _ in range(data.draw(st.integers(0, 6))):
        at = data.draw(st.integers(0, len(chars)))
        chars.insert(at, data.draw(st.sampled_from(INVISIBLE)))
    noisy = "".join(chars)
    expected = [(m.entity, m.text) for m in TAGGER.tag(clean)]
    got = TAGGER.tag(noisy)
    assert [(m.entity, _clean(m.text)) for m in got] == expected
    for m in got:
        assert noisy[m.start : m.end] == m.text
        # A mention starts and ends on a visible character.
        assert m.text[0] not in INVISIBLE and m.text[-1] not in INVISIBLE


@settings(max_examples=100, deadline=None)
@given(st.lists(TOKENS, min_size=1, max_size=12), st.data())
def test_spaces_and_apostrophes_change_nothing(words: list[str], data: st.DataObject) -> None:
    clean = " ".join(w + data.draw(st.sampled_from(["", "'s"])) for w in words)
    noisy = clean
    for plain, fancy in ((" ", "\u00a0"), ("'", "\u2019")):
        if data.draw(st.booleans()):
            noisy = noisy.replace(plain, fancy)
    assert [(m.entity, m.start, m.end) for m in TAGGER.tag(noisy)] == [
        (m.entity, m.start, m.end) for m in TAGGER.tag(clean)
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(TOKENS, min_size=1, max_size=10))
def test_a_headline_in_capitals_names_the_same_entities(words: list[str]) -> None:
    # Names apart ("Alibaba cloud" is only Alibaba; in capitals it is Alibaba Cloud).
    line = " | ".join(words)
    assert [m.entity for m in TAGGER.tag(line.upper())] == [m.entity for m in TAGGER.tag(line)]
    # The same capitals inside ordinary text are not a headline: only names written so in
    # the watchlist ("AWS", "NVIDIA") are found there; a name farther than the 80 characters
    # the rule looks at from the lower-case words is in a headline (a long line of capitals).
    head, tail = "prices rose today, ", " and more news follows here"
    mixed = head + line.upper() + tail
    for m in TAGGER.tag(mixed):
        if m.start < len(head) + 60 or m.end > len(mixed) - len(tail) - 60:
            assert m.text in EXACT or m.text.lower() in FOLDED
