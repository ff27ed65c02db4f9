"""Readability's container scoring, as the second opinion on trafilatura's text.

trafilatura ships a minimal fork of readability-lxml (`trafilatura.readability_lxml`,
Apache-2.0) for its own fallback. We use it instead of readability-lxml 0.9, whose
requirement `lxml[html-clean]` an older pip (23.2, Python 3.11's venv) cannot reconcile with
jusText's `lxml[html_clean]` (one extra, two spellings), so a fresh install failed.

The fork alone scores 0.806 F1 on the WCXB pages against readability-lxml 0.9's 0.891
(docs/extraction.md): it lacks four rules that readability-lxml added since the fork. They are
written again here, in our own words, on the fork's class (`_Scored`):

- an element whose class or id looks like chrome ("header", "comment"...) is not removed when
  it holds an `<article>` or `<main>`, or is code: broken markup often leaves the whole body
  inside an unclosed `<header>`;
- when the best container is not inside an `<article>` and a `<main>` around it holds at least
  twice its text (and 500 characters) with few links, the `<main>` is taken;
- the body cut into segments, one per section, each in its own wrapper (the same tag and
  class as the best container, scoring at least a fifth of it, few links) is kept whole,
  not just its best segment;
- a page where no container scores, or whose result is under 250 characters, is tried again
  without removing likely chrome first.
"""

from __future__ import annotations

from copy import deepcopy

from lxml.html import HtmlElement
from trafilatura.readability_lxml import REGEXES, Candidate, Document, text_length

RETRY_CHARS = 250  # a summary shorter than this (markup included) is tried again, leniently
SEGMENT_SHARE = 0.2  # a segment scores at least this share of the best container's score
SEGMENT_LINKS = 0.2  # and at most this share of its text is in links
MAIN_LINKS = 0.15  # a <main> taken instead of the best container has at most this link share
MAIN_MIN_CHARS = 500

_KEEP = (
    "ancestor-or-self::pre | ancestor-or-self::code"
    " | descendant-or-self::main | descendant-or-self::article"
)


class _NoContainer(Exception):
    """No paragraph scored: the page is tried again, leniently."""


class _Scored(Document):
    __slots__ = ()

    def remove_unlikely_candidates(self) -> None:
        verdicts: dict[str, bool] = {}
        for elem in self.doc.findall(".//*"):
            attrs = " ".join(filter(None, (elem.get("class"), elem.get("id")))).lower()
            if len(attrs) < 2 or elem.tag in ("html", "body"):
                continue
            if attrs not in verdicts:
                verdicts[attrs] = bool(REGEXES["unlikelyCandidatesRe"].search(attrs)) and not (
                    REGEXES["okMaybeItsACandidateRe"].search(attrs)
                )
            if verdicts[attrs] and not elem.xpath(_KEEP):
                elem.drop_tree()

    def select_best_candidate(self, candidates: dict[HtmlElement, Candidate]) -> Candidate | None:
        best: Candidate | None = super().select_best_candidate(candidates)
        if best is None:
            raise _NoContainer
        ancestors = list(best.elem.iterancestors())
        if any(elem.tag == "article" for elem in [best.elem, *ancestors]):
            return best
        main = next((elem for elem in ancestors if elem.tag == "main"), None)
        if (
            main is None
            or text_length(main) < max(MAIN_MIN_CHARS, 2 * text_length(best.elem))
            or self.get_link_density(main) > MAIN_LINKS
        ):
            return best
        candidates[main] = self.score_node(main)
        return candidates[main]

    def get_article(
        self, candidates: dict[HtmlElement, Candidate], best_candidate: Candidate
    ) -> HtmlElement:
        output: HtmlElement = super().get_article(candidates, best_candidate)
        best = best_candidate.elem
        if not best.get("class"):
            return output
        threshold = max(10, best_candidate.score * SEGMENT_SHARE)
        taken = set(output.iter())
        for candidate in list(candidates.values()):
            elem = candidate.elem
            if (
                elem in taken
                or elem.tag != best.tag
                or elem.get("class") != best.get("class")
                or candidate.score < threshold
                or self.get_link_density(elem) > SEGMENT_LINKS
                or any(a in taken for a in elem.iterancestors())
                or any(d in taken for d in elem.iterdescendants())
            ):
                continue
            output.append(elem)  # moves it: the tree is the caller's copy
            taken.update(elem.iter())
        return output


class _Lenient(_Scored):
    """The retry: likely chrome is scored with the rest instead of removed first."""

    __slots__ = ()

    def remove_unlikely_candidates(self) -> None:
        return None

    def select_best_candidate(self, candidates: dict[HtmlElement, Candidate]) -> Candidate | None:
        try:
            return super().select_best_candidate(candidates)
        except _NoContainer:
            return None  # the fork then returns the whole body


def summary(tree: HtmlElement) -> str:
    """The page's main container as an HTML fragment (the tree is not modified)."""
    try:
        found: str = _Scored(deepcopy(tree)).summary()
    except _NoContainer:
        found = ""
    if len(found) < RETRY_CHARS:
        found = _Lenient(deepcopy(tree)).summary()
    return found
