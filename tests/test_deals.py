"""Deal extraction: the seeds (expectations written by reading them), each phrasing family
with a positive and a near-miss sentence, rounds, currencies, tranches and years."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from extractors.amounts import USD_RATES
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


# --- the phrasings of issue 14, family by family: a sentence that states the deal and a
# near-miss that does not (or not as a new deal). Sentences written for these tests.

Brief = tuple[
    str, str, str, float | None, str, str
]  # kind, investor, target, amount, currency, status


def brief(text: str, published: date | None = None) -> set[Brief]:
    return {
        (d.kind, d.investor, d.target, d.amount, d.currency, d.status)
        for d in find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors, published)
    }


def roles_of(text: str) -> dict[tuple[str, str, str], dict[str, str]]:
    return {
        (d.kind, d.investor, d.target): dict(d.roles)
        for d in find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    }


FAMILIES: list[tuple[str, str, set[Brief]]] = [
    # X invests / is investing / will invest / has agreed to invest $N in Y
    ("invest", "Salesforce is investing $300 million in Cohere to sell its models to banks.",
     {("investment", "salesforce", "cohere", 300e6, "USD", "reported")}),
    ("invest", "Salesforce is investing $300 million in its own agents, Cohere's chief said.",
     set()),
    ("invest", "IBM has agreed to invest $500m in Hugging Face.",
     {("investment", "ibm", "hugging-face", 500e6, "USD", "reported")}),
    ("invest", "IBM has agreed to invest $500m in data centres near Hugging Face's office.",
     set()),
    # X to invest ... (headline)
    ("headline", "Google to invest $2bn in Anthropic",
     {("investment", "google", "anthropic", 2e9, "USD", "reported")}),
    ("headline", "Google to invest $2bn in chips as Anthropic grows", set()),
    # X completes / finalizes / closes $N Y investment or stake
    ("complete", "Microsoft closes €15m Mistral AI investment",
     {("investment", "microsoft", "mistral-ai", 15e6, "EUR", "reported")}),
    ("complete", "Microsoft closes its Mistral AI office in Paris", set()),
    # Y raises $N from X; Y raises $N in a round led by X with participation from Z
    ("raise", "Cohere raised $270 million from Nvidia, Oracle and Salesforce.",
     {("investment", "nvidia", "cohere", 270e6, "USD", "reported")}),
    ("raise", "Cohere raised its prices after talks with Oracle.", set()),
    # X acquires / buys / agrees to buy Y for $N
    ("acquire", "IBM agreed to buy Stability AI for about $1.2 billion.",
     {("acquisition", "ibm", "stability-ai", 1.2e9, "USD", "reported")}),
    # (capacity bought is no acquisition; it is a compute deal, Lambda supplying)
    ("acquire", "Nvidia buys Lambda cloud capacity for its researchers.",
     {("compute", "lambda", "nvidia", None, "USD", "reported")}),
    # X signs/inks a $N compute/cloud/chip deal with Y: the cloud supplies, whoever comes first
    ("compute", "Anthropic inks a $3 billion cloud contract with CoreWeave.",
     {("compute", "coreweave", "anthropic", 3e9, "USD", "reported")}),
    ("compute", "CoreWeave inks a $3 billion cloud contract with Anthropic.",
     {("compute", "coreweave", "anthropic", 3e9, "USD", "reported")}),
    ("compute", "Anthropic inks a marketing deal with Salesforce.",
     {("partnership", "anthropic", "salesforce", None, "USD", "reported")}),
    # licensing and acqui-hires
    ("license", "Amazon will pay AI21 Labs $300 million to license its models and hire its founders.",
     {("acquihire", "amazon", "ai21", 300e6, "USD", "reported")}),
    ("license", "Apple licenses Cohere's models for its enterprise apps.",
     {("licensing", "apple", "cohere", None, "USD", "reported")}),
    ("license", "Apple changed its license terms after a dispute with Google.", set()),
    # joint ventures among several parties
    ("venture", "Nvidia, Microsoft and xAI formed a joint venture that will invest up to $30 billion in data centres.",
     {("joint_venture", "microsoft", "nvidia", 30e9, "USD", "reported")}),
    ("venture", "Nvidia said a joint venture in Taiwan would use Microsoft software.", set()),
    # appositives and relative clauses between the verb and the real party
    ("appositive", "Google will invest $1 billion in Claude maker Anthropic.",
     {("investment", "google", "anthropic", 1e9, "USD", "reported")}),
    ("appositive", "Microsoft, which already owns a stake in OpenAI, will invest $1 billion in Mistral AI.",
     {("investment", "microsoft", "openai", None, "USD", "background"),
      ("investment", "microsoft", "mistral-ai", 1e9, "USD", "reported")}),
    ("appositive", "Anthropic rival OpenAI launched a new model.", set()),
    # statuses: talks, hypotheticals, denials, background
    ("status", "Apple is in talks to invest in Mistral AI.",
     {("investment", "apple", "mistral-ai", None, "USD", "in_talks")}),
    ("status", "Oracle could invest $1 billion in xAI, analysts said.",
     {("investment", "oracle", "xai", 1e9, "USD", "in_talks")}),
    ("status", "Nvidia denied reports that it would invest in xAI.",
     {("investment", "nvidia", "xai", None, "USD", "denied")}),
    ("status", "Amazon already has a stake in Anthropic.",
     {("investment", "amazon", "anthropic", None, "USD", "background")}),
]  # fmt: skip


@pytest.mark.parametrize(("family", "text", "expected"), FAMILIES)
def test_phrasing_families(family: str, text: str, expected: set[Brief]) -> None:
    assert brief(text) == expected, family


def test_a_round_credits_the_round_not_one_backer() -> None:
    text = (
        "Perplexity AI raised $500 million in a round led by Nvidia and Salesforce, "
        "with participation from IBM and Amazon."
    )
    (deal,) = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    assert (deal.kind, deal.target, deal.amount) == ("investment", "perplexity", 500e6)
    assert dict(deal.roles) == {
        "nvidia": "lead",
        "salesforce": "lead",
        "ibm": "participant",
        "amazon": "participant",
    }
    # One deal for the round: no backer gets a deal (and the total) of its own.
    assert roles_of(text).keys() == {("investment", "nvidia", "perplexity")}


def test_amounts_in_other_currencies_keep_the_original() -> None:
    text = "Microsoft invests £100m in Stability AI."
    (deal,) = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    assert (deal.amount, deal.currency) == (100e6, "GBP")
    assert deal.amount_usd == pytest.approx(100e6 * USD_RATES["GBP"])


def test_valuations_are_not_the_amount() -> None:
    text = "xAI raised $6 billion at a $24 billion valuation from investors including Nvidia."
    (deal,) = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    assert deal.amount_usd == 6e9


def test_an_additional_tranche_is_its_own_deal() -> None:
    text = (
        "Amazon invested $4 billion in Anthropic in 2023. "
        "Amazon will invest an additional $4 billion in Anthropic."
    )
    deals = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors, date(2024, 11, 22))
    assert [(d.amount_usd, d.tranche, d.year, d.status) for d in deals] == [
        (4e9, False, 2023, "background"),  # a year before the article's: background
        (4e9, True, None, "reported"),
    ]


def test_relative_years_need_the_article_date() -> None:
    text = "Microsoft invested $10 billion in OpenAI last year."
    assert [d.year for d in find_deals(text, TAGGER.tag(text))] == [None]
    (deal,) = find_deals(text, TAGGER.tag(text), None, date(2024, 1, 10))
    assert (deal.year, deal.status) == (2023, "background")


def test_the_same_deal_twice_in_an_article_is_one() -> None:
    text = (
        "Amazon will invest up to $4 billion in Anthropic. "
        "Amazon's $4bn investment in Anthropic makes it a minority owner."
    )
    deals = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    assert [(d.kind, d.investor, d.target, d.amount_usd, d.qualifier) for d in deals] == [
        ("investment", "amazon", "anthropic", 4e9, "up to")
    ]


def test_long_texts_without_deals_cost_no_sentence_split() -> None:
    # Two entities 5,000 characters apart share no sentence: nothing to read.
    text = "OpenAI " + "word " * 1000 + "Anthropic"
    assert find_deals(text, TAGGER.tag(text)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Microsoft has agreed to invest $5 billion in OpenAI competitor Anthropic.",
         ("investment", "microsoft", "anthropic", 5e9, "USD")),
        ("Oracle signed a $30 billion contract with OpenAI for data-centre capacity.",
         ("compute", "oracle", "openai", 30e9, "USD")),
        ("Amazon finalizes $2.75 billion Anthropic stake.",
         ("investment", "amazon", "anthropic", 2.75e9, "USD")),
        ("CoreWeave signs $14 billion compute deal with Meta.",
         ("compute", "coreweave", "meta", 14e9, "USD")),
        ("Nvidia invests EUR 200 million in Mistral AI.",
         ("investment", "nvidia", "mistral-ai", 200e6, "EUR")),
    ],
)  # fmt: skip
def test_the_sentences_issue_14_reported(text: str, expected: tuple[object, ...]) -> None:
    (deal,) = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors)
    assert (deal.kind, deal.investor, deal.target, deal.amount, deal.currency) == expected


# --- round 2 of issue 14: the families an independent check found missed (coordinated
# backers, negation and supposition, appositives, distribution and partnership phrasings,
# compute named by chips or a primary provider, stakes held). Each with a near-miss; the
# sentences are written for these tests, not taken from the gold set.

ROUND_TWO: list[tuple[str, set[Brief]]] = [
    ("Cohere's $500 million round was led by Oracle, and Nvidia, Salesforce and IBM joined too.",
     {("investment", "oracle", "cohere", 500e6, "USD", "reported")}),
    ("Nvidia and Salesforce were among the backers of Cohere's $500 million round, which Oracle led.",
     {("investment", "oracle", "cohere", 500e6, "USD", "reported")}),
    ("Oracle led a $500 million investment in Cohere, joined by Nvidia and IBM.",
     {("investment", "oracle", "cohere", 500e6, "USD", "reported")}),
    ("Nvidia and Salesforce were not among the investors in Cohere's round.", set()),
    ("Amazon has not invested in Mistral AI, a spokesperson said.", set()),
    ("Investors wondered whether Apple would take a stake in Perplexity.", set()),
    ("Apple did not buy Perplexity, but it did invest in Mistral AI.",
     {("investment", "apple", "mistral-ai", None, "USD", "reported")}),
    ("Salesforce invested in Cohere, an OpenAI rival, in 2023.",
     {("investment", "salesforce", "cohere", None, "USD", "background")}),
    ("IBM and Mistral AI have partnered to sell models to banks.",
     {("partnership", "ibm", "mistral-ai", None, "USD", "reported")}),
    ("IBM and Mistral AI have both partnered with universities.", set()),
    ("Oracle will make Cohere's models available to its customers.",
     {("distribution", "oracle", "cohere", None, "USD", "reported")}),
    ("Oracle will make its database available to Cohere's customers.", set()),
    ("Amazon Bedrock now lists models from Meta and Cohere.",
     {("distribution", "bedrock", "meta", None, "USD", "reported"),
      ("distribution", "bedrock", "cohere", None, "USD", "reported")}),
    ("Mistral AI will train its next models on CoreWeave's GPUs.",
     {("compute", "coreweave", "mistral-ai", None, "USD", "reported")}),
    ("Mistral AI trains its models on its own GPUs, unlike OpenAI, which uses Microsoft.", set()),
    ("Perplexity named AWS its primary cloud provider.",
     {("compute", "aws", "perplexity", None, "USD", "reported")}),
    ("Nvidia owns roughly 7% of CoreWeave.",
     {("investment", "nvidia", "coreweave", None, "USD", "background")}),
    ("Nvidia owns 80% of the market for AI chips, and CoreWeave buys them.", set()),
    ("Salesforce is an investor in Cohere.",
     {("investment", "salesforce", "cohere", None, "USD", "background")}),
    ("Salesforce is an investor relations client of Cohere.", set()),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), ROUND_TWO)
def test_round_two_families(text: str, expected: set[Brief]) -> None:
    assert brief(text, date(2025, 6, 1)) == expected


def test_coordinated_backers_keep_their_roles() -> None:
    """Every backer of a list is credited, a lead staying a lead: after ", and" a new list
    of participants starts; "from A, B and C" makes all three participants."""
    assert roles_of(
        "Cohere's $500 million round was led by Oracle, and Nvidia, Salesforce and IBM joined too."
    ) == {
        ("investment", "oracle", "cohere"): {
            "oracle": "lead", "nvidia": "participant", "salesforce": "participant",
            "ibm": "participant",
        }
    }  # fmt: skip
    assert roles_of("Perplexity raised $200 million from Nvidia, Salesforce and IBM.") == {
        ("investment", "nvidia", "perplexity"): {
            "nvidia": "participant", "salesforce": "participant", "ibm": "participant"
        }
    }  # fmt: skip


# --- round 3 of issue 14 (the families check3 measures): names the watchlist asks context
# of, in a deal sentence; backers the watchlist does not hold in a list; a party named by a
# description ("the start-up", "the ChatGPT maker"); a brand's chips used; and phrasings
# ("pay $N for Y", "a takeover offer from X", "bidding for Y"). Each with a near-miss;
# sentences written for these tests, not taken from the gold set.

ROUND_THREE: list[tuple[str, set[Brief]]] = [
    ("Thinking Machines raised $2 billion in a seed round led by Nvidia.",
     {("investment", "nvidia", "thinking-machines", 2e9, "USD", "reported")}),
    ("The 1980s supercomputer maker Thinking Machines went bankrupt in 1994, long before "
     "Nvidia's rise.", set()),
    ("Crusoe raised $1 billion in a round led by Founders Fund, with Nvidia, Valor Equity "
     "Partners and Fidelity Investments participating.",
     {("investment", "nvidia", "crusoe", 1e9, "USD", "reported")}),
    ("Crusoe said Nvidia, Lambda and several smaller clouds were competing for the same power.",
     set()),
    ("OpenAI has agreed to buy Perplexity. The ChatGPT maker will pay $5 billion for the "
     "start-up.", {("acquisition", "openai", "perplexity", 5e9, "USD", "reported")}),
    ("Perplexity launched a browser. The start-up said it competes with Google.", set()),
    ("Microsoft said the company would invest $1 billion in Mistral AI.",
     {("investment", "microsoft", "mistral-ai", 1e9, "USD", "reported")}),
    ("xAI will deploy 100,000 Nvidia GPUs at its Memphis site.",
     {("compute", "nvidia", "xai", None, "USD", "reported")}),
    # a third party in the sentence supplies; the brand is only the chips'
    ("Meta will rent Nvidia chips from CoreWeave under a $14 billion contract.",
     {("compute", "coreweave", "meta", 14e9, "USD", "reported")}),
    ("Salesforce agreed to pay $8 billion for Cohere.",
     {("acquisition", "salesforce", "cohere", 8e9, "USD", "reported")}),
    ("Salesforce agreed to pay $8 billion for Cohere's models.", set()),
    ("Oracle inks $8 billion deal for Cohere",
     {("acquisition", "oracle", "cohere", 8e9, "USD", "reported")}),
    ("Oracle inks $8 billion deal for Nvidia chips", set()),
    ("Apple held talks about bidding for Perplexity.",
     {("acquisition", "apple", "perplexity", None, "USD", "in_talks")}),
    ("Cohere rejected a takeover offer from Oracle.",
     {("acquisition", "oracle", "cohere", None, "USD", "denied")}),
    ("Neither Google nor Amazon took part in the round for Mistral AI.", set()),
    ("Microsoft bought $1 billion of Oracle stock.",
     {("investment", "microsoft", "oracle", 1e9, "USD", "reported")}),
    ("Anthropic picked Google Cloud to host its training runs.",
     {("compute", "google-cloud", "anthropic", None, "USD", "reported")}),
    ("Anthropic picked Nvidia to supply chips.", set()),
    ("Microsoft signed a five-year deal worth $17 billion with Nebius.",
     {("compute", "nebius", "microsoft", 17e9, "USD", "reported")}),
    ("IBM struck a deal with Anthropic to sell Claude models to its clients.",
     {("distribution", "ibm", "anthropic", None, "USD", "reported")}),
    ("Microsoft, Nvidia and Oracle launched a $30 billion fund to build data centres.",
     {("joint_venture", "microsoft", "nvidia", 30e9, "USD", "reported")}),
    ("Microsoft launched a $1 billion climate fund with Oracle as an adviser.", set()),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), ROUND_THREE)
def test_round_three_families(text: str, expected: set[Brief]) -> None:
    assert brief(text, date(2025, 6, 1)) == expected


def test_participants_after_unwatched_names_and_descriptions() -> None:
    """Backers the watchlist does not hold do not end a list; a licence in one sentence and
    the hiring of the same company's staff ("the start-up's") in the next are one
    acqui-hire with the licence's amount."""
    assert roles_of(
        "Perplexity raised $500 million in a round led by Nvidia, with DST Global, IBM and "
        "Bessemer joining."
    ) == {("investment", "nvidia", "perplexity"): {"nvidia": "lead", "ibm": "participant"}}
    text = (
        "Microsoft is paying Inflection AI $650 million to license its models. The company is "
        "also hiring most of the start-up's staff."
    )
    assert brief(text) == {("acquihire", "microsoft", "inflection-ai", 650e6, "USD", "reported")}


