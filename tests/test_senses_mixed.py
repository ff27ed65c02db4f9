"""Texts that use a watched name in two senses (docs/tagging.md, "Names in two senses in one
text"): what a text calls a name first holds until the text ties it to the entity; a title
follows its body; a roundup's items are read apart; and the rules next to a name such texts
asked for. Texts written for these tests."""

from __future__ import annotations

import pytest

from extractors.analyse import tag_title_and_body
from extractors.entities import Tagger, load_watchlist
from extractors.roundups import headline_items, is_roundup, items
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def before(text: str, entity: str) -> list[str]:
    """The word before each mention of `entity`, to tell its mentions apart."""
    return [text[: m.start].split()[-1] for m in TAGGER.tag(text) if m.entity == entity]


def test_the_other_thing_until_the_text_ties_the_name() -> None:
    text = (
        "The Winklevoss twins founded the crypto exchange Gemini in 2014. Gemini's chief "
        "executive said on Monday that it would list three tokens. Its support desk uses "
        "Google's Gemini models, and Gemini drafts every answer."
    )
    # "Gemini's chief executive": a role says an organisation, which the exchange is
    assert before(text, "gemini") == ["Google's", "and"]


def test_a_thing_given_the_name() -> None:
    text = (
        "The drone, called the Falcon, weighs five kilograms. The Falcon also talks. It runs "
        "Falcon, the open-weight language model from TII, on board."
    )
    assert before(text, "falcon") == ["runs"]
    assert before("TII released a model called Falcon in 2023.", "falcon") == ["called"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # another company of a product's name
        ("Copilot, a Scottsdale start-up that makes dashboard cameras, raised $12 million.", []),
        ("Copilot, the Microsoft assistant, now writes Excel formulas.", ["copilot", "microsoft"]),
        # disowned
        (
            "Copilot, the London budgeting app (no relation to the Microsoft assistant), "
            "added a savings tracker.",
            ["microsoft"],
        ),
        # a place's appositive
        ("Residents of Azure, a ranching community near the new data centre, packed the hall.", []),
        # another company's name: a capitalised word of organisations after it, and what the
        # text calls it first holds
        (
            "Titan Company, the Tata group jeweller, built its chatbot on Amazon Bedrock. "
            "Titan's stores grew.",
            ["bedrock"],
        ),
        (
            "Nova Entertainment said its AI-written radio ads run on Amazon Nova. Nova's "
            "listeners skew young.",
            ["amazon-nova"],
        ),
        # a product's tier
        ("Amazon launched Alexa+ in the spring.", ["amazon", "alexa"]),
        # a version told in another sense's words, with no word of the industry
        ("Gemini 6A and Gemini 7 achieved the first crewed rendezvous in orbit.", []),
        ("Gemini 3 can plan a crewed rendezvous in the Gemini app.", ["gemini", "gemini"]),
        # other senses' words added with this round
        ("Oracle failures caused $3 million in liquidations as DeFi price feeds lagged.", []),
        ("Oracle shares rose after the cloud earnings.", ["oracle"]),
        ("Bedrock lies ten feet below the granite soil at the site, the geologist said.", []),
        (
            "Safe Superintelligence raised $2 billion. Stocks were calm. Separately, SSI "
            "payments to disability recipients rise in January, Social Security said.",
            ["ssi"],
        ),
        (
            "Inflection AI hired a new chief. Inflection Point, a grammar podcast, returns.",
            ["inflection-ai"],
        ),
        (
            "The Falcon quarterback threw three touchdowns as TII showed its models at the stadium.",
            ["tii"],
        ),
    ],
)
def test_what_the_sentence_says_of_the_name(text: str, expected: list[str]) -> None:
    assert [m.entity for m in TAGGER.tag(text)] == expected


def test_a_title_follows_its_body() -> None:
    title = "Data centre plan splits the ranching town of Azure"
    body = (
        "Residents of Azure, a ranching community of 300 people, packed the hall. "
        "Microsoft wants the site for Microsoft Azure. Azure has one school."
    )
    titled, found = tag_title_and_body(TAGGER, title, body)
    assert [m.entity for m in found].count("azure") == 1  # "Microsoft Azure"
    assert titled == []
    # a body that spells the bare name as the entity keeps the title's
    titled, _ = tag_title_and_body(
        TAGGER, "Azure adds regions", "Azure, Microsoft's cloud, adds regions."
    )
    assert [m.entity for m in titled] == ["azure"]


@pytest.mark.parametrize(
    ("title", "roundup"),
    [
        ("Morning Briefing: Amazon cuts, a dry Amazon, and a frost for apple growers", True),
        ("Europe Tech Brief: Mistral eyes fresh funds; wind shuts Marseille port", True),
        ("LIVE UPDATES: Storms, a cherry harvest and a Bing outage", True),
        ("Episode 214: Gemini grows up, and the other Gemini turns 60", True),
        ("The week in AI: Perplexity courts publishers, Lambda files to go public", True),
        ("Five things to know today: Meta earnings and a coffee study", True),
        ("App Review: 'Starlit' gives Gemini season a chatty twist", False),
        ("When the Mistral blows: a week in Provence's windiest valley", False),
        ("Anthropic raises $13 billion", False),
    ],
)
def test_a_roundup_is_known_by_its_headline(title: str, roundup: bool) -> None:
    assert is_roundup(title) is roundup


def test_a_roundups_items_are_read_apart() -> None:
    title = "Morning Briefing: Amazon cuts jobs; drought grips the Amazon basin"
    body = (
        "Amazon will cut 14,000 corporate jobs, the company said, as it spends more on AI "
        "data centres for Anthropic and its Claude models.\n\n"
        "Drought left Amazon towns short of water."
    )
    titled, found = tag_title_and_body(TAGGER, title, body)
    assert [m.entity for m in found] == ["amazon", "anthropic", "claude"]
    assert [title[m.start : m.end + 5] for m in titled] == ["Amazon cuts"]
    # read as one text, the first item's company vouches for the second's river
    assert [m.entity for m in TAGGER.tag(body)].count("amazon") == 2
    assert [body[lo:hi][:7] for lo, hi in items(body)] == ["Amazon ", "Drought"]
    assert [title[lo:hi] for lo, hi in headline_items(title)] == [
        "Morning Briefing",
        "Amazon cuts jobs",
        "drought grips the Amazon basin",
    ]


def test_a_roundups_label_says_what_its_items_are_about() -> None:
    body = (
        "Our pick of the week.\n\n"
        "Perplexity will share its revenue with four magazine publishers.\n\n"
        "Frost cut the apple harvest in Kent by a third."
    )
    _, found = tag_title_and_body(TAGGER, "The week in AI: publishers and frost", body)
    assert [m.entity for m in found] == ["perplexity"]
    _, found = tag_title_and_body(TAGGER, "Morning Briefing: publishers and frost", body)
    assert found == []
