"""Pages that are not articles: the labelled pages of tests/fixtures/page_kind (see its README)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors.analyse import FEED_SUMMARY, analyse
from extractors.article import extract_article
from extractors.entities import Tagger, load_watchlist
from extractors.page_kind import ARTICLE, CONSENT, INDEX, PAGE_KINDS, PRODUCTS
from extractors.records import FeedEntry, PageInput
from flows import rows
from seeds import SEEDS_DIR
from tests.helpers import SEED_SLUGS, seed_html
from warehouse.articles import append_batch
from warehouse.database import open_warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "page_kind"
LABELS: dict[str, str] = json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))


def kind_of(html: bytes) -> str:
    article = extract_article(html, "https://news.example/page")
    return article.page_kind if article else ARTICLE


def test_every_fixture_is_labelled_with_a_known_kind() -> None:
    assert sorted(LABELS) == sorted(p.name for p in FIXTURES.glob("*.html"))
    assert set(LABELS.values()) <= set(PAGE_KINDS)


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_the_seed_articles_are_articles(slug: str) -> None:
    assert kind_of(seed_html(slug)) == ARTICLE


def test_no_labelled_article_is_called_anything_else() -> None:
    for name, label in LABELS.items():
        if label == ARTICLE:
            assert kind_of((FIXTURES / name).read_bytes()) == ARTICLE, name


def test_most_non_articles_are_recognised_and_never_as_the_wrong_kind() -> None:
    found: Counter[str] = Counter()
    for name, label in LABELS.items():
        if label == ARTICLE:
            continue
        kind = kind_of((FIXTURES / name).read_bytes())
        assert kind in (label, ARTICLE), f"{name}: {kind}, labelled {label}"
        found[kind == label] += 1
    # docs/extraction.md: 10 of the 13 (a blog home, a tag archive and a video hub are missed).
    assert found[True] >= 10, found
    for kind in (INDEX, PRODUCTS, CONSENT):
        assert any(
            kind_of((FIXTURES / n).read_bytes()) == kind for n, lab in LABELS.items() if lab == kind
        ), kind


def test_a_consent_wall_is_stored_with_the_feed_text_instead(tmp_path: Path) -> None:
    tagger = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))
    url = "https://harbour.example/news/ferry-timetable"
    entry = FeedEntry(url, "Council approves new ferry timetable", url, None, "",
                      "Crossings every twenty minutes from June, the council decided.", "")  # fmt: skip
    html = (FIXTURES / "consent_cmp_wall.html").read_bytes()
    result = analyse(PageInput(entry, url, html=html), tagger)
    assert (result.page_kind, result.text_source, result.extractor) == (
        CONSENT,
        FEED_SUMMARY,
        "feed",
    )
    assert result.text.startswith("Crossings every twenty minutes")
    assert result.title == "Council approves new ferry timetable"
    assert "partners" not in result.text and result.page_error == ""
    other = "https://harbour.example/news/another"
    article = analyse(PageInput(replace(entry, url=other, guid=other), other,
                                html=seed_html(SEED_SLUGS[0])), tagger)  # fmt: skip
    assert (article.page_kind, article.text_source) == (ARTICLE, "page")
    failed = analyse(
        PageInput(
            replace(entry, url=url + "/2", guid=url + "/2", summary="Another story."),
            page_error="HTTP 503",
        ),
        tagger,
    )
    assert failed.page_kind == ""
    # In the warehouse: the column, and v_articles showing it.
    when = datetime(2024, 5, 13, tzinfo=UTC)
    arts, mentions, deals = rows.article_rows([result, article, failed], "r", when, "v")
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, arts, [], mentions, deals)
        stored = con.execute(
            "SELECT a.url, a.page_kind, a.extractor, v.page_kind FROM articles a"
            " JOIN v_articles v USING (article_id) ORDER BY a.url"
        ).fetchall()
    # by URL: .../another (the seed article), .../ferry-timetable (the wall), .../2 (failed)
    assert [(k, v) for _, k, _, v in stored] == [
        (ARTICLE, ARTICLE),
        (CONSENT, CONSENT),
        (None, None),
    ]
    assert stored[0][2].startswith("trafilatura-") and stored[1][2] == "feed"
