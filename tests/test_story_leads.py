"""The lead part of a story key (extractors/story_leads.py): another outlet's own report of an
event joins the event's story when both lead with its figure and a name within days; a
different story that recalls the figure later in its text, or a report days later, does not."""

from __future__ import annotations

import random
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from extractors.stories import (
    LEAD_SCORE,
    NAMES_JACCARD,
    StoryKey,
    lead_of,
    match_scores,
    matches,
    names_jaccard,
    names_part,
    near_bands,
    story_key,
)
from extractors.story_events import headline_events
from extractors.story_leads import LEAD_WINDOW, figures, lead_names, lead_of_text, lead_text
from flows.eval_clusters import REPO_STORIES
from flows.stories import STORY_RULE, story_fields
from tests.helpers import placed_stories

WHEN = datetime(2026, 3, 9, 14, tzinfo=UTC)

# One event told by two outlets in their own words (written for this test).
FIRST = (
    "Northwind Robotics said on Monday it had raised $640 million in a funding round led by"
    " Granite Peak Capital, valuing the warehouse-automation company at $5.2 billion.\n\n"
    "The round more than doubles the valuation the company reached eighteen months ago. Chief"
    " executive Dana Whitlock said the money would pay for a second factory in Ohio and for"
    " hiring software engineers in Toronto.\n\n"
    "Existing backers Harbor Lane Ventures and Ostrava Partners also invested, the company said"
    " in a statement. It did not disclose revenue but said orders had tripled last year."
)
SECOND = (
    "Granite Peak Capital has led a $640m investment in Northwind Robotics, according to people"
    " briefed on the deal, as investors keep pouring money into machines that pick and pack"
    " online orders.\n\n"
    "The financing puts a price of about $5.2bn on the Pittsburgh start-up. Whitlock, who"
    " co-founded the business in 2019 after a decade at a carmaker, told reporters the company"
    " wanted to open a plant in Ohio before the end of the year.\n\n"
    "Analysts at Corbel Research said demand from grocers had surprised the industry, though"
    " they warned that a slowdown in retail could hurt smaller suppliers."
)
# A third outlet's report, its own words again (stored days later in the warehouse test).
THIRD = (
    "Warehouse robot maker Northwind Robotics has closed a $640 million round, a week of"
    " filings show, with Granite Peak Capital writing the largest cheque.\n\n"
    "Investors who spoke on condition of anonymity said the valuation of $5.2 billion was"
    " driven by long contracts with grocers rather than by sales of hardware.\n\n"
    "The company has hired a former Amazon logistics executive to run its operations and"
    " plans to announce a European partner before the summer."
)
# The same company's other story of that week: it names the round, with its figure, only in
# a background sentence, past the lead.
OTHER = (
    "Northwind Robotics has agreed to supply picking arms to Brightcart, the grocery delivery"
    " group, in a three-year contract covering forty warehouses across the Midwest, the two"
    " companies said on Wednesday.\n\n"
    "The first machines will be installed in Chicago in the summer. Brightcart said the arms"
    " would let it handle twice as many orders a night without adding staff.\n\n"
    "The deal comes days after Northwind raised $640 million from Granite Peak Capital and"
    " other investors at a valuation of $5.2 billion."
)


def key(text: str, title: str, hours: float) -> StoryKey:
    found = story_key(text, frozenset(), title)
    assert found is not None
    return replace(found, t=(WHEN + timedelta(hours=hours)).timestamp())


def test_figures_are_written_one_way_and_bare_numbers_are_not_figures() -> None:
    assert figures("raised $2bn, or $2 billion, or 2 billion dollars") == ["2e+09"]
    assert figures("up 40%, 40 per cent and 40 percent") == ["40%"]
    assert figures("a 500MW site, then 1.4 GW more") == ["5e+08W", "1.4e+09W"]
    assert figures("€1.73bn and 412,880 cars at $6.99") == ["1.73e+09", "412880", "6.99"]
    assert figures("In 2026 Llama 5 ran at 1080p on 9 of 10 tries") == []
    # Scale letters after a currency sign, hyphened scale words, "bln"; not a model's size.
    assert figures("raised $9B at a $310B valuation") == ["9e+09", "3.1e+11"]
    assert figures("a 1.4-gigawatt campus and 2.6 bln euros") == ["1.4e+09W", "2.6e+09"]
    assert figures("Llama 70B ran a 5k test past a 5-m wall") == []


