"""Extraction of the seed pages: the body text and metadata, none of the page chrome."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime

import pytest

from extractors.article import (
    MIN_TEXT_CHARS,
    extract_article,
    extract_previous,
    extract_with,
    extractor_name,
)
from tests.helpers import SEED_SLUGS, seed_html, seed_text

# Strings that appear only in the chrome around each seed article.
CHROME = [
    "minute read",
    "Read More",
    "More Must-Reads",
    "Write to",
    "will.henshall@time.com",
    "Sign Up Now",
    "newsletter",
    "We use cookies",
    "Accept all",
    "Privacy Policy",
    "Home",
    "Sunday, October 26, 2025",
    "dataLayer",
    "Subscribe",
]


def similarity(a: str, b: str) -> float:
    a, b = " ".join(a.split()), " ".join(b.split())
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_seed_page_yields_the_seed_body(slug: str) -> None:
    article = extract_article(seed_html(slug), f"http://127.0.0.1/{slug}.html")
    assert article is not None
    assert similarity(article.text, seed_text(slug)) >= 0.98
    for chrome in CHROME:
        assert chrome not in article.text, chrome


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_typography_survives_extraction(slug: str) -> None:
    article = extract_article(seed_html(slug), f"http://127.0.0.1/{slug}.html")
    assert article is not None
    expected = seed_text(slug)
    for char in "’“”—":
        assert article.text.count(char) == expected.count(char), char


def test_seed_metadata() -> None:
    article = extract_article(seed_html("amazon-anthropic-investment"), "http://127.0.0.1/a.html")
    assert article is not None
    assert article.title == (
        "Amazon’s Partnership With Anthropic Shows Size Matters in the AI Industry"
    )
    assert article.author == "Will Henshall"
    assert article.published == datetime(2023, 9, 25, tzinfo=UTC)
    assert article.site_name == "TIME"
    assert article.language == "en"
    assert article.page_canonical_url == "https://time.com/6317543/amazon-anthropic-ai-deal/"


def test_page_without_article_text_gives_none() -> None:
    html = b"<html><body><nav><a href='/'>Home</a></nav><p>Too short.</p></body></html>"
    assert extract_article(html, "http://example.com/") is None
    assert len("Too short.") < MIN_TEXT_CHARS


def test_seed_expected_text_is_byte_faithful_to_the_shared_seed() -> None:
    from pathlib import Path

    shared = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    source = (shared / "000_e875e917db4d3da2.txt").read_text(encoding="utf-8")
    for paragraph in seed_text("amazon-anthropic-investment").split("\n\n"):
        assert paragraph in source
    source = (shared / "004_ea06f82f3a19bced.txt").read_text(encoding="utf-8")
    expected = seed_text("ai-labs-big-tech-backers")
    assert expected.count("\u00a0") == 3
    for paragraph in expected.split("\n\n"):
        assert paragraph in source


def test_the_extractor_is_named_and_single_settings_still_work() -> None:
    html = seed_html(SEED_SLUGS[0])
    article = extract_article(html, "http://127.0.0.1/a.html")
    assert article is not None and article.page_kind == "article"
    assert article.extractor == extractor_name("tables")
    alone = extract_with(html, "http://127.0.0.1/a.html", "precision")
    assert alone is not None and alone.extractor == extractor_name("precision")
    assert similarity(alone.text, seed_text(SEED_SLUGS[0])) >= 0.98
    assert extract_previous(html, "http://127.0.0.1/a.html") == alone
