"""Candidate extractors: each turns one parsed page into a plain text, under a stable name.

`extractors/article.py` runs some of them on a page and `extractors/selection.py` picks one
text per page. The page is parsed once (lxml, through trafilatura's loader); candidates that
modify the tree get a copy. trafilatura 2.x (with its fork of readability) and resiliparse 2.0
are Apache-2.0, jusText 3.0 (installed with trafilatura, which uses it as its own fallback) is
BSD-2-Clause: all compatible with our MIT licence.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from functools import cache
from typing import Any

import justext  # type: ignore[import-untyped]
import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement
from resiliparse.extract.html2text import extract_plain_text
from trafilatura.settings import use_config

from extractors import readability

# trafilatura settings by name (always without comments): `labwatch eval extraction` scores
# each one alone as well as the per-page choice that uses some of them.
SETTINGS: dict[str, dict[str, bool]] = {
    "precision": {"favor_precision": True},
    "precision-fast": {"favor_precision": True, "fast": True},
    "default": {"include_tables": False},
    "recall": {"favor_recall": True},
    "fast": {"fast": True},
    "precision-tables": {"favor_precision": True, "include_tables": True},
    "tables": {"include_tables": True},  # trafilatura's own default: tables are body text
}

_CONFIG = use_config()
# No signal-based timeout: extraction may run in worker threads, where signals are not allowed.
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")

# trafilatura's fork of readability-lxml with our rules (extractors/readability.py). Texts
# stored before it replaced readability-lxml itself say "readability-lxml-0.9".
READABILITY = f"trafilatura-{trafilatura.__version__}:readability"
RESILIPARSE = "resiliparse-2.0"
JUSTEXT = "justext-3.0"
BASELINE = "baseline"  # trafilatura's `baseline`: JSON-LD articleBody, <article>, or all <p>

# Block elements: a line break before and after each when a fragment becomes text.
_BLOCKS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 br tr td th blockquote pre section article ul ol table "
    "figcaption dd dt".split()
)


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    date: str | None
    site_name: str
    language: str
    canonical_url: str


def trafilatura_name(setting: str) -> str:
    """What `articles.extractor` says for a trafilatura setting: library, version, setting."""
    return f"trafilatura-{trafilatura.__version__}:{setting}"


def parse(html: bytes | str) -> HtmlElement | None:
    """The page as an lxml tree (trafilatura's loader: encoding, broken markup), or None."""
    tree = trafilatura.utils.load_html(html)
    return tree if isinstance(tree, HtmlElement) else None


def metadata(tree: HtmlElement, url: str) -> Metadata:
    # Not htmldate's extensive search: it reads a footer's "Copyright 2026" as 2026-01-01,
    # and costs seconds on some pages; extractors/dates.py searches the text only when
    # neither the feed nor the page's metadata dates the article.
    doc = trafilatura.metadata.extract_metadata(tree, url, extensive=False)
    return Metadata(
        title=(doc.title or "").strip(),
        author=(doc.author or "").strip(),
        date=doc.date,
        site_name=(doc.sitename or "").strip(),
        language=doc.language or "",
        canonical_url=doc.url or "",
    )


def trafilatura_text(tree: HtmlElement, url: str, setting: str) -> str:
    """trafilatura with one named setting (it copies the tree itself)."""
    options: dict[str, Any] = {"include_comments": False, "include_tables": False}
    options.update(SETTINGS[setting])
    doc = trafilatura.bare_extraction(tree, url=url or None, config=_CONFIG, **options)
    if doc is None or isinstance(doc, dict):
        return ""
    return (doc.text or "").strip()


def readability_text(tree: HtmlElement) -> str:
    """Readability's scoring of paragraphs by their container (trafilatura's fork, with the
    rules of extractors/readability.py); "" when it fails: a second opinion that breaks must
    not cost the page its base text."""
    try:
        summary = readability.summary(tree)
    except Exception:  # lxml errors on hostile markup
        return ""
    return fragment_text(summary)


def resiliparse_text(html: str) -> str:
    """resiliparse's main-content heuristics (its own fast DOM parser, on the page string);
    "" when it fails, as for readability."""
    try:
        text = extract_plain_text(html, main_content=True, preserve_formatting=True)
    except Exception:  # its parser on hostile markup
        return ""
    return str(text).strip()


def baseline_text(tree: HtmlElement) -> str:
    """trafilatura's `baseline` (not its extraction: the page's JSON-LD `articleBody`, else its
    `<article>`, else all its paragraphs); "" when it fails."""
    try:
        text = trafilatura.baseline(deepcopy(tree))[1]
    except Exception:  # lxml errors on hostile markup
        return ""
    return str(text).strip()


@cache
def _stoplist() -> frozenset[str]:
    return frozenset(justext.get_stoplist("English"))


def justext_text(html: str) -> str:
    """jusText's paragraphs that are not boilerplate (stopword density and link density per
    paragraph, English stoplist); "" when it fails."""
    try:
        paragraphs = justext.justext(html, _stoplist())
    except Exception:  # its parser on hostile or empty markup
        return ""
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate).strip()


def fragment_text(fragment: str) -> str:
    """An HTML fragment as text: one line per block element, whitespace collapsed."""
    if not fragment.strip():
        return ""
    try:
        root = lxml.html.fromstring(fragment)
    except (ValueError, lxml.etree.ParserError):
        return ""
    parts: list[str] = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BLOCKS:
            parts.append("\n")
        if el.text and tag and tag not in ("script", "style"):
            parts.append(el.text)
        if tag in _BLOCKS:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)
