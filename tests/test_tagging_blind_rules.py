"""The rules added after the blind set (tests/data/tagging_blind.jsonl), each on sentences
written for the test in both senses: a shop's price after a name, the company's programmes
and devices after "in the Amazon" or as "Amazon Fire", smart-home platforms beside Alexa,
and the industry's words (Linux, workloads) beside Azure."""

from __future__ import annotations

import pytest

from extractors.entities import Tagger, load_watchlist
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.entity, text[m.start : m.end]) for m in TAGGER.tag(text)]


@pytest.mark.parametrize(
    "text",
    [
        # A listing's price right after the name, with another sense's word near it.
        "Trailhead Expedition Tent, 3 person: View at Amazon $249",
        "River rafting dry bag, 20 litres: Amazon £39.99",
        # The company's programmes and services after "in the Amazon".
        "Our blog takes part in the Amazon Associates programme for book links.",
        "Sellers enrolled in the Amazon Marketplace Fulfilment scheme pay a monthly fee.",
        # Its devices.
        "The app runs on iPads, Android tablets and Amazon Fire tablets.",
        # "fires" the verb: the company dismissing people.
        "Amazon fires 300 warehouse staff after the strike.",
        "Amazon fires its head of devices.",
    ],
)
def test_amazon_the_shop(text: str) -> None:
    assert ("amazon", "Amazon") in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Loggers cleared more land in the Amazon Basin last year.",
        "Researchers counted every Amazon fire seen from orbit in August.",
        "Amazon fires burned across two states in September.",
        "Smoke from Amazon fires reached the coast.",
        "The expedition spent six weeks in the Amazon.",
    ],
)
def test_amazon_the_forest(text: str) -> None:
    assert not any(e == "amazon" for e, _ in _found(text))


def test_alexa_beside_smart_home_platforms() -> None:
    assert ("alexa", "Alexa") in _found("Pairs with SmartThings, IFTTT and Alexa routines")
    assert _found("Alexa Chung wore a vintage dress to the premiere.") == []


def test_azure_beside_the_industrys_words() -> None:
    assert ("azure", "Azure") in _found("Move Linux workloads to Azure without downtime")
    assert not any(e == "azure" for e, _ in _found("The Azure Window in Malta collapsed."))
