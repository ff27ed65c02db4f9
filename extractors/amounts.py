"""Money and years as the press writes them: "$4 billion", "US$2.5bn", "€1.7bn", "EUR 600
million", "£500m", "¥30 billion", "$24.1-billion", "$13bn-$14bn", "between $400 million and
$650 million", "up to", "more than", "an additional"; "in March 2024", "last year", "in 2019".

Amounts keep their currency and are converted to US dollars at the fixed rates of `USD_RATES`
(2024 annual averages, rounded: a ledger compares deals across years, so one fixed table is
fairer than the rate of each article's day, and it never needs the network). Only money with a
currency counts: "160 million shares", "one million TPUs" and "3.6 million chips" are not
amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# US dollars per unit of each currency: 2024 annual averages (ECB and Federal Reserve
# reference rates), rounded. Change them here and run `labwatch retag` to apply.
USD_RATES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.28,
    "JPY": 0.0066,
    "CNY": 0.139,
    "HKD": 0.128,
    "CAD": 0.73,
    "AUD": 0.66,
    "CHF": 1.14,
    "INR": 0.012,
    "KRW": 0.00073,
}

_SYMBOLS = {
    "us$": "USD", "usd": "USD", "$": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
    "¥": "JPY", "jpy": "JPY", "yen": "JPY", "rmb": "CNY", "cny": "CNY", "hk$": "HKD",
    "hkd": "HKD", "c$": "CAD", "ca$": "CAD", "cad": "CAD", "a$": "AUD", "aud": "AUD",
    "chf": "CHF", "₹": "INR", "inr": "INR", "₩": "KRW", "krw": "KRW",
    "dollars": "USD", "us dollars": "USD", "euros": "EUR", "pounds": "GBP", "won": "KRW",
    "yuan": "CNY", "rupees": "INR",
}  # fmt: skip
_UNITS = {
    "trillion": 1e12, "tn": 1e12, "trn": 1e12, "billion": 1e9, "bn": 1e9, "b": 1e9,
    "million": 1e6, "mn": 1e6, "m": 1e6, "mln": 1e6, "thousand": 1e3, "k": 1e3,
}  # fmt: skip

_CUR = r"(?:US\$|HK\$|CA?\$|A\$|[$€£¥₹₩]|(?:USD|EUR|GBP|JPY|RMB|CNY|HKD|CAD|AUD|CHF|INR|KRW)\s?)"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# Case-sensitive, with the cases the press uses written out: several times faster than
# IGNORECASE, which keeps the regex engine from skipping to the candidate characters.
_UNIT = (
    r"(?:[Tt]rillion|TRILLION|[Bb]illion|BILLION|[Mm]illion|MILLION|[Tt]housand|trn|tn|[Bb]n|BN|"
    r"[Mm]n|mln|[Bb]|[Mm]|[Kk])"
)
# ("won" only after a scale, as the pattern below reads it: "22.8 trillion won")
_WORD_CUR = r"(?:US\s+[Dd]ollars|[Dd]ollars|[Ee]uros|[Pp]ounds|[Yy]en|won|[Yy]uan|[Rr]upees)"
# One amount: "$4 billion", "$24.1-billion", "€1.7bn", "EUR 600 million", "5 billion dollars".
_ONE = (
    rf"(?:(?P<{{p}}cur>{_CUR})\s?(?P<{{p}}num>{_NUM})(?:\s?-?\s?(?P<{{p}}unit>{_UNIT})\b)?"
    rf"|(?P<{{p}}num2>{_NUM})\s?(?P<{{p}}unit2>{_UNIT})\s+(?P<{{p}}cur2>{_WORD_CUR})\b)"
)


def _one_re(prefix: str) -> str:
    return _ONE.replace("{p}", prefix)


_QUALIFIERS = {
    "up to": "up to", "as much as": "up to", "as many as": "up to",
    "at least": "at least", "a minimum of": "at least",
    "more than": "more than", "over": "more than", "above": "more than",
    "in excess of": "more than", "upwards of": "more than", "north of": "more than",
    "about": "about", "around": "about", "roughly": "about", "approximately": "about",
    "nearly": "about", "almost": "about", "close to": "about", "some": "about",
    "an estimated": "about", "an approximate": "about",
}  # fmt: skip
_QUALIFIER = "|".join(sorted(_QUALIFIERS, key=len, reverse=True)).replace(" ", r"\s+")
# Money on top of an earlier deal: "an additional $4 billion", "another $1bn", "a further".
_TRANCHE = r"additional|another|a\s+further|further|an\s+extra|extra|incremental|fresh"
# The amount itself, and a range after it ("$13bn-$14bn", "$10-12 billion"): searched first,
# since its first character is a currency sign, a letter of a code or a digit; what may stand
# before it ("an additional", "up to", "between") is read after, from the few words before
# (whole words: "the start-up to $4 billion" says no "up to").
AMOUNT = re.compile(
    _one_re("a")
    + rf"(?:\s*(?:-|–|to)\s*(?:{_one_re('b')}|(?P<bnum3>{_NUM})\s?(?P<bunit3>{_UNIT})\b))?"
)
_BEFORE = re.compile(
    rf"(?:(?<![\w-])(?P<tranche>(?:an\s+)?(?:{_TRANCHE}))\s+)?(?:(?<![\w-])(?P<qual>{_QUALIFIER})\s+)?"
    r"(?P<between>between\s+)?$",
    re.IGNORECASE,
)
# Every word `_BEFORE` looks for holds one of these: most amounts have none before them.
_BEFORE_STEMS = ("up", "as ", "at ", "more", "over", "above", "excess", "north", "about",
                 "around", "roughly", "approx", "nearly", "almost", "close", "some", "estimated",
                 "additional", "another", "further", "extra", "incremental", "fresh",
                 "between", "minimum")  # fmt: skip
_PLUS = re.compile(r"(?:-plus\b|\+(?!\w))", re.IGNORECASE)
_AND_SECOND = re.compile(r"\s+and\s+" + _one_re("d"), re.IGNORECASE)
# A cheap test before the full pattern: a currency sign or code, or a number with a unit.
MONEY_HINT = re.compile(
    r"[$€£¥₹₩]|\b(?:USD|EUR|GBP|JPY|RMB|CNY|CHF|HKD|CAD|AUD|INR|KRW|dollars|euros|pounds|yen|won|"
    r"[Yy]uan|[Rr]upees)\b"
)


@dataclass(frozen=True)
class Amount:
    """An amount as written (`low`, `high` in `currency`) and in US dollars."""

    low: float
    high: float
    currency: str
    qualifier: str  # "up to", "at least", "more than", "about" or ""
    tranche: bool  # "an additional", "another", "a further" ...
    start: int
    end: int

    @property
    def low_usd(self) -> float:
        return self.low * USD_RATES[self.currency]

    @property
    def high_usd(self) -> float:
        return self.high * USD_RATES[self.currency]


def _value(number: str, unit: str | None) -> float:
    return float(number.replace(",", "")) * (_UNITS[unit.lower()] if unit else 1.0)


def _one(g: dict[str, str | None], p: str) -> tuple[str, float, str | None]:
    """(currency, value, unit) of the amount whose groups start with `p`."""
    if g[f"{p}cur"]:
        number, unit, symbol = g[f"{p}num"], g[f"{p}unit"], g[f"{p}cur"]
    else:
        number, unit, symbol = g[f"{p}num2"], g[f"{p}unit2"], g[f"{p}cur2"]
    assert number is not None and symbol is not None
    return _currency(symbol), _value(number, unit), unit


def _currency(symbol: str) -> str:
    return _SYMBOLS[" ".join(symbol.lower().split())]


def find_amounts(text: str) -> list[Amount]:
    """Every amount of money in `text`, in order."""
    if not MONEY_HINT.search(text):
        return []
    found: list[Amount] = []
    last = 0
    for m in AMOUNT.finditer(text):
        g = m.groupdict()
        start, end = m.span()
        if start < last:  # the second amount of "between $X and $Y", read already
            continue
        words = text[max(0, start - 40) : start].lower()
        before = (
            _BEFORE.search(text, max(0, start - 60), start)
            if any(w in words for w in _BEFORE_STEMS)
            else None
        )
        currency, low, unit = _one(g, "a")
        high = low
        between = bool(before and before.group("between"))
        second = _AND_SECOND.match(text, end) if between else None
        if second:  # "between $400 million and $650 million"
            _, high, high_unit = _one(second.groupdict(), "d")
            end = second.end()
        elif g["bcur"] or g["bnum2"]:
            _, high, high_unit = _one(g, "b")
            if unit is None and high_unit:  # "$10 to $12 billion"
                low = _value(g["anum"], high_unit)
        elif g["bnum3"]:  # "$10-12 billion": the first number takes the second's unit
            high = _value(g["bnum3"], g["bunit3"])
            if unit is None:
                low = _value(g["anum"], g["bunit3"])
        if high < low:  # not a range after all ("$4bn-2" ...): keep the first amount
            high = low
        qual = before.group("qual") if before else None
        qualifier = _QUALIFIERS[" ".join(qual.lower().split())] if qual else ""
        plus = _PLUS.match(text, end)
        if plus:  # "a $500 million-plus round", "$1bn+": more than it says
            qualifier = qualifier or "more than"
            end = plus.end()
        if before and before.group() and (not between or second):
            start = before.start()
        found.append(
            Amount(
                low, high, currency, qualifier, bool(before and before.group("tranche")), start, end
            )
        )
        last = end
    return found


def parse_amount(text: str) -> tuple[float | None, float | None, str]:
    """The first amount in `text` in US dollars as (low, high, qualifier); (None, None, "")
    when there is none."""
    amounts = find_amounts(text)
    if not amounts:
        return None, None, ""
    a = amounts[0]
    return a.low_usd, a.high_usd, a.qualifier


# --- years

_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for m in names
}  # fmt: skip
_MONTH = (
    r"(?-i:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
# "founded in 2015" and "formed in 2021" date a company, not a deal.
_NOT_DEAL = r"(?<!founded )(?<!formed )(?<!established )(?<!born )(?<!launched )(?<!started )"
YEAR = re.compile(
    _NOT_DEAL + r"\b(?:(?P<prep>in|since|from|during|of)\s+(?:(?:early|late|mid-?)\s*)?"
    rf"(?:(?P<month>{_MONTH})\s+)?(?P<year>(?:19|20)\d\d)\b"
    rf"|(?P<rel>last|this|earlier\s+this|later\s+this|next)\s+(?P<span>year|month|{_MONTH})\b"
    rf"|\bin\s+(?P<bare>{_MONTH})(?!\s+\d))",
    re.IGNORECASE,  # "Last year", "In April 2023"; month names keep their capital
)


_YEAR_HINT = re.compile(r"(?:19|20)\d\d|year|month|last|this|next|\bin\s+[A-S]", re.IGNORECASE)


def find_year(text: str, today: date | None = None) -> int | None:
    """The year `text` puts an event in: "in 2019", "in March 2024", "since 2019"; with the
    article's date, also "last year", "this year", "last month", "last September" and "in
    March" (the latest March up to the article's date)."""
    if not _YEAR_HINT.search(text):
        return None  # the common case, one cheap search
    for m in YEAR.finditer(text):
        if m.group("year"):
            return int(m.group("year"))
        if today is None:
            continue
        if m.group("bare"):
            month = _MONTHS[m.group("bare").rstrip(".").lower()]
            return today.year if month <= today.month else today.year - 1
        rel, span = " ".join(m.group("rel").lower().split()), m.group("span").lower()
        if span == "year":
            return today.year + {"last": -1, "next": 1}.get(rel, 0)
        if span == "month":
            if rel == "last":
                return today.year - 1 if today.month == 1 else today.year
            return today.year if rel != "next" else today.year + (today.month == 12)
        month = _MONTHS[span.rstrip(".")]
        if rel == "last":  # "last September": the latest September before this month
            return today.year if month < today.month else today.year - 1
        if rel == "next":
            return today.year if month > today.month else today.year + 1
        return today.year
    return None
