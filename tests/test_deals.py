"""Deal extraction on the seeds (expectations written by reading them) and amount parsing."""

from __future__ import annotations

import pytest

from extractors.deals import find_deals, parse_amount
from extractors.entities import Tagger, load_watchlist
from seeds import SEEDS_DIR
from tests.helpers import seed_text

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))

DealKey = tuple[str, str, str, float | None, str, int | None]


def deals_in(text: str) -> set[DealKey]:
    return {
        (d.kind, d.investor, d.target, d.amount_usd, d.qualifier, d.year)
        for d in find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    }


# Every deal each seed states, and nothing else. Read sentence by sentence:
FIRST = {
    # "Amazon … will invest up to $4 billion into Anthropic" (and "will acquire a minority
    # ownership position in Anthropic", "Amazon’s investment into Anthropic": the same deal)
    ("investment", "amazon", "anthropic", 4e9, "up to", None),
    # "Amazon, … through its AWS unit, will become the primary provider of … compute, for
    # Anthropic": the provider is the cloud the sentence names
    ("compute", "aws", "anthropic", None, "", None),
    # "Anthropic has also committed to offering its models via Bedrock"
    ("distribution", "bedrock", "anthropic", None, "", None),
    # "… to offer access through Bedrock to … models … such as Anthropic and Cohere"
    ("distribution", "bedrock", "cohere", None, "", None),
    # "(Investors in Anthropic also include Salesforce …)"
    ("investment", "salesforce", "anthropic", None, "", None),
    # "Microsoft’s partnership with OpenAI, which began in 2019"
    ("partnership", "microsoft", "openai", None, "", 2019),
    # "Microsoft has reportedly invested $13 billion for access to OpenAI’s models"
    ("investment", "microsoft", "openai", 13e9, "reportedly", None),
    # "… while offering OpenAI the use of Microsoft’s Azure cloud computing services"
    ("compute", "azure", "openai", None, "", None),
    # "DeepMind … was acquired by Google in 2014 for a price reportedly ranging between
    # $400 million and $650 million"
    ("acquisition", "google", "google-deepmind", 400e6, "reportedly", 2014),
    # "… and merged with Google Brain to form Google DeepMind"
    ("merger", "google-brain", "google-deepmind", None, "", None),
}
SECOND = {
    # "Microsoft has invested at least $13 billion in OpenAI"
    ("investment", "microsoft", "openai", 13e9, "at least", None),
    # "… while Microsoft provides OpenAI with the computational power it needs"
    ("compute", "microsoft", "openai", None, "", None),
    # "Anthropic has deals with both Amazon and Google, receiving $4 billion and up to
    # $2 billion from each, respectively, in exchange for Anthropic making its models
    # available through Amazon and Google’s cloud services platforms"
    ("investment", "amazon", "anthropic", 4e9, "", None),
    ("investment", "google", "anthropic", 2e9, "up to", None),
    ("distribution", "amazon", "anthropic", None, "", None),
    ("distribution", "google", "anthropic", None, "", None),
    ("partnership", "amazon", "anthropic", None, "", None),
    ("partnership", "anthropic", "google", None, "", None),
    # "(Investors in Anthropic also include Salesforce …)"
    ("investment", "salesforce", "anthropic", None, "", None),
    # "OpenAI, which was founded in 2015 …, went on to ink multibillion dollar deals with
    # Microsoft" (2015 is the founding, not the deal)
    ("partnership", "microsoft", "openai", None, "", None),
    # "Google merged its elite AI group, Google Brain, with DeepMind"
    ("merger", "google-brain", "google-deepmind", None, "", None),
    # "DeepMind started out as a startup before it was acquired by Google in 2014"
    ("acquisition", "google", "google-deepmind", None, "", 2014),
}


def test_first_seed_deals() -> None:
    assert deals_in(seed_text("amazon-anthropic-investment")) == FIRST


def test_second_seed_deals() -> None:
    assert deals_in(seed_text("ai-labs-big-tech-backers")) == SECOND


def test_evidence_is_the_sentence() -> None:
    text = seed_text("amazon-anthropic-investment")
    (deal,) = [d for d in find_deals(text, TAGGER.tag(text)) if d.kind == "acquisition"]
    assert deal.amount_max_usd == 650e6
    assert deal.evidence.startswith("DeepMind, another AI model developer, was acquired by Google")
    assert text[deal.start : deal.start + len(deal.evidence)] == deal.evidence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Microsoft and Amazon have invested in smaller companies.", set()),
        ("OpenAI was acquired by nobody in 2014.", set()),
        ("Nvidia-backed CoreWeave rose.", {("investment", "nvidia", "coreweave", None, "", None)}),
        ("Mistral AI raised $640 million from Nvidia and others.",
         {("investment", "nvidia", "mistral-ai", 640e6, "", None)}),
        ("OpenAI signed a $300 billion cloud computing deal with Oracle.",
         {("compute", "oracle", "openai", 300e9, "", None)}),
        # Hiring a company's staff is an acqui-hire, not an acquisition of the company.
        ("Microsoft acquired Inflection AI's staff.",
         {("acquihire", "microsoft", "inflection-ai", None, "", None)}),
        ("Microsoft acquired Nuance in 2022.", set()),  # Nuance is not on the watchlist
        ("Anthropic's models are available on Google Cloud's Vertex AI.",
         {("distribution", "vertex-ai", "anthropic", None, "", None)}),
        ("Microsoft will provide Mistral AI with computing power on Azure.",
         {("compute", "azure", "mistral-ai", None, "", None)}),
    ],
)  # fmt: skip
def test_deal_rules(text: str, expected: set[DealKey]) -> None:
    assert deals_in(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("up to $4 billion", (4e9, 4e9, "up to")),
        ("at least $13 billion", (13e9, 13e9, "at least")),
        ("a $13bn stake", (13e9, 13e9, "")),
        ("$2.5 million", (2.5e6, 2.5e6, "")),
        ("$7 trillion", (7e12, 7e12, "")),
        ("between $400 million and $650 million", (400e6, 650e6, "")),
        ("no amount here", (None, None, "")),
    ],
)
def test_parse_amount(text: str, expected: tuple[float | None, float | None, str]) -> None:
    assert parse_amount(text) == expected
