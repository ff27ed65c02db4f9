"""The latest time a stretch of text dates itself to: "in 1994", "the 1960s", "June 1965",
"the 19th century", "480 BC".

A name that is also something older ("Thinking Machines", the 1980s supercomputer maker;
"Gemini 4", NASA's 1965 flight; "Claude", a painter's letter of 1910) is told from the
entity by when its sentence happens: an entity named in a sentence set decades before it
existed is another thing (extractors/senses_resolver.py reads `latest_year` for the
watchlist's `since`).

Only years a reader takes for a time count: a year after a word that introduces one ("in",
"since", "by", a month, "born" ...), a decade ("the 1980s", "the '60s"), a century, a year
before Christ. A bare four-digit number is not a year here ("1500 stores", "a 1080p
screen", "2000 GPUs"): a number read as a year would date a sentence it does not date.
"""

from __future__ import annotations

import re

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Words after which a four-digit number is a year: prepositions of time, seasons, "born".
_CUES = (
    "in|In|by|By|until|till|from|From|during|During|circa|c\\.|around|early|"
    "late|mid|spring|summer|autumn|fall|winter|Spring|Summer|Autumn|Winter|born|died|"
    "founded|established|before|after|Before|After|through|of|year|the year|between"
)
_YEAR = r"(?P<y>1\d{3}|20\d\d)"
# "in 1994", "in June 1965", "on 3 May 1937", "by early 1942", "from 1914 to 1918": the
# number must not go on as a number ("in 1994.5", "in 1,500") nor count a plural thing
# ("in 1500 stores").
_AFTER_CUE = re.compile(
    rf"\b(?:{_CUES}|{_MONTHS})\.?\s+(?:(?:the\s+)?(?:early|late|mid)[- ])?"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?:(?:{_MONTHS})\.?\s+)?{_YEAR}"
    r"(?![\d,.]\d)(?!\s+[A-Za-z]+s\b)(?!\s*(?:MW|GW|km|kg|mph|GB|TB|ft|m\b))"
)
# "(1914-1918)", "(born 1903)": a year that opens a bracket and a range.
_RANGE = re.compile(rf"\(\s*{_YEAR}\s*[-–—]\s*(?P<to>1\d{{3}}|20\d\d|\d\d)\s*\)")
# "from 1914 to 1918", "between 1965 and 1966": the range's end.
_SPAN = re.compile(
    rf"\b(?:from|between)\s+(?:1\d{{3}}|20\d\d)\s+(?:to|and|until)\s+{_YEAR}\b(?![\d,.]\d)"
)
# "since 1968", "since the late 1960s": from then to now.
_SINCE = re.compile(r"\b[Ss]ince\s+(?:the\s+)?(?:(?:early|late|mid)[- ])?(?:1\d{3}|20\d\d)")
# "the 1980s", "the mid-1960s", "1990s": a decade; "the '60s", "the 60s".
_DECADE = re.compile(r"(?<![\d$€£¥.,])\b(?P<y>1\d{2}0|20[0-9]0)s\b")
_SHORT_DECADE = re.compile(r"(?:\bthe\s+|[’'‘])(?P<d>[3-9]0)s\b")
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-first": 21,
}  # fmt: skip
# "the 19th century", "the fifth century BC".
_CENTURY = re.compile(
    r"\b(?P<n>\d{1,2})(?:st|nd|rd|th)[- ]century\b(?P<bc>\s+(?:BC|BCE|B\.C\.))?"
    r"|\b(?P<w>" + "|".join(_ORDINALS) + r")[- ]century\b(?P<wbc>\s+(?:BC|BCE|B\.C\.))?",
    re.IGNORECASE,
)
# "480 BC", "in 1400 BCE".
_BC = re.compile(r"\b(?P<y>\d{1,4})\s?(?:BC|BCE|B\.C\.)(?![A-Za-z])")


# What `latest_year` answers for a text set up to now ("since 1968").
NOW = 9999


def latest_year(text: str, lo: int = 0, hi: int | None = None) -> int | None:
    """The latest year text[lo:hi] dates itself to (a decade or a century by its last
    year, a year before Christ as a negative number), or None when it names no time."""
    hi = len(text) if hi is None else hi
    # Most sentences hold no digit and no "century": one test before the patterns run.
    chunk = text[lo:hi]
    if not any(c.isdigit() for c in chunk) and "entury" not in chunk:
        return None
    if _SINCE.search(chunk):
        return NOW  # a time from then to now dates nothing before now
    years: list[int] = []
    years.extend(int(m.group("y")) for m in _AFTER_CUE.finditer(chunk))
    years.extend(int(m.group("y")) for m in _SPAN.finditer(chunk))
    for m in _RANGE.finditer(chunk):
        to = m.group("to")  # "(1840-1926)", "(1965-66)"
        years.append(int(to) if len(to) == 4 else int(m.group("y")[:2] + to))
    years.extend(int(m.group("y")) + 9 for m in _DECADE.finditer(chunk))
    years.extend(1900 + int(m.group("d")) + 9 for m in _SHORT_DECADE.finditer(chunk))
    for m in _CENTURY.finditer(chunk):
        n = int(m.group("n")) if m.group("n") else _ORDINALS[m.group("w").lower()]
        bc = m.group("bc") or m.group("wbc")
        years.append(-(n - 1) * 100 if bc else n * 100 - 1)
    years.extend(-int(m.group("y")) for m in _BC.finditer(chunk))
    return max(years) if years else None