# Issue 14, round 4: the families a private holdout found missed (docs/deals.md), each with a
# positive and a near-miss, in wordings of neither the gold set nor the issue.
ROUND_FOUR: list[tuple[str, set[Brief]]] = [
    # a round whose lead is not watched (SoftBank is not in the default watchlist)
    ("SoftBank is leading a $22 billion round in OpenAI, with Microsoft and Nvidia also "
     "investing.",
     {("investment", "microsoft", "openai", 22e9, "USD", "reported")}),
    ("SoftBank is leading a $22 billion round in OpenAI.", set()),
    ("Cohere's $500 million raise, led by a Canadian pension fund, also drew Nvidia and "
     "Salesforce.",
     {("investment", "nvidia", "cohere", 500e6, "USD", "reported")}),
    ("Cohere's $500 million raise was the largest in Canada this year, ahead of Nvidia's "
     "local deals.", set()),
    ("Nvidia and Microsoft took part in Mistral AI's €600 million round.",
     {("investment", "nvidia", "mistral-ai", 600e6, "EUR", "reported")}),
    ("Participants in Perplexity's latest round included Nvidia and IBM.",
     {("investment", "nvidia", "perplexity", None, "USD", "reported")}),
    # cumulative stakes: the total, as background; not a second deal beside the new money
    ("The new tranche takes Amazon's total investment in Anthropic to $8 billion.",
     {("investment", "amazon", "anthropic", 8e9, "USD", "background")}),
    ("Amazon invested another $4 billion in Anthropic, bringing its total investment to "
     "$8 billion.",
     {("investment", "amazon", "anthropic", 4e9, "USD", "reported")}),
    ("Nvidia has put roughly $1 billion in total into xAI.",
     {("investment", "nvidia", "xai", 1e9, "USD", "background")}),
    ("Google's total investment in data centres will reach $75 billion, more than Amazon's.",
     set()),
    # ownership shares stated as the deal
    ("Amazon is Anthropic's largest shareholder.",
     {("investment", "amazon", "anthropic", None, "USD", "background")}),
    ("Amazon is Anthropic's largest customer.", set()),
    ("Microsoft is OpenAI's biggest cloud rival for enterprise customers.", set()),
    ("Anthropic, in which Google holds a 14% stake, is valued at $183 billion.",
     {("investment", "google", "anthropic", None, "USD", "background")}),
    ("OpenAI is roughly 27% owned by Microsoft.",
     {("investment", "microsoft", "openai", None, "USD", "background")}),
    ("Nvidia controls about 80% of the AI chip market, ahead of AMD and Google.", set()),
    # a cloud chosen, phrased as a designation
    ("Anthropic has named AWS its primary cloud and training partner.",
     {("compute", "aws", "anthropic", None, "USD", "reported")}),
    ("The agreement makes Oracle OpenAI's main compute supplier.",
     {("compute", "oracle", "openai", None, "USD", "reported")}),
    ("AWS will remain Anthropic's primary cloud provider.",
     {("compute", "aws", "anthropic", None, "USD", "reported")}),
    ("Apple named Google its default search partner in Safari.", set()),
    ("Mistral AI chose Azure as its first commercial distribution partner.",
     {("distribution", "azure", "mistral-ai", None, "USD", "reported")}),
    ("OpenAI has not made Oracle its primary cloud provider.", set()),
    # a model named by its product name stands for its maker
    ("Microsoft will host Grok on Azure.",
     {("distribution", "azure", "xai", None, "USD", "reported")}),
    ("Grok 3 arrives on Microsoft Azure.",
     {("distribution", "azure", "xai", None, "USD", "reported")}),
    ("Llama 3 is available on AWS, Google Cloud and Azure from today.", set()),
    ("Google will host Gemini on Google Cloud.", set()),
    ("Grok, unlike ChatGPT, answers questions about posts on X.", set()),
    ("Apple will license Gemini to power Siri.",
     {("licensing", "apple", "google-deepmind", None, "USD", "reported")}),
    ("Google licensed Gemini to its own cloud unit.", set()),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), ROUND_FOUR)
