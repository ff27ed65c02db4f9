"""Pages streamed by React's server renderer, put together the way a browser does.

React 18+ streaming (Next.js and others) sends a page's slow parts after the rest: in place
of each part a placeholder (`<template id="B:3">` followed by a fallback such as "Loading
paragraph...", between `<!--$?-->` and `<!--/$-->`; or `<template id="P:5">` alone), and at
the end of the body the part itself in `<div hidden id="S:3">`, with an inline script call
(`$RC("B:3","S:3")`, `$RS("S:5","P:5")`) that moves it into place. Extractors run no
script: they see the fallback where the text belongs and the text itself at the foot of the
page, hidden, outside the article's container, so each keeps the first section and loses the
rest. `assemble` does what those scripts do, on the page's markup.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

_MARK = '<div hidden id="S:'  # cheap test: pages without it are returned as they are
# `$RC("B:3","S:3")` (a boundary completed) and `$RS("S:5","P:5")` (a segment completed).
_CALL = re.compile(r"""\$R([CS])\(\s*["']([BPS]:\w+)["']\s*,\s*["']([BPS]:\w+)["']""")
_OPEN = frozenset({"$", "$?", "$!"})  # comments that open a Suspense boundary; "/$" closes


def pairs(page: str) -> dict[str, str]:
    """Placeholder id -> segment id, from the page's own script calls."""
    out: dict[str, str] = {}
    for kind, first, second in _CALL.findall(page):
        if kind == "C":
            out[first] = second
        else:
            out[second] = first
    return out


def assemble(page: str) -> str:
    """The page with every streamed segment moved into its placeholder (and a boundary's
    fallback dropped); the page unchanged when it has none or cannot be parsed."""
    if _MARK not in page:
        return page
    try:
        root = lxml.html.document_fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return page
    segments = {
        el.get("id"): el
        for el in root.iter("div")
        if el.get("hidden") is not None and el.get("id", "").startswith("S:")
    }
    called = pairs(page)
    moved = 0
    for template in list(root.iter("template")):
        tid = template.get("id", "")
        if tid[:2] not in ("B:", "P:"):
            continue
        # Without a script call, React's own numbering: B:3 and P:3 are filled by S:3.
        segment = segments.pop(called.get(tid, "S:" + tid[2:]), None)
        if segment is None:
            continue
        if tid.startswith("B:"):
            _drop_fallback(template)
        _replace(template, segment)
        moved += 1
    if not moved:
        return page
    return str(lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>"))


def _drop_fallback(template: lxml.html.HtmlElement) -> None:
    """Remove what follows a boundary's template up to the comment that closes it; nothing
    when there is no such comment (the fallback's extent is then unknown)."""
    fallback: list[lxml.html.HtmlElement] = []
    depth = 0
    for sibling in template.itersiblings():
        if isinstance(sibling, lxml.etree._Comment):
            text = (sibling.text or "").strip()
            if text in _OPEN:
                depth += 1
            elif text == "/$":
                if depth == 0:
                    break
                depth -= 1
        fallback.append(sibling)
    else:
        return
    template.tail = None  # loose text after the template is fallback too, as are the tails
    parent = template.getparent()
    for element in fallback:
        if parent is not None:
            parent.remove(element)


def _replace(template: lxml.html.HtmlElement, segment: lxml.html.HtmlElement) -> None:
    """Put the segment's content where the template is; the template and the hidden
    segment go."""
    parent = template.getparent()
    if parent is None:
        return
    index = parent.index(template)
    tail = template.tail
    children = list(segment)
    if segment.text and segment.text.strip():
        # Loose text at the segment's start follows the template's predecessor.
        previous = template.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + segment.text
        else:
            parent.text = (parent.text or "") + segment.text
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if children:
        last = children[-1]
        last.tail = (last.tail or "") + (tail or "")
    else:
        previous = template.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + (tail or "")
        else:
            parent.text = (parent.text or "") + (tail or "")
    parent.remove(template)
    segment_parent = segment.getparent()
    if segment_parent is not None:
        segment.drop_tree()
