"""Deal extraction on the seeds and amount parsing."""

from __future__ import annotations

import pytest

from extractors.deals import find_deals, parse_amount
from extractors.entities import Tagger, load_watchlist
from seeds import SEEDS_DIR
from tests.helpers import seed_text


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def deals_in(tagger: Tagger, text: str) -> set[tuple[str, str, str, float | None, str]]:
    return {
        (d.kind, d.investor, d.target, d.amount_usd, d.qualifier)
        for d in find_deals(text, tagger.tag(text))
    }


def test_first_seed_deals(tagger: Tagger) -> None:
    assert deals_in(tagger, seed_text("amazon-anthropic-investment")) == {
        ("investment", "amazon", "anthropic", 4e9, "up to"),
        ("investment", "salesforce", "anthropic", None, ""),
        ("investment", "microsoft", "openai", 13e9, "reportedly"),
        ("acquisition", "google", "google-deepmind", 400e6, "reportedly"),
    }


def test_acquisition_range_and_year(tagger: Tagger) -> None:
    text = seed_text("amazon-anthropic-investment")
    (deal,) = [d for d in find_deals(text, tagger.tag(text)) if d.kind == "acquisition"]
    assert (deal.amount_usd, deal.amount_max_usd, deal.year) == (400e6, 650e6, 2014)
    assert deal.evidence.startswith("DeepMind, another AI model developer, was acquired by Google")


def test_second_seed_deals(tagger: Tagger) -> None:
    assert deals_in(tagger, seed_text("ai-labs-big-tech-backers")) == {
        ("investment", "microsoft", "openai", 13e9, "at least"),
        ("investment", "salesforce", "anthropic", None, ""),
        ("acquisition", "google", "google-deepmind", None, ""),
    }


def test_no_deal_without_two_parties(tagger: Tagger) -> None:
    assert deals_in(tagger, "Microsoft and Amazon have invested in smaller companies.") == set()
    assert deals_in(tagger, "OpenAI was acquired by nobody in 2014.") == set()


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
