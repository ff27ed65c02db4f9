"""URL canonicalisation and the article key."""

from __future__ import annotations

import pytest

from extractors.urls import canonical_url, url_key


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.COM/a", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#section", "https://example.com/a"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://example.com/a?id=7&fbclid=x&gclid=y", "https://example.com/a?id=7"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"),
        ("https://example.com/A/Path", "https://example.com/A/Path"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_key_is_shared_by_spellings_of_one_url() -> None:
    assert url_key("https://Example.com/a?utm_campaign=x#top") == url_key("https://example.com/a")
    assert url_key("https://example.com/a") != url_key("https://example.com/b")
    assert len(url_key("https://example.com/a")) == 32
