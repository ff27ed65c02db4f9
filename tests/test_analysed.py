"""What the analysis pool sends back (flows/analysed.py: mentions and deals as rows, built in
the worker) makes the same warehouse rows as the analysed articles themselves."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from extractors.analyse import AnalysedArticle, analyse
from extractors.entities import Tagger, load_watchlist
from extractors.records import FeedEntry, PageInput
from flows import rows
from flows.analysed import Analysed, batch_rows, with_rows
from flows.analysis_pool import POOL_THRESHOLD, Analyser
from seeds import SEEDS_DIR
from tests.helpers import SEED_SLUGS, seed_html

WATCHLIST = load_watchlist(SEEDS_DIR / "watchlist.toml")
WHEN = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _pages() -> list[PageInput]:
    """The seed articles (many mentions, deals with amounts, roles and ranges), a page that
    failed (the feed's summary, a deal in it) and one with no text at all."""
    summary = "Microsoft invested $1 billion in OpenAI, the summary says. Anthropic too."
    pages = [
        PageInput(
            FeedEntry(
                f"https://example.com/{n}", "Title on OpenAI", f"g{n}", WHEN, "", summary, ""
            ),
            f"https://example.com/{n}",
            seed_html(slug),
        )
        for n, slug in enumerate(SEED_SLUGS)
    ]
    failed = FeedEntry("https://example.com/x", "Amazon and Anthropic", "x", None, "", summary, "")
    empty = FeedEntry("https://example.com/y", "", "y", None, "", "", "")
    return [*pages, PageInput(failed, page_error="timed out"), PageInput(empty, page_error="404")]


@pytest.fixture(scope="module")
def analysed() -> list[AnalysedArticle]:
    tagger = Tagger(WATCHLIST)
    return [analyse(p, tagger) for p in _pages()]


def test_rows_equal_those_of_the_articles(analysed: list[AnalysedArticle]) -> None:
    assert sum(len(a.mentions) for a in analysed) > 100 and sum(len(a.deals) for a in analysed)
    # Through pickle, as the rows cross from a worker.
    shipped = pickle.loads(pickle.dumps([with_rows(a, WATCHLIST.version) for a in analysed]))
    expected = rows.article_rows(analysed, "run", WHEN, WATCHLIST.version)
    assert batch_rows(shipped, "run", WHEN, WATCHLIST.version) == expected
    # Rows in the same order and with the same keys in the same order (the warehouse's
    # columns are the keys as met).
    for got, want in zip(
        batch_rows(shipped, "run", WHEN, WATCHLIST.version), expected, strict=True
    ):
        assert [list(r) for r in got] == [list(r) for r in want]


def test_rows_under_another_id_or_version(analysed: list[AnalysedArticle]) -> None:
    """An upgrade stores the page's mentions and deals under the stored article's id; a
    store under another watchlist version gets rows of that version."""
    a = analysed[0]
    shipped = with_rows(a, WATCHLIST.version)
    assert shipped.mention_rows("stored", "v2") == rows.mention_rows("stored", a.mentions, "v2")
    assert shipped.deal_rows("stored") == rows.deal_rows("stored", a.deals)
    assert batch_rows([shipped], "run", WHEN, "v2") == rows.article_rows([a], "run", WHEN, "v2")
    assert shipped.mentions == rows.mention_rows(a.article_id, a.mentions, WATCHLIST.version)
    assert shipped.article.mentions == () and shipped.article.deals == ()


def test_pool_and_inline_send_the_same(analysed: list[AnalysedArticle]) -> None:
    pages = _pages() * POOL_THRESHOLD
    with Analyser(WATCHLIST, workers=2) as pooled:
        on_pool = pooled(pages)
        assert pooled._pool is not None and pooled._tagger is None
    assert all(isinstance(a, Analysed) for a in on_pool)
    expected = rows.article_rows(analysed * POOL_THRESHOLD, "run", WHEN, WATCHLIST.version)
    assert batch_rows(on_pool, "run", WHEN, WATCHLIST.version) == expected
    assert Analyser(WATCHLIST, workers=1)(pages) == on_pool
