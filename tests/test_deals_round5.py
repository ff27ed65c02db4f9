"""The deal rules of round 5 (the `tune5` and `check5` parts of tests/data/deals_gold.jsonl,
docs/deals.md), each on sentences written for the test rather than taken from the set, with
near-misses: a report's word anywhere in the sentence, amounts "-plus", a round's backers
listed after it, a stake sold to the buyer, a company selling itself, backers in a relative
clause or an aside, a stake topped up, an approach about a deal, a product named for its
maker, a verb that is no pre-modifier, talks about a deal, the acquisition of Y by X, a deal
named before its parties, rights granted, money paid for access, suppositions by inversion."""

from __future__ import annotations

import pytest

from extractors.amounts import find_amounts
from extractors.deals import find_deals
from extractors.entities import Tagger, load_watchlist
from extractors.records import Deal
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def found(text: str) -> list[Deal]:
    return find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)


def deals_in(text: str) -> set[tuple[str, str, str]]:
    return {(d.kind, d.investor, d.target) for d in found(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a round's backers named after it
        (
            "Mistral AI closed a $600 million Series B; backers included Nvidia, Salesforce "
            "and IBM.",
            {("investment", "nvidia", "mistral-ai")},
        ),
        (
            "Cohere's $500 million Series D draws Nvidia, Salesforce and Oracle",
            {("investment", "nvidia", "cohere")},
        ),
        # a stake sold to its buyer; a company selling itself
        (
            "Crusoe sold a 5% stake to Nvidia earlier this year.",
            {("investment", "nvidia", "crusoe")},
        ),
        (
            "Cohere is selling itself to Oracle for $3 billion in stock.",
            {("acquisition", "oracle", "cohere")},
        ),
        ("Apple sold its stake in Arm years ago, before Nvidia bid.", set()),
        # backers in a relative clause or an aside: stakes held
        (
            "Perplexity, whose investors include Nvidia and Amazon, launched a browser.",
            {("investment", "nvidia", "perplexity"), ("investment", "amazon", "perplexity")},
        ),
        (
            "Nvidia, an early investor in Mistral AI, will supply the lab with chips.",
            {("investment", "nvidia", "mistral-ai"), ("compute", "nvidia", "mistral-ai")},
        ),
        ("Perplexity, whose users include students, said Google was a rival.", set()),
        # a stake topped up
        (
            "Microsoft tops up its Mistral AI stake with another $100 million",
            {("investment", "microsoft", "mistral-ai")},
        ),
        # an approach about a deal; talks about a deal
        (
            "Apple approached Perplexity about an acquisition last spring.",
            {("acquisition", "apple", "perplexity")},
        ),
        (
            "Anthropic is in talks with Microsoft about a multi-year cloud deal.",
            {("compute", "microsoft", "anthropic")},
        ),
        ("Anthropic is in talks with Microsoft about its safety research.", set()),
        # a product named for its maker
        (
            "Salesforce will invest $500 million in the Claude developer.",
            {("investment", "salesforce", "anthropic")},
        ),
        (
            "Microsoft invested in ChatGPT maker OpenAI in 2019.",
            {("investment", "microsoft", "openai")},
        ),
        # a verb before a title is no pre-modifier: the subject stays the acquirer
        (
            "Salesforce acquired AI model start-up Cohere in a $6 billion deal.",
            {("acquisition", "salesforce", "cohere")},
        ),
        # a headline's lifeline
        (
            "Mistral AI Gets Funding Lifeline From Microsoft",
            {("investment", "microsoft", "mistral-ai")},
        ),
        # the acquisition of Y by X; a deal named before its parties
        (
            "The acquisition of Hugging Face by Salesforce closed on Friday.",
            {("acquisition", "salesforce", "hugging-face")},
        ),
        (
            "In a deal with CoreWeave, OpenAI will rent GPU capacity in Texas.",
            {("compute", "coreweave", "openai")},
        ),
        # rights granted; money paid for access
        (
            "Anthropic granted Apple a licence to its models for Siri.",
            {("licensing", "apple", "anthropic")},
        ),
        (
            "Perplexity will receive $20 million a year from Amazon for access to its index.",
            {("licensing", "amazon", "perplexity")},
        ),
        # a partnership announced on a day
        (
            "Oracle and Cohere today announced a strategic partnership.",
            {("partnership", "cohere", "oracle")},
        ),
        # suppositions by inversion are no deals
        ("Should Apple decide to buy Perplexity, it would pay a premium.", set()),
        ("Were Amazon to take a stake in Mistral AI, regulators would look.", set()),
        ("Had Google bought Anthropic in 2021, the field would look different.", set()),
    ],
)
def test_round_five_phrasings(text: str, expected: set[tuple[str, str, str]]) -> None:
    assert deals_in(text) == expected


def test_a_reports_word_at_the_end_covers_a_round_with_later_parties() -> None:
    # The round's participant comes after its lead: the attribution at the sentence's end
    # is beyond the next party, and still the report's.
    (deal,) = found(
        "Mistral AI raised $600 million in a round led by Nvidia, with IBM also investing,"
        " Bloomberg reported."
    )
    assert deal.qualifier == "reportedly"


@pytest.mark.parametrize(
    ("text", "reportedly"),
    [
        ("Nvidia bought Lambda for $2 billion, according to The Information.", True),
        ("Nvidia bought Lambda for $2 billion, according to local media.", True),
        ("Nvidia bought Lambda for $2 billion, according to a filing.", False),
        ("Nvidia bought Lambda for $2 billion, according to the company's chief executive.", False),
        ("Nvidia bought Lambda in a deal said to be worth $2 billion.", True),
    ],
)
def test_named_sources(text: str, reportedly: bool) -> None:
    (deal,) = found(text)
    assert ("reportedly" in deal.qualifier) == reportedly


def test_an_earlier_deal_recalled_is_not_reported_by_the_sentences_source() -> None:
    deals = {
        d.target: d
        for d in found(
            "Microsoft, which invested $13 billion in OpenAI, is in talks to invest in Mistral"
            " AI, people familiar with the matter said."
        )
    }
    assert deals["mistral-ai"].qualifier == "reportedly"
    assert deals["openai"].status == "background"
    assert "reportedly" not in deals["openai"].qualifier


@pytest.mark.parametrize(
    ("text", "low", "qualifier"),
    [
        ("a $500 million-plus round", 500e6, "more than"),
        ("a ¥15 Billion-Plus Round", 15e9, "more than"),
        ("about $1bn+ in new money", 1e9, "about"),
        ("a $5 billion plus fees", 5e9, ""),
    ],
)
def test_plus_after_an_amount_is_more_than(text: str, low: float, qualifier: str) -> None:
    (amount,) = find_amounts(text)
    assert (amount.low, amount.qualifier) == (low, qualifier)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        # the price of a purchase, given as what it is valued at
        ("Salesforce's purchase of Cohere, valued at about $6 billion, has closed.", 6e9),
        # a value put on the company bought is no price
        (
            "Salesforce acquired Cohere in an all-stock deal that values the start-up at $6 billion.",
            None,
        ),
    ],
)
def test_an_acquisition_valued_at(text: str, amount: float | None) -> None:
    (deal,) = found(text)
    assert (deal.kind, deal.amount) == ("acquisition", amount)
