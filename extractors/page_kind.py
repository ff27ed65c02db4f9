"""Is a fetched page an article? Home pages, section and tag indexes, search results, product
grids and cookie-consent walls are not: their text is not stored as an article's.

Measured on the 779 article pages of WCXB's dev split (none may be called anything but an
article) and on the labelled non-article pages of tests/fixtures/page_kind (docs/extraction.md
has the figures). The rules are few on purpose: each reads one thing a person would look at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lxml.html import HtmlElement

ARTICLE, INDEX, PRODUCTS, CONSENT = "article", "index", "products", "consent"
PAGE_KINDS = (ARTICLE, INDEX, PRODUCTS, CONSENT)

# Words of consent dialogs, several languages; a page must use many different ones.
_CONSENT_TERMS = re.compile(
    r"\b(cookies?|consent\w*|partners?|vendors?|personali[sz]ed|advertising|privacy|"
    r"preferences|accept(?: all)?|reject(?: all)?|personal data|device|"
    r"einwilligung|zustimm\w*|datenschutz|partenaires|consentement|"
    r"transparency (?:&|and) consent framework)\b",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"(?:[$£€¥]\s?\d{1,5}(?:[.,]\d{2})?\b|\b\d{1,5}(?:[.,]\d{2})\s?(?:€|EUR|USD|zł|kr)(?!\w))"
)
_WORD = re.compile(r"\w+")
_HEADINGS = frozenset(("h1", "h2", "h3", "h4"))
_SKIP = frozenset(("script", "style", "noscript", "template", "svg", "head", "title"))
# schema.org types that say "a list of things", and those that say "one text".
_LIST_TYPES = frozenset(
    ("CollectionPage", "SearchResultsPage", "ProfilePage", "ItemList", "OfferCatalog")
)
_TEXT_TYPES = re.compile(r"Article|BlogPosting|Report|Review|Recipe|HowTo|NewsArticle|Posting")


@dataclass(frozen=True)
class PageSignals:
    page_words: int  # visible words of the page
    link_words: int  # of which inside links
    headline_links: int  # distinct link targets whose text reads like a headline (4+ words)
    heading_links: int  # distinct link targets in or around a heading (h1-h4): teasers
    prices: int  # price strings in the visible text
    list_type: bool  # schema.org says the page is a collection, results, profile or list
    text_type: bool  # schema.org or og:type says the page is an article
    body_words: int  # words of the extracted text
    prose_words: int  # words of the extracted text in lines of 25+ words (paragraphs)
    consent_terms: int  # distinct consent words in the extracted text
    consent_hits: int  # consent words in the extracted text, with repeats
    linked_words: int  # words of the extracted text in lines that are a link's text on the page


def _types(tree: HtmlElement) -> tuple[set[str], str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("@type")
            for k in kind if isinstance(kind, list) else [kind]:
                if isinstance(k, str):
                    found.add(k)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            walk(json.loads(script.text or ""))
        except ValueError:
            continue
    og = tree.find(".//meta[@property='og:type']")
    return found, (og.get("content") or "").strip().lower() if og is not None else ""


def signals(tree: HtmlElement, text: str) -> PageSignals:
    """Measure the page (its tree) and the text extracted from it."""
    page_words = link_words = prices = 0
    headlines: set[str] = set()
    anchors: set[str] = set()
    teasers: set[str] = set()
    # Depth first, with the target of the link each element is in (None: in none); the
    # subtrees of skipped elements are never entered.
    stack: list[tuple[HtmlElement, str | None]] = [(tree, None)]
    while stack:
        el, link = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or not tag:
            continue
        if tag == "a":
            link = (el.get("href") or "").strip()
        in_link = link is not None
        if tag in _HEADINGS:
            if link is not None:
                teasers.add(link)
            teasers.update((a.get("href") or "").strip() for a in el.iterdescendants("a"))
        if el.text and el.text.strip():
            n = len(_WORD.findall(el.text))
            page_words += n
            link_words += n if in_link else 0
            prices += len(_PRICE.findall(el.text))
        if tag == "a":
            href = link or ""
            words = _WORD.findall(el.text_content().lower())
            anchors.add(" ".join(words))
            if len(words) >= 4 and href and not href.startswith(("#", "javascript:", "mailto:")):
                headlines.add(href)
        for child in reversed(el):
            if child.tail and child.tail.strip():
                n = len(_WORD.findall(child.tail))
                page_words += n
                link_words += n if in_link else 0
                prices += len(_PRICE.findall(child.tail))
            stack.append((child, link))
    found, og_type = _types(tree)
    body_words = len(_WORD.findall(text))
    prose = sum(n for line in text.splitlines() if (n := len(_WORD.findall(line))) >= 25)
    linked = 0
    for line in text.splitlines():
        words = _WORD.findall(line.lower())
        linked += len(words) if words and " ".join(words) in anchors else 0
    terms = [m.lower() for m in _CONSENT_TERMS.findall(text)]
    return PageSignals(
        page_words=page_words,
        link_words=link_words,
        headline_links=len(headlines),
        heading_links=len(teasers - {""}),
        prices=prices,
        list_type=bool(found & _LIST_TYPES),
        text_type=any(_TEXT_TYPES.search(t) for t in found) or og_type == "article",
        body_words=body_words,
        prose_words=prose,
        consent_terms=len({t.rstrip("s") for t in terms}),
        consent_hits=len(terms),
        linked_words=linked,
    )


def classify(s: PageSignals) -> str:
    """article, or the kind of non-article page; see the module docstring."""
    # A consent wall: a short text made of consent words (a recipe for cookies uses one).
    if s.consent_terms >= 5 and s.body_words < 600 and s.consent_hits * 15 >= s.body_words:
        return CONSENT
    # The page says it is an article: believed, but for consent walls in front of one.
    if s.text_type or s.prose_words >= 100:
        return ARTICLE
    # A product grid: prices everywhere, little else.
    if s.prices >= 6 and s.prices * 20 >= s.body_words:
        return PRODUCTS
    # An index: schema.org says it is a list, or the page is mostly links to other pages and
    # the text found in it is those links again, or teasers under linked headings with no
    # paragraph of prose beyond a one-line summary.
    if s.list_type:
        return INDEX
    links_page = s.headline_links >= 6 and s.link_words * 2 >= s.page_words
    links_text = s.linked_words * 3 >= s.body_words
    teasers = s.heading_links >= 5 and s.prose_words < 40
    return INDEX if links_page and (links_text or teasers) else ARTICLE


def page_kind(tree: HtmlElement, text: str) -> str:
    return classify(signals(tree, text))