def test_a_lead_is_the_headline_and_the_first_words() -> None:
    text = " ".join(f"w{n}" for n in range(100))
    assert lead_text("Title here", text).split() == ["Title", "here.", *text.split()[:40]]
    # Names as the names part reads them, with the watchlist's, without figures and two-letter
    # words; in the order met.
    names = lead_names("Report: Nvidia and the EU met Mistral AI for $2bn in Paris.")
    assert names == ["nvidia", "mistral", "paris"]
    # A possessive is its name; a hyphened name is also its capitalised parts; a word that
    # starts a sentence is a name when the text names it elsewhere (`known`).
    assert lead_names("Talks on Macron's plan. Then Russia-Ukraine talks.") == [
        "macron", "russia", "russia-ukraine", "ukraine"
    ]  # fmt: skip
    assert lead_names("Databricks agreed. Tidewell said so.", frozenset({"databricks"})) == [
        "databricks"
    ]
    assert not len(lead_of_text("", "No figure here, only Nvidia and Mistral in Paris."))
    lead = lead_of_text("", "Talks between Nvidia and Mistral: 40%, then 40 per cent.")
    assert len(lead.pairs) == 2 and not len(lead.events)


def test_the_lead_part_leaves_the_other_parts_as_they_read() -> None:
    with_title = story_key(FIRST, frozenset(), "Orders at Northwind are up 200%")
    plain = story_key(FIRST, frozenset())
    assert with_title is not None and plain is not None
    assert len(lead_of(with_title.signature)) > len(lead_of(plain.signature)) > 0
    assert names_part(with_title.signature) == names_part(plain.signature)
    assert names_jaccard(with_title.signature, plain.signature) == 1.0
    # Terms and lead bands come before the others: a key's names and shingles bands, last,
    # are unchanged.
    others = len(plain.bands) - len(lead_of(plain.signature)) - len(near_bands(plain))
    assert others > 0 and with_title.bands[-others:] == plain.bands[-others:]
    few_names = story_key(
        "The deal was small by the standards of the industry and drew little notice at the"
        " time, but Acme paid $3 million to Zenith for the plant on Tuesday morning."
    )
    assert few_names is not None
    assert names_part(few_names.signature) is None and len(lead_of(few_names.signature)) == 2


def test_another_outlets_report_is_the_story_within_days_and_a_recall_is_not() -> None:
    first = key(FIRST, "Northwind Robotics raises $640 million at $5.2 billion valuation", 0)
    second = key(SECOND, "Granite Peak leads $640m round in Northwind", 20)
    other = key(OTHER, "Northwind to supply picking arms to Brightcart", 48)
    # Not by their shingles or names: only their leads say they are one event.
    assert (names_jaccard(first.signature, second.signature) or 0.0) < NAMES_JACCARD
    assert matches(first, second) == matches(second, first) == LEAD_SCORE
    assert set(first.bands) & set(second.bands)  # candidates of each other
    assert matches(first, other) == matches(second, other) == 0.0
    late = replace(second, t=first.t + LEAD_WINDOW.total_seconds() + 3600)  # type: ignore[operator]
    assert matches(first, late) == 0.0
    assert matches(first, replace(second, t=None)) == 0.0  # a time unknown: no lead match


# One outage told by two outlets, with no figure in either lead (written for this test), and
# the company's stories of that week that share its names.
OUTAGE = (
    "Skyline, the cloud service Northwind Robotics runs for its warehouse customers, stopped"
    " dispatching orders for most of Tuesday morning, leaving grocers in Ohio unable to pack"
    " deliveries, the company said.\n\nNorthwind said a faulty configuration change was to"
    " blame and that no data had been lost. Orders on Skyline moved again by the afternoon."
)
OUTAGE_B = (
    "Grocers that rely on Northwind Robotics were left scrambling on Tuesday after Skyline,"
    " its order-dispatch platform, went dark for several hours.\n\nA spokesperson blamed a"
    " configuration error and apologised to customers, some of whom said they had to pack"
    " orders by hand until the afternoon."
)
HIRE = (
    "Northwind Robotics has hired the former head of Brightcart's delivery network to run"
    " Skyline, its cloud service for warehouse customers, the company said on Wednesday.\n\n"
    "She starts next month and will report to chief executive Dana Whitlock."
)
OTHER_OUTAGE = (
    "Brightcart, the grocery delivery group and a Northwind customer, said its app was down"
    " for two hours on Wednesday evening because of a fault at its payment processor.\n\nThe"
    " company said orders placed during the outage would be delivered on Thursday."
)


