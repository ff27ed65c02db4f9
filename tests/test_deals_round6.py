"""The deal rules of round 6 (docs/deals.md, "Round 6"): the plain forms of each kind of deal
as headlines and ledes write them, where a party is named inside the deal's noun phrase
("SoftBank leads $40 billion OpenAI round", "lands a $38 billion OpenAI cloud contract"),
with the near-misses each rule must leave alone. Sentences written for the test."""

from __future__ import annotations

import pytest

from extractors.amounts import find_amounts
from extractors.deals import find_deals
from tests.test_deals_round5 import TAGGER, deals_in, found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the lead of a round named by its company
        ("Nvidia leads $2 billion Mistral AI funding round", {("investment", "nvidia", "mistral-ai")}),
        ("Microsoft to co-lead Cohere's $500 million Series D", {("investment", "microsoft", "cohere")}),
        ("Nvidia leads Microsoft in the race for AI chips.", set()),
        # members of a round named by its company
        ("Meta joined Perplexity's $500 million Series C round.", {("investment", "meta", "perplexity")}),
        ("Salesforce backed Hugging Face's $235 million round.",
         {("investment", "salesforce", "hugging-face")}),
        ("Nvidia and Amazon took part in the $4 billion xAI round.",
         {("investment", "nvidia", "xai")}),
        ("Amazon joins Nvidia in a $600 million round for Mistral AI.",
         {("investment", "amazon", "mistral-ai")}),
        ("Nvidia backed away from OpenAI's funding round.", set()),
        ("Nvidia, IBM and Salesforce came in as strategic investors in Cohere's round.",
         {("investment", "nvidia", "cohere")}),
        # money received, named by its investor; a round's verbs
        ("Cohere lands $500 million Nvidia investment", {("investment", "nvidia", "cohere")}),
        ("Perplexity nabs $500 million in funding led by Nvidia.",
         {("investment", "nvidia", "perplexity")}),
        ("Stability AI has picked up about $50 million from Nvidia.",
         {("investment", "nvidia", "stability-ai")}),
        ("Anthropic is negotiating a $750 million raise led by Google.",
         {("investment", "google", "anthropic")}),
        ("Apple picked up the award from Nvidia on stage.", set()),
        # a stake taken now, and more money for a company
        ("Nvidia becomes Mistral AI's largest shareholder with a €1 billion investment.",
         {("investment", "nvidia", "mistral-ai")}),
        ("Nvidia becomes Apple's most valuable rival.", set()),
        ("Amazon doubles down on Anthropic with another $4 billion.",
         {("investment", "amazon", "anthropic")}),
        ("Amazon doubles down on AI with another $4 billion in data centres.", set()),
        # a deal or contract named by its other party
        ("CoreWeave lands $14 billion Meta cloud contract", {("compute", "coreweave", "meta")}),
        ("CoreWeave expands Meta deal to $14 billion.", {("compute", "coreweave", "meta")}),
        ("Google Cloud wins $10 billion contract from Meta.", {("compute", "google-cloud", "meta")}),
        ("Cohere signs OpenAI-style cloud contract.", set()),
        ("Anthropic lands Amazon veteran to run its cloud deals.", set()),
        # acquisitions told from the company sold
        ("Lambda agrees to $1.5 billion takeover by Nvidia.", {("acquisition", "nvidia", "lambda")}),
        ("Nvidia's $700 million deal for Lambda won approval.", {("acquisition", "nvidia", "lambda")}),
        ("Lambda sells to Nvidia for $1.5 billion.", {("acquisition", "nvidia", "lambda")}),
        ("Nvidia sells chips to Lambda.", {("compute", "nvidia", "lambda")}),
        # chips made for a buyer
        ("IBM to make custom AI chips for OpenAI.", {("compute", "ibm", "openai")}),
        ("IBM makes memory chips for Nvidia's latest GPUs.", set()),
        # mergers talked of, and two units merged by their parent
        ("xAI and Perplexity are discussing a merger.", {("merger", "perplexity", "xai")}),
        ("Alphabet merges Google Brain and Google DeepMind.",
         {("merger", "google-brain", "google-deepmind")}),
        # a provider's customer
        ("OpenAI becomes an AWS customer in a $38 billion deal.", {("compute", "aws", "openai")}),
        ("Microsoft's biggest customer is OpenAI.", set()),
        ("CoreWeave's biggest customer is Microsoft.", {("compute", "coreweave", "microsoft")}),
        ("Cohere picks Nvidia for fast inference.", {("compute", "nvidia", "cohere")}),
        ("Cohere picks Nvidia veteran as chief executive.", set()),
        ("Meta agrees to spend $10 billion on Google Cloud.", {("compute", "google-cloud", "meta")}),
        # platforms offering a lab's models, and deals for data
        ("Oracle offers OpenAI models to its cloud customers.",
         {("distribution", "oracle", "openai")}),
        ("OpenAI open-weight models arrive on AWS.", {("distribution", "aws", "openai")}),
        ("Amazon and Anthropic deepen partnership.", {("partnership", "amazon", "anthropic")}),
        ("Google inks $60 million a year deal with Perplexity for AI training data.",
         {("licensing", "google", "perplexity")}),
        ("Mistral AI signed a cloud agreement with CoreWeave to train its next models.",
         {("compute", "coreweave", "mistral-ai")}),
        # two parties joined before the deal's noun
        ("The Microsoft-OpenAI partnership is being renegotiated.",
         {("partnership", "microsoft", "openai")}),
        ("The IBM-Anthropic tie-up will put Claude in IBM software.",
         {("partnership", "anthropic", "ibm")}),
        ("The rumored Apple-Perplexity deal would cost $14 billion.", set()),
        ("The Microsoft-OpenAI rivalry is heating up.", set()),
        # talks over a deal; a purchase named by the company bought
        ("Apple, Google in talks over cloud deal.", {("compute", "google", "apple")}),
        ("Google completes $32 billion Cohere acquisition.", {("acquisition", "google", "cohere")}),
        # investments without the possessive; stakes held
        ("FTC opens inquiry into Google and Amazon investments in Anthropic.",
         {("investment", "google", "anthropic"), ("investment", "amazon", "anthropic")}),
        ("Google investments in Anthropic rivals have grown.", set()),
        ("Anthropic counts Google and Amazon among its biggest investors.",
         {("investment", "google", "anthropic"), ("investment", "amazon", "anthropic")}),
        ("Anthropic, backed by Amazon and Google, raised more money.",
         {("investment", "amazon", "anthropic"), ("investment", "google", "anthropic")}),
        # from the first blind set of ordinary news (check8): rounds' leads and members
        ("Cohere raised $500 million in a round led by Insight Partners, Nvidia and Salesforce.",
         {("investment", "nvidia", "cohere")}),
        ("Cohere raised $500 million in a round led by IDG Capital, with existing backers Oracle "
         "and Nvidia also putting money in.", {("investment", "oracle", "cohere")}),
        ("CoreWeave today announced a $642 million minority investment led by Nvidia.",
         {("investment", "nvidia", "coreweave")}),
        ("CoreWeave today announced a $642 million investment in new data centres.", set()),
        # what runs on a provider's systems; a model launched first on a platform
        ("Perplexity's in-house model now runs on Nvidia hardware.",
         {("compute", "nvidia", "perplexity")}),
        ("Cohere trains its models on CoreWeave's GPUs.", {("compute", "coreweave", "cohere")}),
        ("Apple asked Google to train a model that would run on Apple's own servers.", set()),
        ("Microsoft runs ads on Google.", set()),
        ("Cohere is launching its new Command model first on Microsoft Azure.",
         {("distribution", "azure", "cohere")}),
        ("OpenAI released two open-weight models that run on AWS and Azure.", set()),
        ("Meta will spend about $3 billion on Nvidia hardware this year.",
         {("compute", "nvidia", "meta")}),
        # an owner in a relative clause; talks with named investors
        ("Inflection AI, which Microsoft acquired in 2024, is for sale.",
         {("acquisition", "microsoft", "inflection-ai")}),
        ("Cohere, which Nvidia bought shares in last year, is for sale.", set()),
        ("Mistral AI has been talking to investors including Abu Dhabi's Nvidia about raising "
         "money.", {("investment", "nvidia", "mistral-ai")}),
    ],
)  # fmt: skip
def test_round_six_phrasings(text: str, expected: set[tuple[str, str, str]]) -> None:
    assert deals_in(text) == expected