def test_round_four_families(text: str, expected: set[Brief]) -> None:
    assert brief(text, date(2025, 6, 1)) == expected


# A watched rival named before an unwatched company only describes it: no deal with the
# rival. Both senses: before a watched head the rival stays a modifier and the head is the
# party, in a sentence and in a title-case headline.
RIVAL_OF_UNWATCHED: list[tuple[str, set[Brief]]] = [
    ("Alibaba invested in DeepSeek rival Moonshot, a person familiar said.", set()),
    ("Nvidia Backs OpenAI Challenger Foo Labs In $300 Million Round", set()),
    ("Alibaba invested in DeepSeek, a person familiar said.",
     {("investment", "alibaba", "deepseek", None, "USD", "reported")}),
    ("Microsoft agreed to invest $5 billion in OpenAI competitor Anthropic.",
     {("investment", "microsoft", "anthropic", 5e9, "USD", "reported")}),
    ("OpenAI Rival Anthropic Raises $2 Billion From Google",
     {("investment", "google", "anthropic", 2e9, "USD", "reported")}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), RIVAL_OF_UNWATCHED)
def test_a_rival_before_an_unwatched_name_is_no_party(text: str, expected: set[Brief]) -> None:
    assert brief(text, date(2025, 6, 1)) == expected


def test_round_members_are_participants_of_one_round() -> None:
    """Backers of a round whose lead the watchlist does not hold are its participants, one
    deal with the round's total, no backer credited it alone."""
    assert roles_of(
        "SoftBank led a $40 billion round in OpenAI, with Microsoft and Nvidia participating."
    ) == {
        ("investment", "microsoft", "openai"): {"microsoft": "participant", "nvidia": "participant"}
    }
    assert roles_of("Email start-up Agari raises $2.5M from Alloy, Nvidia And Microsoft.") == {}


