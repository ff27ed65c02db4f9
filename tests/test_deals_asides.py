"""Earlier deals told in an aside about their target, as news introduces a company: "G42, in
which Microsoft invested $1.5 billion last year,", "Anthropic, which Amazon has backed",
"Silo AI, the Finnish lab that AMD bought", "CoreWeave, the neocloud part-owned by Nvidia".
Also an owner named as "whose largest shareholder is X", "now part of X", "one of X's
backers", a list of backers in the aside, and a subject relative read as its own clause
("Shopify, which has teamed up with OpenAI", with its cues: "which declined to invest").
Each form on sentences written for the test, with near-misses: asides that state another
relation, a complement clause ("told Anthropic that AMD bought ..."), a product as the
target, backing in a fight, money paid to license."""

from __future__ import annotations

import pytest

from extractors.deals import find_deals
from extractors.entities import Tagger, load_watchlist
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def deals_in(text: str) -> set[tuple[str, str, str, str]]:
    return {
        (d.kind, d.investor, d.target, d.status)
        for d in find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "in which X invested", with or without a description first
        (
            "Mistral AI, in which Microsoft invested $16 million last year, opened a Paris lab.",
            {("investment", "microsoft", "mistral-ai", "background")},
        ),
        (
            "Anthropic, the safety-focused lab in which Google took a 14% stake, hired staff.",
            {("investment", "google", "anthropic", "background")},
        ),
        ("Anthropic, in which case Google would sue, declined to comment.", set()),
        # "which X backed", "the ... that X funded"
        (
            "Anthropic, which Amazon and Google have backed, released a new model on Tuesday.",
            {
                ("investment", "amazon", "anthropic", "background"),
                ("investment", "google", "anthropic", "background"),
            },
        ),
        (
            "Mistral AI, the French lab that Nvidia backed last year, opened an office in Berlin.",
            {("investment", "nvidia", "mistral-ai", "background")},
        ),
        (
            "Mistral AI, which Microsoft has invested in, released a model for coding.",
            {("investment", "microsoft", "mistral-ai", "background")},
        ),
        ("Anthropic, which Google backed in its dispute with regulators, hired staff.", set()),
        ("Anthropic, which Amazon competes with in coding tools, hired staff.", set()),
        ("Claude, which Amazon backed as its default assistant, gained users.", set()),
        # "which X bought", "the ... that X acquired"
        (
            "Inflection AI, the start-up that Microsoft acquired in 2024, was wound down.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        (
            "Nvidia, the chipmaker that Microsoft bought chips from, reported record sales.",
            set(),
        ),
        ("Meta told Anthropic that OpenAI bought a chip start-up.", set()),
        # "part-owned by X", "the ... backed by X" in an aside
        (
            "CoreWeave, the neocloud part-owned by Nvidia, reported revenue of $1.2 billion.",
            {("investment", "nvidia", "coreweave", "background")},
        ),
        (
            "Anthropic, the lab backed by Amazon, said revenue had tripled.",
            {("investment", "amazon", "anthropic", "background")},
        ),
        (
            "Revenue had tripled, said Anthropic, the lab backed by Amazon and Google.",
            {
                ("investment", "amazon", "anthropic", "background"),
                ("investment", "google", "anthropic", "background"),
            },
        ),
        ("Revenue had tripled, said Anthropic, the lab backed by Amazon's rivals.", set()),
        ("Anthropic, the lab praised by Amazon, said revenue had tripled.", set()),
        # a description with no pronoun: "the start-up X bought", "the lab X paid $N for"
        (
            "Inflection AI, the Palo Alto chatbot start-up Microsoft bought, shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        (
            "Inflection AI, the chatbot maker Microsoft paid $650 million for, shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        ("Inflection AI, the chatbot maker Microsoft paid $650 million to license, grew.", set()),
        ("OpenAI, the lab Microsoft sued in March, grew.", set()),
        (
            "Cohere, the Toronto lab in which Oracle bought a $2 billion stake, rose.",
            {("investment", "oracle", "cohere", "background")},
        ),
        # an owner or backer named in other ways
        (
            "Mistral AI, whose largest outside shareholder is Microsoft, hired staff.",
            {("investment", "microsoft", "mistral-ai", "background")},
        ),
        ("Mistral AI, whose largest customer is Microsoft, hired staff.", set()),
        (
            "Mistral AI, whose €600 million Series B was led by Nvidia, hired staff.",
            {("investment", "nvidia", "mistral-ai", "background")},
        ),
        (
            "Inflection AI, now part of Microsoft, shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        ("Inflection AI, now partnering with Microsoft's rivals, shut its app.", set()),
        (
            "Inflection AI, owned by Microsoft since 2024, cut jobs.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        (
            "Nvidia, an early backer of both OpenAI and Mistral AI, sold shares.",
            {
                ("investment", "nvidia", "openai", "background"),
                ("investment", "nvidia", "mistral-ai", "background"),
            },
        ),
        (
            "Nvidia, one of OpenAI's biggest outside shareholders, sold shares.",
            {("investment", "nvidia", "openai", "background")},
        ),
        # more owners and backers named in passing (check10's and check11's families, after
        # their scores)
        (
            "Inflection AI, which Microsoft took private in 2024, shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        (
            "Inflection AI, which Microsoft agreed in March to buy, shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        (
            "Inflection AI, which Microsoft agreed on Tuesday to buy, shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "reported")},
        ),
        (
            "Cohere, a portfolio company of Salesforce, released a model.",
            {("investment", "salesforce", "cohere", "background")},
        ),
        (
            "Inflection AI (acquired by Microsoft for $650 million in March) shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        (
            "Inflection AI, the chatbot maker that became a unit of Microsoft, shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        (
            "Cohere, which counts Oracle as an investor, released a model.",
            {("investment", "oracle", "cohere", "background")},
        ),
        ("Cohere, which counts Oracle as a customer, released a model.", set()),
        (
            "Inflection AI, whose founders Microsoft hired in 2024, shut its app.",
            {("acquihire", "microsoft", "inflection-ai", "background")},
        ),
        ("Inflection AI, whose founders Microsoft tried to hire, shut its app.", set()),
        (
            "Inflection AI, which Microsoft agreed to buy on Tuesday, shut its app.",
            {("acquisition", "microsoft", "inflection-ai", "reported")},
        ),
        (
            "Inflection AI, now part of Microsoft, shut its app on Tuesday.",
            {("acquisition", "microsoft", "inflection-ai", "background")},
        ),
        # a list of investors in the aside
        (
            "Mistral AI, which Nvidia, Microsoft and Salesforce helped fund, hired staff.",
            {
                ("investment", "nvidia", "mistral-ai", "background"),
                ("investment", "microsoft", "mistral-ai", "background"),
                ("investment", "salesforce", "mistral-ai", "background"),
            },
        ),
        # a subject relative read as its clause, with its cues
        (
            "Salesforce, which has teamed up with OpenAI on agents, beat estimates.",
            {("partnership", "openai", "salesforce", "background")},
        ),
        (
            "Nvidia, which declined to invest in OpenAI's last round, rose.",
            {("investment", "nvidia", "openai", "denied")},
        ),
        (
            "Microsoft, which refused to invest in Mistral AI's last round, rose.",
            {("investment", "microsoft", "mistral-ai", "denied")},
        ),
        (
            "Microsoft, which has invested $13 billion in OpenAI, refused to comment.",
            {("investment", "microsoft", "openai", "background")},
        ),
        (
            "Microsoft, which is in talks to buy Mistral AI, rose.",
            {("acquisition", "microsoft", "mistral-ai", "in_talks")},
        ),
    ],
)
def test_an_earlier_deal_in_an_aside(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert deals_in(text) == expected


def test_the_aside_does_not_hide_the_sentences_news() -> None:
    """The main clause's own deal is still read, as news, beside the aside's background."""
    found = deals_in(
        "Anthropic, which Google has backed since 2023, agreed to buy compute from Microsoft."
    )
    assert ("investment", "google", "anthropic", "background") in found
    assert any(d[0] == "compute" and d[3] == "reported" for d in found)


# From a review of the rules (sentences written for it): asides and lists that must not be
# read into deals, and statuses an aside's clause carries.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a list after an aside is the sentence's, a list inside one the aside's
        (
            "Microsoft, which has invested $13 billion in OpenAI, Google, which owns 14% of "
            "Anthropic, and Amazon all reported earnings on Thursday.",
            {
                ("investment", "microsoft", "openai", "background"),
                ("investment", "google", "anthropic", "background"),
            },
        ),
        (
            "Shares of Nvidia, an investor in OpenAI, Microsoft and Oracle rose on Tuesday.",
            {("investment", "nvidia", "openai", "background")},
        ),
        (
            "Investors in the round included Nvidia, which backed Mistral AI, Microsoft and "
            "Salesforce.",
            {("investment", "nvidia", "mistral-ai", "background")},
        ),
        (
            "Mistral AI, whose shareholders include Nvidia, Microsoft and Salesforce, is now "
            "valued at €11.7 billion.",
            {
                ("investment", "nvidia", "mistral-ai", "background"),
                ("investment", "microsoft", "mistral-ai", "background"),
                ("investment", "salesforce", "mistral-ai", "background"),
            },
        ),
        # a comparison fronted before the subject, a round's "in which", support, programmes
        ("Like OpenAI, the start-up Microsoft acquired relies on Nvidia chips.", set()),
        (
            "Mistral AI's Series B, co-led by Nvidia, in which Microsoft also invested, closed.",
            {("investment", "nvidia", "mistral-ai", "reported")},
        ),
        ("Mistral AI, which Apple backed in court, hired staff.", set()),
        ("Mistral AI, which Meta backed publicly, hired staff.", set()),
        ("Mistral AI, which Nvidia backs as a customer, hired staff.", set()),
        ("Mistral AI, the lab Apple funded research at, hired staff.", set()),
        ("OpenAI, in which Microsoft put its trust, grew.", set()),
        ("Mistral AI, now part of Nvidia Inception, hired staff.", set()),
        ("Nvidia, a stock that Salesforce bought and later sold, rose.", set()),
        ("Mistral AI, the lab that Microsoft bought a minority stake in, hired staff.", set()),
        ("Nvidia, the chipmaker Microsoft bought $5 billion of chips from, rose.", set()),
        ("Nvidia, OpenAI's investors said, would keep supplying chips.", set()),
        ("Compared with OpenAI, the lab Amazon funded is small.", set()),
        ("Anthropic, which Amazon backed the idea of, raised money.", set()),
        ("Anthropic, which Google backed as a cloud customer, raised money.", set()),
        ("OpenAI, which Microsoft backed during the boardroom crisis, hired staff.", set()),
        ("Cohere, the lab in which Oracle invested time, hired staff.", set()),
        ("Mistral AI, the lab Microsoft paid $16 million for in compute credits, grew.", set()),
        ("Nvidia, the chipmaker Microsoft bought more than 400,000 chips from, rose.", set()),
        # an aside dated with the news is the news
        (
            "Microsoft, which on Tuesday agreed to buy Inflection AI, rose.",
            {("acquisition", "microsoft", "inflection-ai", "reported")},
        ),
    ],
)
def test_an_aside_is_read_as_far_as_it_goes(
    text: str, expected: set[tuple[str, str, str, str]]
) -> None:
    assert deals_in(text) == expected
