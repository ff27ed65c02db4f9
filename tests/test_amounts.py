"""Money and years as the press writes them (extractors/amounts.py)."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.amounts import USD_RATES, find_amounts, find_year

Written = tuple[float, float, str, str, bool]  # low, high, currency, qualifier, tranche


def written(text: str) -> list[Written]:
    return [(a.low, a.high, a.currency, a.qualifier, a.tranche) for a in find_amounts(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$4 billion", [(4e9, 4e9, "USD", "", False)]),
        ("US$2.5bn", [(2.5e9, 2.5e9, "USD", "", False)]),
        ("€1.7bn", [(1.7e9, 1.7e9, "EUR", "", False)]),
        ("EUR 600 million", [(600e6, 600e6, "EUR", "", False)]),
        ("£500m", [(500e6, 500e6, "GBP", "", False)]),
        ("¥30 billion", [(30e9, 30e9, "JPY", "", False)]),
        ("$1.5B and $350M", [(1.5e9, 1.5e9, "USD", "", False), (350e6, 350e6, "USD", "", False)]),
        ("$7 trillion", [(7e12, 7e12, "USD", "", False)]),
        ("5 billion dollars", [(5e9, 5e9, "USD", "", False)]),
        ("a $24.1-billion acquisition", [(24.1e9, 24.1e9, "USD", "", False)]),
        ("$2,500,000", [(2.5e6, 2.5e6, "USD", "", False)]),
        # ranges
        ("$13bn-$14bn", [(13e9, 14e9, "USD", "", False)]),
        ("$10-12 billion", [(10e9, 12e9, "USD", "", False)]),
        ("$15 billion to $20 billion", [(15e9, 20e9, "USD", "", False)]),
        ("between $400 million and $650 million", [(400e6, 650e6, "USD", "", False)]),
        # qualifiers, normalised
        ("up to $4 billion", [(4e9, 4e9, "USD", "up to", False)]),
        ("as much as $10 billion", [(10e9, 10e9, "USD", "up to", False)]),
        ("at least $13 billion", [(13e9, 13e9, "USD", "at least", False)]),
        ("more than $10 billion", [(10e9, 10e9, "USD", "more than", False)]),
        ("roughly $2.7 billion", [(2.7e9, 2.7e9, "USD", "about", False)]),
        # money on top of an earlier deal
        ("an additional $4 billion", [(4e9, 4e9, "USD", "", True)]),
        ("a further $6.5 billion", [(6.5e9, 6.5e9, "USD", "", True)]),
        ("another $1bn", [(1e9, 1e9, "USD", "", True)]),
        # two amounts side by side stay two ("$5 billion and $10 billion, respectively")
        ("$5 billion and $10 billion", [(5e9, 5e9, "USD", "", False), (10e9, 10e9, "USD", "", False)]),
        # not money
        ("160 million shares", []),
        ("one million TPUs", []),
        ("billions of dollars", []),
    ],
)  # fmt: skip
def test_amounts(text: str, expected: list[Written]) -> None:
    assert written(text) == expected


def test_non_dollar_amounts_convert_at_the_fixed_rates() -> None:
    (a,) = find_amounts("€1.7bn")
    assert a.low_usd == pytest.approx(1.7e9 * USD_RATES["EUR"])
    assert USD_RATES["USD"] == 1.0
    # every currency the parser knows has a rate
    for text in ("¥1", "£1", "C$1", "HK$1", "CHF 1", "₹1", "RMB 1", "A$1"):
        (b,) = find_amounts(text)
        assert b.currency in USD_RATES, text


@pytest.mark.parametrize(
    ("text", "today", "year"),
    [
        ("in 2019", None, 2019),
        ("in March 2024", None, 2024),
        ("since 2019", None, 2019),
        ("In April 2023", None, 2023),
        ("founded in 2015", None, None),  # dates the company, not a deal
        ("last year", None, None),  # relative: needs the article's date
        ("last year", date(2024, 1, 10), 2023),
        ("Last year", date(2025, 6, 2), 2024),
        ("this year", date(2025, 6, 2), 2025),
        ("earlier this year", date(2025, 6, 2), 2025),
        ("last month", date(2024, 1, 10), 2023),
        ("last month", date(2024, 3, 10), 2024),
        ("last September", date(2024, 3, 28), 2023),
        ("in March", date(2025, 6, 2), 2025),  # the latest March up to the article
        ("in September", date(2025, 6, 2), 2024),
        ("in may cases", date(2025, 6, 2), None),  # "may" is no month
    ],
)
def test_years(text: str, today: date | None, year: int | None) -> None:
    assert find_year(text, today) == year
