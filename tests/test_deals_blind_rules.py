"""The deal rules added after the blind set (tests/data/deals_blind.jsonl), each on sentences
written for the test, with near-misses: a merger named as a noun ("the merger of A and B"),
a partner in an aside ("A, in partnership with B, …"), a partner named with "the", a party
named by a description in the sentence after the one that names it ("The company partnered
with B"), a takeover of all the shares that is not also a stake, and co-investors named after
the deal ("X invested in Y alongside Z")."""

from __future__ import annotations

import pytest

from extractors.deals import find_deals
from extractors.entities import Tagger, load_watchlist
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def deals_in(text: str) -> set[tuple[str, str, str]]:
    return {
        (d.kind, d.investor, d.target)
        for d in find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a merger as a noun
        (
            "Born of the merger of Google Brain and DeepMind, the lab now has 6,000 staff.",
            {("merger", "google-brain", "google-deepmind")},
        ),
        (
            "Analysts compared Nvidia with Amazon after the merger of two chip start-ups.",
            set(),
        ),
        # a partner in an aside
        (
            "Salesforce, in partnership with Anthropic, is bringing Claude to its customers.",
            {("partnership", "anthropic", "salesforce")},
        ),
        ("Salesforce, in a statement, said Anthropic had not raised prices.", set()),
        # a partner named with "the"
        (
            "Nvidia has partnered with the Technology Innovation Institute on chip design.",
            {("partnership", "nvidia", "tii")},
        ),
        # the sentence after the one naming the party
        (
            "Mistral AI opened an office in London. The company has partnered with IBM on "
            "research.",
            {("partnership", "ibm", "mistral-ai")},
        ),
        (
            "Apple sells most of its phones in China. The brand has partnered with Alibaba there.",
            {("partnership", "alibaba", "apple")},
        ),
        (
            "Mistral AI opened an office in London. The company said IBM was a rival.",
            set(),
        ),
        (
            "Mistral AI opened an office in London. IBM has partnered with a bank.",
            set(),
        ),
        # owned by, in an aside: the owner bought it
        (
            "Hugging Face — now owned by Amazon — hosts a million models.",
            {("acquisition", "amazon", "hugging-face")},
        ),
        ("Hugging Face — now used by Amazon — hosts a million models.", set()),
        # all the shares: the takeover, not also a stake
        (
            "Microsoft agreed to acquire all of the outstanding shares of Nebius.",
            {("acquisition", "microsoft", "nebius")},
        ),
    ],
)
def test_blind_set_families(text: str, expected: set[tuple[str, str, str]]) -> None:
    assert deals_in(text) == expected


def backers_in(text: str) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    found = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    return [(d.investor, d.target, d.roles) for d in found if d.kind == "investment"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A co-investor named after a plain "X invested in Y": one round, both take part.
        (
            "Nvidia invested in Mistral AI alongside Microsoft last spring.",
            [("nvidia", "mistral-ai", (("nvidia", "participant"), ("microsoft", "participant")))],
        ),
        (
            "Google put $300 million into Anthropic, joined by Amazon.",
            [("google", "anthropic", (("google", "participant"), ("amazon", "participant")))],
        ),
        # The round's backers in the order the sentence names them: the source first.
        (
            "Cohere raised $500 million from Nvidia, alongside Oracle.",
            [("nvidia", "cohere", (("nvidia", "participant"), ("oracle", "participant")))],
        ),
        # A list in another clause is not this deal's.
        (
            "Amazon invested in Anthropic; Google, alongside other backers, invested in Mistral AI.",
            [("amazon", "anthropic", ()), ("google", "mistral-ai", ())],
        ),
    ],
)
def test_co_investors_named_after_the_deal(
    text: str, expected: list[tuple[str, str, tuple[tuple[str, str], ...]]]
) -> None:
    assert backers_in(text) == expected
