"""What a text names, for story keys: the capitalised words inside its sentences (people,
companies, places, products) and its figures, read by the names part of a story key
(extractors/stories.py) and by its lead part (extractors/story_leads.py)."""

from __future__ import annotations

import re
from collections import Counter

from extractors import compiled
from extractors.records import Watchlist

CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april"
    " may june july august september october november december".split()
)
# A name or figure: a token starting with a letter or digit, with the letters, digits and
# joiners names and figures carry ("F-150", "16-inch", "1.5", "O'Brien"). This and the
# sentence starts below are read in C too (extractors/story_scan.pyx `name_tokens`): an edit
# here goes there as well (tests/test_story_scan.py fails until it does).
_TOKEN = re.compile(r"[^\W_][\w'’.-]*")
# A sentence's first token: after the text's start (_HEAD_TOKEN) or a sentence break (white
# space after . ! ?, or a new line: _FIRST_TOKEN), past what starts no token. The break is
# matched as white space first, which the regex engine finds by a fast scan (an alternation
# with the text's start and a look-behind it tried at every character: 0.19 against 0.11 ms
# for WCXB's pages, the same tokens).
_HEAD_TOKEN = re.compile(r"[\W_]*?([^\W_][\w'’.-]*)")
_FIRST_TOKEN = re.compile(r"\s(?:(?<=[.!?]\s)|(?<=\n))[\W_]*?([^\W_][\w'’.-]*)")
_YEAR = re.compile(r"(?:19|20)\d\d")


def name_words(watchlist: Watchlist) -> frozenset[str]:
    """The lowercased words of the watchlist's names and aliases, which `names` leaves out."""
    return frozenset(
        word.lower()
        for e in watchlist.entities
        for alias in (e.name, *e.aliases, *e.aliases_ignore_case)
        for word in alias.split()
    )


def capitalised(text: str) -> list[str]:
    """The capitalised words of a text, lowercased, in the order met, wherever they stand."""
    return [t.rstrip(".’'").lower() for t in _TOKEN.findall(text) if t[:1].isupper()]


def sentence_starts(text: str) -> list[str]:
    """The first token of each of the text's sentences."""
    head = _HEAD_TOKEN.match(text)
    if head is None:  # no token at all
        return []
    return [head.group(1), *_FIRST_TOKEN.findall(text, head.end())]


def names(text: str, common: frozenset[str] = frozenset()) -> set[str]:
    """What a text names, lowercased: the capitalised words that do not start a sentence
    (people, companies, places, products) and the numbers other than years; not days,
    months, nor the words of `common` (`name_words` of the watchlist)."""
    # A capitalised word counts when it stands somewhere other than a sentence's start.
    if (scan := compiled.SCAN) is not None:  # the same tokens from C (story_scan.pyx)
        found, first = scan.name_tokens(text)
        starts = Counter(t for t, f in zip(found, first, strict=True) if f)
    else:
        found = [t.rstrip(".’'") for t in _TOKEN.findall(text) if not t[0].islower()]
        starts = Counter(t.rstrip(".’'") for t in sentence_starts(text))
    capitals = Counter(t for t in found if t[:1].isupper() and len(t) > 1)
    named = {t.lower() for t, n in capitals.items() if n > starts[t]}
    named.update(t for t in found if t[:1].isdigit() and not _YEAR.fullmatch(t))
    return named - CALENDAR - common