def test_a_headline_kind_of_happening_and_two_names_tell_one_event() -> None:
    assert headline_events("Skyline outage strands grocers") == ["outage"]
    assert headline_events("Northwind Robotics appoints Skyline chief") == ["appointment"]
    # In headline order; and not words headlines use for other things.
    assert headline_events("Ex-chief arrested days after he resigns") == ["arrest", "departure"]
    for other in (
        "Meta releases tools to fine-tune Llama", "Nvidia beats estimates", "Google Cloud is down",
        "New rules for app stores", "Crash Bandicoot returns", "Trump charges ahead on tariffs",
        "Dead Space remake", "A tribute band tours", "European Union vote on chips",
        "Where to buy a Pixel", "Solar Probe images", "A storm of criticism",
    ):  # fmt: skip
        assert headline_events(other) == [], other
    first = key(OUTAGE, "Northwind's Skyline suffers outage, grocers stranded", 0)
    second = key(OUTAGE_B, "Skyline outage leaves Northwind customers packing by hand", 6)
    hire = key(HIRE, "Northwind appoints Brightcart delivery chief to run Skyline", 24)
    other = key(OTHER_OUTAGE, "Brightcart app outage delays Northwind grocery orders", 30)
    assert matches(first, second) == matches(second, first) == LEAD_SCORE
    assert set(first.bands) & set(second.bands)  # candidates of each other
    # Without a figure to go by, only within EVENT_WINDOW (36 hours), not LEAD_WINDOW's 72.
    assert first.t is not None
    assert matches(first, replace(second, t=first.t + 36 * 3600)) == LEAD_SCORE
    assert matches(first, replace(second, t=first.t + 36 * 3600 + 1)) == 0.0
    # The kind in the headline, not in the text: the same two reports under headlines that
    # report no kind of happening are two stories.
    plain = key(OUTAGE_B, "Grocers pack orders by hand at Northwind's Skyline", 6)
    assert matches(first, plain) == 0.0
    # Outlets' spellings of a name agree: accents and possessives aside.
    accented = key(OUTAGE_B.replace("Northwind", "Nörthwind"), "Skyline outage hits Nörthwind", 6)
    assert matches(key(OUTAGE.replace("Northwind", "Northwind’s"), "Northwind outage", 0), accented)
    assert matches(first, hire) == 0.0  # the same names, another kind of happening
    assert matches(first, other) == 0.0  # the same kind, one name shared
    # A headline in Title Case: its capitalised words are not names unless the text names
    # them, so two companies "Sued Over" different things are two stories.
    amazon = key(
        "Amazon was sued on Monday by customers who said its Alexa speakers kept recordings of"
        " their voices for years without asking. The retailer said it would fight the claims.",
        "Amazon Sued Over Alexa Voice Recordings",
        0,
    )
    meta = key(
        "A group of parents filed a complaint against Meta in California, arguing that the"
        " design of Instagram harms teenagers who use it late at night. Meta rejected that.",
        "Meta Sued Over Instagram Teen Harms",
        10,
    )
    assert matches(amazon, meta) == 0.0
    # Both leads with figures, none the same: two outages, not one.
    sized = key(
        OUTAGE.replace("most of", "12,000 orders on"), "Grocers stranded by Skyline outage", 0
    )
    resized = key(OUTAGE_B.replace("several", "3,400 orders in"), "Skyline outage: Northwind", 5)
    assert matches(sized, resized) == 0.0
    assert matches(sized, second) == LEAD_SCORE  # one lead without figures: nothing against it


