"""Funding rounds told across sentences (extractors/deal_rounds.py): a raise announced in one
sentence, its backers named in the next ones by reference to the round ("Nvidia led the
round", "Salesforce and Oracle also participated", "were among the other investors"), joined
into the round's one deal with the announcement's amount and status. Each form on texts
written for the test, with near-misses: backers of another company's round, customers named
after a raise, taking part in something else, a backer that did not take part."""

from __future__ import annotations

import pytest

from extractors.deals import find_deals
from extractors.entities import Tagger, load_watchlist
from extractors.records import Deal
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def deals_of(text: str) -> list[Deal]:
    return find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)


def rounds_in(text: str) -> set[tuple[str, str, str, tuple[tuple[str, str], ...]]]:
    """(target, status, investor, roles) of every investment found."""
    return {
        (d.target, d.status, d.investor, d.roles) for d in deals_of(text) if d.kind == "investment"
    }


L, P = "lead", "participant"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the lead named in the next sentence, by "the round"
        (
            "Cohere said on Tuesday it had raised $500 million in a Series D round. Nvidia led "
            "the round, with Salesforce as co-lead.",
            {("cohere", "reported", "nvidia", (("nvidia", L), ("salesforce", L)))},
        ),
        (
            "Mistral AI has closed a €600 million funding round. The financing was led by "
            "Nvidia, with participation from Salesforce and IBM.",
            {("mistral-ai", "reported", "nvidia", (("nvidia", L), ("salesforce", P), ("ibm", P)))},
        ),
        # participants only, with names the watchlist does not hold among them
        (
            "Perplexity raised $500 million. General Atlantic, Nvidia, the Qatar Investment "
            "Authority and Salesforce were among the other investors.",
            {("perplexity", "reported", "nvidia", (("nvidia", P), ("salesforce", P)))},
        ),
        (
            "Cohere has secured $270 million. Existing investors including Oracle and Nvidia "
            "also took part.",
            {("cohere", "reported", "oracle", (("oracle", P), ("nvidia", P)))},
        ),
        (
            "xAI landed $6 billion in fresh funding. Nvidia and AMD also participated, and "
            "Oracle put in $500 million.",
            {("xai", "reported", "nvidia", (("nvidia", P), ("oracle", P)))},
        ),
        # a sentence between the raise and its backers
        (
            "Anthropic raised $13 billion in a Series F round. The company said its revenue had "
            "tripled this year. Microsoft and Nvidia were among its new investors.",
            {("anthropic", "reported", "microsoft", (("microsoft", P), ("nvidia", P)))},
        ),
        # the round's status is the announcement's
        (
            "Mistral AI is in talks to raise $1 billion. Nvidia is expected to lead the round.",
            {("mistral-ai", "in_talks", "nvidia", (("nvidia", L),))},
        ),
        # a round found in its own sentence gains the later sentence's backers
        (
            "Cohere raised $500 million in a round led by Nvidia. Salesforce and Oracle also "
            "participated.",
            {("cohere", "reported", "nvidia", (("nvidia", L), ("salesforce", P), ("oracle", P)))},
        ),
        # a backer's people are not the backer
        (
            "Mistral AI raised €385 million. Other investors include Nvidia and Microsoft "
            "co-founder Bill Gates.",
            {("mistral-ai", "reported", "nvidia", (("nvidia", P),))},
        ),
        # an investment deal is a round too
        (
            "Nvidia has agreed to invest $1 billion in xAI. Existing backers including Oracle "
            "and Salesforce also took part.",
            {("xai", "reported", "nvidia", (("nvidia", P), ("oracle", P), ("salesforce", P)))},
        ),
    ],
)
def test_backers_named_after_the_raise(
    text: str, expected: set[tuple[str, str, str, tuple[tuple[str, str], ...]]]
) -> None:
    assert rounds_in(text) == expected


def test_the_round_keeps_the_announcements_amount() -> None:
    (deal,) = deals_of(
        "Cohere said it had raised $500 million at a $5.5 billion valuation. Nvidia led the round."
    )
    assert (deal.amount_usd, deal.investor, deal.target) == (500e6, "nvidia", "cohere")
    assert deal.evidence.startswith("Cohere said") and deal.evidence.endswith("led the round.")


@pytest.mark.parametrize(
    "text",
    [
        # customers, partners and panels are not backers
        "Cohere raised $500 million. Its customers include Oracle and Salesforce.",
        "OpenAI raised $40 billion. Microsoft participated in a panel on AI safety.",
        "OpenAI raised $40 billion. A former Microsoft executive joined the board.",
        # a backer that did not take part, or took part in an earlier round
        "Cohere raised $500 million. Nvidia did not take part in the round.",
        "Cohere raised $500 million. Nvidia, which led its previous round, sat this one out.",
        # a round of something else
        "Cohere raised $500 million. Oracle cut jobs in the latest round of layoffs.",
        # no raise to name backers of
        "Cohere released a model on Monday. Nvidia led the round of talks with regulators.",
        "Cohere has not raised money this year. Nvidia and Oracle also took part.",
        # a review's cases (session 31): leading, joining and taking part in other things
        "Anthropic raised $13 billion in a Series F round. Chip stocks rose, and Nvidia and "
        "AMD led the gains.",
        "xAI raised $6 billion in a Series C round. Researchers from Google and Meta have also "
        "joined.",
        "Cohere raised $500 million in August. Google and Salesforce joined in the latest round "
        "of tech layoffs.",
        "xAI raised $10 billion in July. Oracle also joined the deal to take over TikTok's US "
        "business.",
        # backers taken back, or only supposed for a round already closed
        "xAI raised $6 billion in a Series C round. Reports that Nvidia joined the round were "
        "denied by the chipmaker.",
        "Anthropic has closed a $13 billion Series F round. Microsoft and Nvidia could join the "
        "round at a later stage.",
        "Anthropic raised $13 billion in a Series F round. Neither Amazon nor Google invested "
        "in the round.",
        # another company's round, named with "a" or by a company the watchlist does not hold
        "Cohere has closed a $500 million funding round. Separately, Nvidia led a $105 million "
        "seed round for robotics start-up Genesis AI.",
        "Figure AI raised $1 billion in September. Rival Apptronik raised $403 million in "
        "February. Google led that round, with Nvidia participating.",
        # an earlier round, by its date
        "Anthropic said it had raised $13 billion in a Series F round. Salesforce led its $3.5 "
        "billion Series E in March.",
        # money that is no round: debt, a dividend, a company's own investment
        "Oracle raised $18 billion in a bond sale on Wednesday. Citi and Salesforce led the "
        "offering.",
        "Microsoft raised its dividend by 10% to $0.91 a share. Nvidia and Amazon increased "
        "their stakes in the quarter.",
        "Apple announced a $500 billion investment in US manufacturing. Nvidia and IBM will "
        "also invest, the company said.",
    ],
)
def test_near_misses(text: str) -> None:
    assert rounds_in(text) == set()


def test_another_companys_round_ends_the_first() -> None:
    found = rounds_in(
        "Cohere raised $500 million last week. Mistral AI has since closed a $600 million "
        "round. Nvidia led the round."
    )
    assert found == {("mistral-ai", "reported", "nvidia", (("nvidia", L),))}


def test_a_backer_with_a_round_of_its_own_sentence_is_read_there() -> None:
    # the later sentence names its own target: its deal, not a member of the first round
    found = rounds_in("Cohere raised $500 million. Nvidia also invested $1 billion in xAI.")
    assert found == {("xai", "reported", "nvidia", ())}
