"""The times a text gives: "in 1994", "the 1960s", "June 1965", "the 19th century", "480
BC".

A name that is also something older ("Thinking Machines", the 1980s supercomputer maker;
"Gemini 4", NASA's 1965 flight) is told from the entity by when its sentence happens: a name
acting in a sentence set decades before its entity existed is another thing
(extractors/senses_resolver.py reads `time_at` where the tagger's pass found a year, against
the watchlist's `since`).

Only times a reader takes for the sentence's count: a year after a word that introduces one
("in", "by", "until", a month, "founded" ...), a decade ("the 1980s", "the '60s"), a century,
a year before Christ; "since 1968" runs to now. A bare four-digit number is not a year here
("1500 stores", "a 1080p screen", "2000 GPUs"), nor the time of a thing or a person the
sentence names ("letters written during the 1860s", "records from 1950", "born in 1931"): a
number read as a year would date a sentence it does not date.
"""

from __future__ import annotations

import re

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Words after which a four-digit number is a year: prepositions of time, seasons, "founded".
_CUES = (
    "in|In|by|By|until|till|during|During|circa|c\\.|around|early|"
    "late|mid|spring|summer|autumn|fall|winter|Spring|Summer|Autumn|Winter|"
    "founded|established|before|after|Before|After|through|year|between"
)
_YEAR = r"(?P<y>1\d{3}|20\d\d)"
_NOT_BEFORE = (
    frozenset("0123456789$€£¥.,_")
    | frozenset(map(chr, range(65, 91)))
    | frozenset(map(chr, range(97, 123)))
)
# "in 1994", "in June 1965", "on 3 May 1937", "by early 1942": the words before the year,
# read in Python (a regex anchored at the year's start is tried at every offset before it).
_CUE_WORDS = frozenset(w.replace("\\", "") for w in _CUES.split("|"))
_MONTH_WORDS = frozenset(_MONTHS.split("|"))
_PART_WORDS = frozenset(("early", "late", "mid", "the"))
# A time that dates a thing the sentence names, not what the sentence tells: "letters
# written during the 1860s", "a cookbook first published in 1962", "census records from
# 1950", "born in 1931". Not read as the sentence's time.
_MADE = frozenset(
    """written published printed taken built made recorded painted composed drawn shot filmed
    produced dating dated collected issued minted manufactured designed born died from""".split()
)
_OF_WORDS = frozenset(
    "spring summer autumn fall winter year class end start beginning middle turn".split()
) | frozenset(m.lower() for m in _MONTHS.split("|"))
_DAY = re.compile(r"\d{1,2}(?:st|nd|rd|th)?,?")
# The number must not go on as a number ("in 1994.5", "in 1,500") nor count a plural thing
# ("in 1500 stores") or a unit.
_NOT_A_YEAR_AFTER = re.compile(
    r"[\d,.]\d|\s+(?!(?:this|was|has|its|his|is|as|does|thus|plus|across|always|perhaps|"
    r"unless|less|Mass)\b)[A-Za-z]+s\b|\s*(?:MW|GW|km|kg|mph|GB|TB|ft|m\b)"
)
# "(1840-1926)", "(1965-66)": a year that opens a bracket and a range, read by its end.
_RANGE = re.compile(rf"\(\s*{_YEAR}\s*[-–—]\s*(?P<to>1\d{{3}}|20\d\d|\d\d)\s*\)")
# "the '60s", "the 60s".
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


def _cue(text: str, at: int) -> str:
    """What the words right before a number at `at` make of it: "since" (a time from then
    to now), "year" (a year: "in 1994", "June 1965", "on 3 May 1937", "by early 1942", "the
    mid-1960s", "from 1914 to 1918"), or "" (a number, or a thing's time: "published in
    1962", "records from 1950", "born in 1931")."""
    if at and text[at - 1] == "-":  # "mid-1960s", "early-1990s"
        head = text[max(0, at - 7) : at - 1].split()
        words = text[max(0, at - 48) : at - 1].split()
        if not head or head[-1].lower() not in _PART_WORDS:
            return ""
    elif at and text[at - 1].isspace():
        words = text[max(0, at - 48) : at].split()
    else:
        return ""
    # "from 1914 to 1918": the end of a range whose start is a year after "from"
    if (
        len(words) >= 3
        and words[-1] in ("to", "and", "until")
        and words[-3].lower() in ("from", "between")
        and len(words[-2]) == 4
        and words[-2].isdigit()
        and words[-2][0] in "12"
    ):
        return "" if len(words) >= 4 and words[-4].lower() in _MADE else "year"
    # A thing's time: a word of making within the three words before ("written during the").
    if any(w.lower().rstrip(",") in _MADE for w in words[-4:]):
        return ""
    # Back over a day, a month, "the", "early": the word before them is the cue.
    i = len(words) - 1
    while i >= 0 and (
        words[i].lower() in _PART_WORDS
        or _DAY.fullmatch(words[i])
        or words[i].rstrip(".,") in _MONTH_WORDS
    ):
        if words[i].rstrip(".,") in _MONTH_WORDS:
            # a month says a year follows ("June 1965", "3 May 1937")
            return "since" if i and words[i - 1].lower() == "since" else "year"
        i -= 1
    if i < 0:
        return ""
    word = words[i].rstrip(",")
    if word.lower() == "since":
        return "since"
    if word == "of":  # "the spring of 1910", "the class of 1998"; not "a staff of 1500 people"
        return "year" if i and words[i - 1].lower().rstrip(",") in _OF_WORDS else ""
    if word in _CUE_WORDS or word.lower() in _CUE_WORDS:
        return "year"
    return ""


