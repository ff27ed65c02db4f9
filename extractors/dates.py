"""An article's publication date: which source wins, and which dates are never used.

Precedence, best first (docs/extraction.md, "Dates"):

1. `feed`: the feed entry's own date (feedparser's published, else updated), a timestamp the
   publisher gave this item;
2. `page_metadata`: the page's metadata date, read with the article by trafilatura through
   htmldate *without* its text search: the URL, meta tags, JSON-LD, `<time>` and date elements;
3. `page_text`: a date htmldate finds in the page's text (its extensive search), sought only
   when neither of the above gives a usable date.

A date is used only when it is plausible (`sane_date`: not before the first web page, at
most a day ahead of now) and exact to the day. htmldate fills a missing day and month with 1
("Copyright 2026" in a footer becomes 2026-01-01, "November 2026" becomes 2026-11-01), so a
date on the 1st counts only when the page writes that day out; a year- or month-only date is
never used, so it can never override an exact one, and when it is all there is the article
is undated (the warehouse then dates it by when it was fetched). Every date set aside, and
every later candidate that disagrees with the chosen one by more than `AGREE_WINDOW`, is
named in the note stored with the article (`articles.analysis_note`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from htmldate import find_date

FEED, PAGE_METADATA, PAGE_TEXT = "feed", "page_metadata", "page_text"

EARLIEST = datetime(1991, 8, 6, tzinfo=UTC)  # the first web page
FUTURE_SLACK = timedelta(days=1)  # clocks and time zones: a day ahead is still plausible
# Two sources within this much of each other agree (time zones, a feed stamping the hour it
# published, a page its day); beyond it, the date kept and the one set aside are recorded.
AGREE_WINDOW = timedelta(days=2)
# The text search reads at most this much of the page: a date in the text sits by the
# headline and byline, and a hostile page is not searched end to end.
TEXT_SEARCH_CHARS = 500_000

_MONTHS = (
    "january february march april may june july august september october november december"
).split()


@dataclass(frozen=True)
class Published:
    value: datetime | None
    source: str  # FEED, PAGE_METADATA, PAGE_TEXT, or "" when undated
    note: str  # the dates set aside and why ("" when none was)


def sane_date(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """The date if it is plausible for a news article (not in the future, not before the web)."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    return value if EARLIEST <= value <= now + FUTURE_SLACK else None


def parse_date(value: str | None) -> datetime | None:
    """An ISO date or timestamp (as htmldate and trafilatura give it) in UTC; None if not one."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _day_pattern(value: datetime) -> re.Pattern[str]:
    y, m = value.year, value.month
    name = _MONTHS[m - 1]
    sept = r"|sept\.?" if m == 9 else ""
    month = rf"(?:{name}|{name[:3]}\.?{sept})"
    forms = [
        rf"(?<!\d){y}[-/.]0?{m}[-/.]0?1(?!\d)",  # 2026-11-01, 2026/11/1
        rf"(?<!\d){y}{m:02}01(?!\d)",  # 20261101, in URLs and timestamps
        rf"(?<!\d)0?1[-/.]0?{m}[-/.]{y}(?!\d)",  # 01.11.2026 (day first)
        rf"(?<!\d)0?{m}[-/.]0?1[-/.]{y}(?!\d)",  # 11/01/2026 (month first)
        rf"(?<![\w])(?:0?1|1st|first)\.?\s+(?:of\s+)?{month},?\s+{y}(?!\d)",  # 1 November 2026
        rf"\b{month}\s+(?:0?1|1st)(?!\d),?\s+{y}(?!\d)",  # November 1, 2026
    ]
    return re.compile("|".join(forms), re.IGNORECASE)


def partial(value: datetime, html: str) -> bool:
    """Whether `value`, found in the page `html`, is a year or month htmldate completed with
    the 1st (rather than a date the page states): a date on the 1st the page never writes."""
    return value.day == 1 and _day_pattern(value).search(html) is None


def text_date(html: str, url: str = "") -> datetime | None:
    """A date found in the page's text by htmldate's extensive search (the URL, markup and
    text patterns, the copyright line last); None when it finds none."""
    try:
        found = find_date(
            html[:TEXT_SEARCH_CHARS], extensive_search=True, original_date=True, url=url or None
        )
    except Exception:  # htmldate/lxml on hostile markup: no date, not a failed article
        return None
    return parse_date(found)


def as_text(html: str | bytes | None) -> str:
    if html is None:
        return ""
    return html.decode("utf-8", "replace") if isinstance(html, bytes) else html


def choose_published(
    feed: datetime | None,
    metadata: datetime | None,
    html: str | bytes | None = None,
    url: str = "",
    now: datetime | None = None,
    search_text: Callable[[str, str], datetime | None] = text_date,
) -> Published:
    """The article's publication date by the precedence above, with the note of what was set
    aside. `metadata` is the page's metadata date (Article.published); `html` the page, for
    telling stated days from completed ones and for the text search."""
    now = now or datetime.now(UTC)
    page = as_text(html)
    notes: list[str] = []

    def usable(where: str, value: datetime | None, exact: bool) -> datetime | None:
        if value is None:
            return None
        label = f"{_name(where)} date {value:%Y-%m-%d}"
        if sane_date(value, now) is None:
            notes.append(f"{label} implausible: not used")
        elif not exact and partial(value, f"{url}\n{page}"):
            notes.append(f"{label} is a year or month only: not used")
        else:
            return value
        return None

    # A feed's date is a field of its own, never completed from a year: exact by nature.
    found = [
        (FEED, usable(FEED, feed, True)),
        (PAGE_METADATA, usable(PAGE_METADATA, metadata, False)),
    ]
    picks = [(where, value) for where, value in found if value is not None]
    if not picks and page:  # the text search only when neither gave a date
        value = usable(PAGE_TEXT, search_text(page, url), False)
        picks = [(PAGE_TEXT, value)] if value is not None else []
    if not picks:
        return Published(None, "", "; ".join(notes))
    source, chosen = picks[0]
    for where, value in picks[1:]:
        if abs(value - chosen) > AGREE_WINDOW:
            kept = _name(source)
            notes.append(
                f"{_name(where)} date {value:%Y-%m-%d} differs from the {kept} date: not used"
            )
    return Published(chosen, source, "; ".join(notes))


def _name(source: str) -> str:
    return source.replace("_", " ")
