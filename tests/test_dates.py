"""An article's date by a documented precedence (extractors/dates.py, docs/extraction.md): the
feed's exact date, then the page's metadata, then a date in the page's text; a year- or
month-only date never used; every date set aside named in the article's note (issue 21:
a footer's "Copyright 2026" moved articles of 2026-11-30 to 2026-01-01)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors.analyse import AnalysedArticle, analyse
from extractors.dates import FEED, PAGE_METADATA, PAGE_TEXT, choose_published, partial
from extractors.entities import Tagger, load_watchlist
from extractors.records import FeedEntry, PageInput
from flows import rows
from seeds import SEEDS_DIR
from warehouse.articles import append_batch
from warehouse.database import open_warehouse

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))
FEED_DATE = datetime(2025, 11, 30, 9, 30, tzinfo=UTC)
BODY = [
    "The laboratory said on its blog that the new model would reach customers in stages, "
    "starting with researchers and a small group of companies that had tested it.",
    "Engineers spent months on the release, which the company described as its most careful "
    "yet, with outside reviewers asked to probe the system before anyone could use it.",
    "Analysts said the move showed how much the field had changed, and how closely rivals "
    "now watch each other's launches, pricing and hiring.",
]
META = '<meta property="article:published_time" content="{}">'


def html(head: str = "", extra: str = "", footer: str = "Copyright 2025 News Example") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    return (
        f"<html><head><title>The release</title>{head}</head><body><article><h1>The release</h1>"
        f"{paragraphs}{extra}</article><footer><p>{footer}</p></footer></body></html>"
    )


def analysed(page: str, published: datetime | None = FEED_DATE) -> AnalysedArticle:
    url = "https://news.example/2025/the-release"
    item = FeedEntry(
        url=url, title="The release", guid=url, published=published, author="", summary="",
        content="",
    )  # fmt: skip
    return analyse(PageInput(item, url, page), TAGGER)


def test_a_copyright_year_never_overrides_the_feeds_date(tmp_path: Path) -> None:
    article = analysed(html())
    assert article.published == FEED_DATE
    assert article.published_source == FEED
    with open_warehouse(tmp_path / "w.duckdb") as con:
        arts, mentions, deals = rows.article_rows([article], "r", FEED_DATE, "v")
        append_batch(con, arts, [], mentions, deals)
        # The week of 2025-11-30, so that week's digest counts it.
        assert con.execute("SELECT iso_week FROM v_articles").fetchall() == [("2025-W48",)]
        stored = con.execute("SELECT published_at, published_source FROM articles").fetchall()
        assert stored == [(FEED_DATE, "feed")]


def test_a_year_only_date_is_never_used() -> None:
    article = analysed(html(), published=None)
    assert article.published is None
    assert article.published_source == ""
    assert "2025-01-01 is a year or month only: not used" in article.analysis_note


@pytest.mark.parametrize(
    ("feed", "head", "extra", "expected", "source", "note"),
    [
        # All three: the feed's.
        (FEED_DATE, META.format("2025-11-29T10:00:00+00:00"),
         "<p>It was first shown on November 27, 2025 in London.</p>",
         FEED_DATE, FEED, ""),
        # No feed date: the metadata's.
        (None, META.format("2025-11-29T10:00:00+00:00"),
         "<p>It was first shown on November 27, 2025 in London.</p>",
         datetime(2025, 11, 29, tzinfo=UTC), PAGE_METADATA, ""),
        # Neither: the text's.
        (None, "", "<p>It was first shown on November 27, 2025 in London.</p>",
         datetime(2025, 11, 27, tzinfo=UTC), PAGE_TEXT, ""),
        # A feed date in the future is implausible: the metadata's, and the note says why.
        (datetime(2031, 1, 5, tzinfo=UTC), META.format("2025-11-29T10:00:00+00:00"), "",
         datetime(2025, 11, 29, tzinfo=UTC), PAGE_METADATA, "feed date 2031-01-05 implausible"),
        # Metadata far from the feed's date: the feed's kept, the other named.
        (FEED_DATE, META.format("2025-06-03T10:00:00+00:00"), "", FEED_DATE, FEED,
         "page metadata date 2025-06-03 differs from the feed date: not used"),
        # A date on the 1st that the page writes out is a date, not a completed year.
        (None, META.format("2025-11-01T08:00:00+00:00"), "",
         datetime(2025, 11, 1, tzinfo=UTC), PAGE_METADATA, ""),
        # A month alone is not.
        (None, "", "<p>Reviewed for the November 2025 edition of the newsletter.</p>",
         None, "", "is a year or month only: not used"),
    ],
)  # fmt: skip
def test_date_precedence(
    feed: datetime | None,
    head: str,
    extra: str,
    expected: datetime | None,
    source: str,
    note: str,
) -> None:
    article = analysed(html(head, extra), published=feed)
    assert article.published == expected
    assert article.published_source == source
    assert note in article.analysis_note
    if not note:
        assert article.analysis_note == ""


def test_choose_published_without_a_page() -> None:
    now = datetime(2025, 12, 1, tzinfo=UTC)
    assert choose_published(FEED_DATE, None, now=now).value == FEED_DATE
    undated = choose_published(None, None, now=now)
    assert (undated.value, undated.source, undated.note) == (None, "", "")
    early = choose_published(datetime(1980, 1, 2, tzinfo=UTC), None, now=now)
    assert (early.value, early.note) == (None, "feed date 1980-01-02 implausible: not used")


@pytest.mark.parametrize(
    ("page", "is_partial"),
    [
        ("<footer>© 2025 News Example</footer>", True),
        ("<p>November 2025</p>", True),
        ("<time>2025-11-01</time>", False),
        ("<p>Published 1 November 2025</p>", False),
        ("<p>Published Nov. 1, 2025</p>", False),
        ("<p>Published November 1st, 2025</p>", False),
        ("<p>01.11.2025</p>", False),
        ("<p>11/01/2025</p>", False),
        ("https://news.example/20251101/story", False),
        ("<p>Published November 11, 2025</p>", True),  # the 11th is not the 1st
    ],
)
def test_a_first_of_the_month_counts_only_when_the_page_states_it(
    page: str, is_partial: bool
) -> None:
    assert partial(datetime(2025, 11, 1, tzinfo=UTC), page) is is_partial
    assert partial(datetime(2025, 11, 2, tzinfo=UTC), page) is False  # not the 1st: exact