def time_at(text: str, at: int, end: int, late: int = 2100) -> int | None:
    """The time given by the number or word at text[at:end] (one of TIME_KEYS as written),
    or None when it gives none: a year after its cue ("in 1994"), a decade by its last year
    ("the 1980s"), a century by its last ("the 19th century"), a year before Christ as a
    negative number ("480 BC"), a time from then to now ("since 1968") as NOW. A year from
    `late` to 2099 is taken as it stands, its words not read: for a reader that asks only
    whether a text is set before `late`, it can only say no."""
    word = text[at:end]
    if word[:1].isdigit():
        if at and text[at - 1] in _NOT_BEFORE:
            return None  # inside a number or a word: "11994", "$1994", "A1994"
        if len(word) <= 3:  # "the '60s", "the 60s"
            short = _SHORT_DECADE.search(text, max(0, at - 6), end)
            return 1900 + int(short.group("d")) + 9 if short else None
        year = int(word[:4])
        if year >= late:
            return year
        cue = _cue(text, at)
        if cue == "since":
            return NOW  # a time from then to now dates nothing before now
        if len(word) == 5:  # "the 1980s" (not "letters written in the 1860s")
            made = any(
                w.lower().rstrip(",") in _MADE for w in text[max(0, at - 40) : at].split()[-3:]
            )
            return year + 9 if year % 10 == 0 and not made else None
        if text.startswith(("BC", " BC", "B.C.", " B.C."), end):
            return -year
        if _NOT_A_YEAR_AFTER.match(text, end):
            return None
        if cue:
            return year
        if text[at - 1 : at] == "(" or text[max(0, at - 2) : at].strip() == "(":
            r = _RANGE.match(text, text.rindex("(", 0, at))
            if r:  # "(1840-1926)": by its end
                to = r.group("to")
                return int(to) if len(to) == 4 else int(r.group("y")[:2] + to)
        return None
    if word.lower().startswith("centur"):
        c = _CENTURY.search(text, max(0, at - 16), end + 6)
        if c is None:
            return None
        n = int(c.group("n")) if c.group("n") else _ORDINALS[c.group("w").lower()]
        return -(n - 1) * 100 if c.group("bc") or c.group("wbc") else n * 100 - 1
    # "BC": the number before it (from 1000 on, read with the number)
    bc = _BC.search(text, max(0, at - 6), end + 1)
    return -int(bc.group("y")) if bc and len(bc.group("y")) < 4 else None


# The numbers and words a time is found by: what `time_at` reads. As keys of an
# Aho-Corasick automaton (extractors/senses_resolver.py), found in the tagger's own pass.
TIME_KEYS = frozenset(
    [str(y) for y in range(1000, 2100)]
    + [f"{d}s" for d in range(1000, 2100, 10)]
    + [f"{d}s" for d in range(30, 100, 10)]
    + ["century", "centuries", "bc", "bce", "b.c."]
)
# The same, for a text read on its own (`times`).
_CANDIDATES = re.compile(
    r"(?<![\w$€£¥.,])(?:1\d{3}|20\d\d)s?(?!\w)|(?<!\w)[3-9]0s\b|"
    r"\bcentur(?:y|ies)\b|\bB\.?C\.?E?(?!\w)",
    re.IGNORECASE,
)


def times(text: str, late: int = 2100) -> list[tuple[int, int]]:
    """Every time text gives (see `time_at`), as (offset, year) in order of offset."""
    found = []
    for m in _CANDIDATES.finditer(text):
        year = time_at(text, m.start(), m.end(), late)
        if year is not None:
            found.append((m.start(), year))
    found.sort()
    return found


def latest_year(text: str, lo: int = 0, hi: int | None = None) -> int | None:
    """The latest year text[lo:hi] dates itself to (see `time_at`), or None when it names no
    time."""
    found = times(text[lo:hi] if hi is not None else text[lo:])
    return max(year for _, year in found) if found else None