def test_a_sentence_whose_lowering_moves_offsets_finds_the_same_deals() -> None:
    """A capital I with a dot lowers to two characters ("İ"), so a sentence holding it
    cannot be matched on its lowered form (extractors/deals.py `_match`): each rule's
    case-insensitive pattern reads it instead (compiled when first needed,
    extractors/deal_rules.py `Rule.pattern`). Both ways find the same deals in every sentence
    of the deals gold set, its words outside the names in capitals (as a headline may be)
    so that the case matters to the patterns."""
    gold = Path(__file__).parent / "data" / "deals_gold.jsonl"
    texts = [json.loads(line)["text"] for line in gold.read_text(encoding="utf-8").splitlines()]
    found = 0
    for text in texts:
        names = [(m.start, m.end) for m in TAGGER.tag(text)]
        shouted = "".join(
            c.upper() if c.isascii() and not any(a <= i < b for a, b in names) else c
            for i, c in enumerate(text)
        )
        dotted = f"{shouted} (İstanbul)"
        assert len(dotted.lower()) != len(dotted)  # read by the case-insensitive patterns
        plain = deals_in(f"{shouted} (Istanbul)")
        assert deals_in(dotted) == plain, text
        found += len(plain)
    assert found > 200  # most gold sentences hold a deal: the comparison is not of nothing
