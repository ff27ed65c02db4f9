"""Article extraction: a fetched page becomes an `Article` (text, metadata, and what kind of
page it is) from trafilatura and the candidates that check it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from extractors import candidates, disclosure, selection, streamed
from extractors.candidates import trafilatura_name
from extractors.charset import decode_html
from extractors.dates import parse_date
from extractors.page_kind import ARTICLE, page_kind

BASE = "tables"  # the trafilatura setting whose text the per-page choice starts from
# Below this many characters an extraction is treated as failed.
MIN_TEXT_CHARS = 200

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
    extractor: str  # which candidate produced the text (see `extractor_name`)
    page_kind: str = ARTICLE  # article, or index / products / consent (extractors/page_kind.py)


def _language(html: bytes | str) -> str:
    head = html[:4096].encode("utf-8", "ignore") if isinstance(html, str) else html[:4096]
    m = _HTML_LANG.search(head)
    return m.group(1).decode("ascii").replace("_", "-").split("-")[0].lower() if m else ""


def extractor_name(setting: str) -> str:
    """What is stored in `articles.extractor` for a trafilatura setting alone."""
    return trafilatura_name(setting)


VOTE = f"{trafilatura_name(BASE)}+{candidates.READABILITY}+{candidates.RESILIPARSE}"
# What `articles.extractor` says when one candidate's whole text replaced trafilatura's.
WHOLE = {
    selection.RESILIPARSE: candidates.RESILIPARSE,
    selection.READABILITY: candidates.READABILITY,
    candidates.BASELINE: trafilatura_name(candidates.BASELINE),
    candidates.JUSTEXT: candidates.JUSTEXT,
}


def extract_article(html: bytes | str, url: str) -> Article | None:
    """The page's text and metadata, or None when no usable text is found.

    The page is parsed once; trafilatura's text is the base, resiliparse's (cheap) says
    whether it missed part of the body, and then readability's is asked too and the
    lines both hold are added (extractors/selection.py). When trafilatura took the wrong
    part of the page as a whole, another candidate's whole text replaces it. `page_kind`
    says whether the page is an article at all; the caller decides what to do with a page
    that is not.
    """
    page = html if isinstance(html, str) else decode_html(html, "")
    # A page streamed in parts (React) has its later parts hidden at its foot until a script
    # moves them: done here, so that every candidate sees the page as a browser shows it.
    page = streamed.assemble(page)
    tree = candidates.parse(page)
    if tree is None:
        return None
    # Collapsed panels (accordions, FAQ answers) are part of the body a reader opens: shown
    # to the tree-based candidates as to the reader (extractors/disclosure.py).
    disclosure.reveal(tree)
    meta = candidates.metadata(tree, url)
    base = candidates.trafilatura_text(tree, url, BASE)
    choice = selection.choose(
        base,
        candidates.resiliparse_text(page),
        lambda: candidates.readability_text(tree),
        lambda: {
            candidates.BASELINE: candidates.baseline_text(tree),
            candidates.JUSTEXT: candidates.justext_text(page),
        },
    )
    text = selection.without_headline(choice.text.strip(), meta.title)
    kind = page_kind(tree, text)
    # A page that is not an article comes back whatever its length, so the caller knows.
    if len(text) < MIN_TEXT_CHARS and kind == ARTICLE:
        return None
    if choice.source:
        extractor = WHOLE[choice.source]
    else:
        extractor = VOTE if choice.added else trafilatura_name(BASE)
    return _article(html, url, meta, text, extractor, kind)


def extract_with(html: bytes | str, url: str, setting: str) -> Article | None:
    """Extract with one named trafilatura setting alone; None under MIN_TEXT_CHARS."""
    tree = candidates.parse(html)
    if tree is None:
        return None
    text = candidates.trafilatura_text(tree, url, setting)
    if len(text) < MIN_TEXT_CHARS:
        return None
    meta = candidates.metadata(tree, url)
    return _article(html, url, meta, text, trafilatura_name(setting), ARTICLE)


def extract_previous(html: bytes | str, url: str) -> Article | None:
    """What labwatch 0.1 ran: `precision`, then `recall` when it found under 200 characters.
    Kept so `labwatch eval extraction` can compare against it in the same run."""
    return extract_with(html, url, "precision") or extract_with(html, url, "recall")


def _article(
    html: bytes | str,
    url: str,
    meta: candidates.Metadata,
    text: str,
    extractor: str,
    kind: str,
) -> Article:
    canonical = meta.canonical_url if meta.canonical_url and meta.canonical_url != url else ""
    return Article(
        url=url,
        page_canonical_url=canonical,
        title=meta.title,
        author=meta.author,
        published=parse_date(meta.date),
        site_name=meta.site_name,
        language=meta.language or _language(html),
        text=text,
        extractor=extractor,
        page_kind=kind,
    )