def test_lead_scores_at_once_equal_one_pair_at_a_time() -> None:
    stories = tomllib.loads((REPO_STORIES / "reports.toml").read_text(encoding="utf-8"))["story"]
    rng = random.Random(4)
    keys = []
    for s in stories:
        found = story_key(s["text"], frozenset(), s["title"])
        if found is not None:
            # Spread over a week, so some leads that agree are too far apart.
            t = WHEN.timestamp() + s["hours"] * 3600 + rng.choice([0, 0, 4 * 86400])
            keys.append(replace(found, t=t if rng.random() > 0.1 else None))
    scores = match_scores(keys[:40], keys)
    assert scores.tolist() == [[matches(a, b) for b in keys] for a in keys[:40]]
    assert (scores == LEAD_SCORE).sum() >= 8  # the set has leads that agree, and they count


def row(aid: str, title: str, text: str, hours: float) -> dict[str, Any]:
    when = WHEN + timedelta(hours=hours)
    url = f"https://{aid}.example/news"
    return {
        "article_id": aid, "entry_key": aid, "entry_url": url, "url": url, "canonical_url": url,
        "title": title, "text": text, "text_source": "page", "published_at": when,
        "fetched_at": when, "fingerprint": None, "run_id": "r1",
    } | story_fields(story_key(text, frozenset(), title))  # fmt: skip


def test_the_warehouse_places_another_outlets_report_in_the_events_story(tmp_path: Path) -> None:
    """Stored in later batches: the other outlet's report joins the first report's story
    (the warehouse gives each key its article's time); the company's other story, and the
    same report seen four days later, stay stories of their own."""
    title = "Northwind Robotics raises $640 million at $5.2 billion valuation"
    batches = [
        [row("first", title, FIRST, 0)],
        [row("second", "Granite Peak leads $640m round in Northwind", SECOND, 20)],
        [row("other", "Northwind to supply picking arms to Brightcart", OTHER, 30)],
        [row("late", "Northwind Robotics' $640 million round, four days on", THIRD, 100)],
    ]
    found = placed_stories(tmp_path / "leads.duckdb", batches, STORY_RULE)
    assert found["second"] == "first"
    assert found["other"] == "other"
    assert found["late"] == "late"  # 80 hours after the second report: past LEAD_WINDOW


def test_a_title_case_headline_gives_no_names_its_text_does_not() -> None:
    """Two funding reports of the same size under Title Case headlines: "Raises" and "Series"
    are no names of theirs, so the shared "$10M" pairs with nothing they share."""
    acme = (
        "Acme, a start-up building robot chefs for restaurant chains, said on Monday it had"
        " raised $10 million from Granite Peak Capital and two angel investors, and would"
        " spend the money on its first kitchens in Denver and Austin this summer."
    )
    globex = (
        "Globex, which files taxes for freelancers, has raised $10 million from Harbor Lane"
        " Ventures, its chief executive said, as it prepares to expand beyond Ohio and add a"
        " bookkeeping service for small shops next year."
    )
    a = key(acme, "Acme Raises $10M Series A To Build Robot Chefs", 0)
    b = key(globex, "Globex Raises $10M Series A To Automate Tax Filing", 20)
    assert matches(a, b) == 0.0
    # The same reports under sentence-case headlines: still two stories (no name shared).
    c = key(acme, "Acme raises $10M to build robot chefs", 0)
    d = key(globex, "Globex raises $10M to automate tax filing", 20)
    assert matches(c, d) == 0.0


def test_a_valuation_in_the_aside_that_introduces_a_company_is_no_event_figure() -> None:
    """Wire reports open with the same aside about a company ("ChatGPT-maker OpenAI, valued at
    $500 billion, …"): two different events of one week, not one story. A round's own
    valuation and a deal's value still count."""
    sora = (
        "ChatGPT-maker OpenAI, valued at $500 billion, on Tuesday launched a social video app"
        " built on its Sora model, letting users make short clips of themselves and friends"
        " and share them in a feed much like TikTok's."
    )
    suit = (
        "ChatGPT-maker OpenAI, valued at $500 billion, was sued on Thursday by a group of"
        " novelists who say the company copied their books without permission to train the"
        " models behind its chatbot, according to a court filing in New York."
    )
    a = key(sora, "OpenAI launches Sora video app", 0)
    b = key(suit, "Novelists sue OpenAI over training data", 48)
    assert matches(a, b) == 0.0
    assert figures("Anthropic raised $13 billion at a $183 billion valuation.") == [
        "1.3e+10",
        "1.83e+11",
    ]
    assert figures("Meta agreed to buy Ridgeline in a deal valued at about $2.3 billion.") == [
        "2.3e+09"
    ]