def test_the_lead_and_amount_of_a_premodified_round() -> None:
    (deal,) = found("Microsoft leads $6.6 billion OpenAI funding round")
    assert (deal.investor, deal.target, deal.amount) == ("microsoft", "openai", 6.6e9)
    assert dict(deal.roles) == {"microsoft": "lead"}


def test_more_money_is_a_tranche() -> None:
    (deal,) = found("Amazon doubles down on Anthropic with another $4 billion.")
    assert deal.tranche and deal.amount == 4e9


def test_dropping_out_of_talks_is_denied() -> None:
    (deal,) = found("Apple drops out of talks to invest in OpenAI.")
    assert (deal.kind, deal.status) == ("investment", "denied")


def test_a_customer_named_is_background() -> None:
    (deal,) = found("CoreWeave's biggest customer is Microsoft.")
    assert deal.status == "background"


@pytest.mark.parametrize(
    ("text", "currency", "low"),
    [
        ("a 22.8 trillion won contract", "KRW", 22.8e12),
        ("5 billion yuan of chips", "CNY", 5e9),
        ("a 100 billion rupees plan", "INR", 100e9),
        # "won" is a currency only after a scale
        ("the $3 million won by the team", "USD", 3e6),
    ],
)
def test_currency_words_after_a_scale(text: str, currency: str, low: float) -> None:
    (amount,) = find_amounts(text)
    assert (amount.currency, amount.low) == (currency, low)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # deals that ended or were passed on
        ("Cohere has ended its partnership with Oracle, its chief executive said.", "denied"),
        ("Microsoft passed on an option to buy more capacity from CoreWeave.", "denied"),
        ("OpenAI's planned acquisition of Cohere has fallen apart.", "denied"),
        # deals not done yet
        ("Perplexity is close to finalizing a $500 million round led by Nvidia.", "in_talks"),
        ("Oracle Closes In on Takeover of Cohere", "in_talks"),
        ("Microsoft and OpenAI signed a non-binding letter of intent on their partnership.",
         "reported"),
        ("Apple executives have floated buying Perplexity.", "in_talks"),
        # stakes held, and earlier deals recalled
        ("Microsoft's stake in OpenAI is worth about $135 billion, analysts estimate.", "background"),
        ("A $9.5 billion gain on Amazon's stake in Anthropic flattered its profit.", "background"),
        ("Two years after Google paid $2.7 billion to license Cohere's models, Cohere is for sale.",
         "background"),
        # a date that opens the clause, before any party: an earlier year than the article's
        ("In April 2023 Alphabet combined Google DeepMind with Google Brain.", "background"),
        # and the news itself
        ("Microsoft took a stake in OpenAI worth $10 billion on Monday.", "reported"),
    ],
)  # fmt: skip
def test_round_six_statuses(text: str, status: str) -> None:
    from datetime import date

    deals = find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors, date(2025, 6, 1))
    assert deals and {d.status for d in deals} == {status}, deals


def test_the_company_is_not_the_people_named_in_an_aside() -> None:
    """ "the company" stands for the sentence's subject, not for a company whose people an
    aside names ("founded by two former Google researchers")."""
    text = (
        "Cohere, a start-up founded by two former Google researchers, said it had raised $150 "
        "million in a round led by Nvidia that values the company at $1 billion."
    )
    assert deals_in(text) == {("investment", "nvidia", "cohere")}
