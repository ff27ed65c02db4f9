"""Article extraction: a fetched page becomes an `Article` (text and metadata) with trafilatura."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import trafilatura
from trafilatura.settings import use_config

from extractors.dates import parse_date

# Candidate trafilatura settings, by name. `labwatch eval extraction DIR` scores each against
# ground truth; the choice below is what measured best (docs/extraction.md has the figures).
SETTINGS: dict[str, dict[str, bool]] = {
    "precision": {"favor_precision": True},
    "precision-fast": {"favor_precision": True, "fast": True},
    "default": {},
    "recall": {"favor_recall": True},
    "fast": {"fast": True},
    "precision-tables": {"favor_precision": True, "include_tables": True},
}
PRIMARY = "precision"  # best F1 on the corpus, with trafilatura's fallback algorithms on
FALLBACK = "recall"  # when the primary finds too little: keeps more, at some precision
# Below this many characters an extraction is treated as failed and the next one is tried.
MIN_TEXT_CHARS = 200

_CONFIG = use_config()
# No signal-based timeout: extraction may run in worker threads, where signals are not allowed.
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
# `Article.published` is the page's metadata date only: htmldate's text search (which turns a
# footer's "Copyright 2026" into 2026-01-01) is left to extractors/dates.py, which runs it
# only when neither the feed nor the metadata dates the article.
_CONFIG.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")

_HTML_LANG = re.compile(
    rb"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", re.I
)


@dataclass(frozen=True)
class Article:
    url: str  # the URL the page was fetched from (after redirects)
    page_canonical_url: str  # the page's own rel=canonical / og:url, when it declares one
    title: str
    author: str
    published: datetime | None
    site_name: str
    language: str
    text: str
    extractor: str


def _language(html: bytes | str) -> str:
    head = html[:4096].encode("utf-8", "ignore") if isinstance(html, str) else html[:4096]
    m = _HTML_LANG.search(head)
    return m.group(1).decode("ascii").replace("_", "-").split("-")[0].lower() if m else ""


def extractor_name(setting: str) -> str:
    """What is stored in `articles.extractor`: library, version and setting."""
    return f"trafilatura-{trafilatura.__version__}:{setting}"


def extract_article(html: bytes | str, url: str) -> Article | None:
    """The page's text and metadata with the primary setting, or the fallback setting when
    the primary finds too little; None when neither finds usable text."""
    return extract_with(html, url, PRIMARY) or extract_with(html, url, FALLBACK)


def extract_with(html: bytes | str, url: str, setting: str) -> Article | None:
    """Extract with one named setting; None when it yields less than MIN_TEXT_CHARS."""
    options: dict[str, Any] = {"include_comments": False, "include_tables": False}
    options.update(SETTINGS[setting])
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, config=_CONFIG, **options)
    if doc is None or isinstance(doc, dict):
        return None
    text = (doc.text or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        return None
    canonical = doc.url if doc.url and doc.url != url else ""
    return Article(
        url=url,
        page_canonical_url=canonical,
        title=(doc.title or "").strip(),
        author=(doc.author or "").strip(),
        published=parse_date(doc.date),
        site_name=(doc.sitename or "").strip(),
        language=(doc.language or _language(html)),
        text=text,
        extractor=extractor_name(setting),
    )
