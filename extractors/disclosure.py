"""Collapsed panels (accordions, FAQ answers, "how it works" steps) opened before extraction.

Guide and FAQ pages often keep most of their body in panels the reader opens with a click:
the panel is hidden in the markup (`style="display:none"`, the `hidden` attribute or
`aria-hidden="true"`) and the button that opens it names it with `aria-controls` (WAI-ARIA's
accordion and disclosure patterns). trafilatura discards every element hidden by an inline
style or `aria-hidden`, so such a page keeps its headings and first paragraphs and loses the
rest (WCXB page 4193: 616 of its 2,422 words). Menus and dialogs are opened the same way;
they stay hidden: a panel with a menu's or a dialog's role, or inside the page's `<nav>`,
`<header>`, `<footer>`, a dialog or a menu, is page chrome, not body.

Only panels named by an `aria-controls`: a page hides other things too (a cart drawer, a
cookie wall, a copy of the article for its scripts) that no button opens as part of the text.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# The declarations that hide an element in an inline style (with their `;` and `!important`).
_HIDING = re.compile(
    r"(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!\s*important)?\s*;?\s*", re.I
)
_CHROME_TAGS = frozenset({"nav", "header", "footer", "dialog"})
_CHROME_ROLES = frozenset(
    "dialog alertdialog menu menubar listbox tooltip navigation banner contentinfo".split()
)


def _hidden(el: HtmlElement) -> bool:
    return (
        bool(_HIDING.search(el.get("style") or ""))
        or el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
    )


def _chrome(el: HtmlElement) -> bool:
    """Whether the element is, or sits inside, a menu, a dialog or the page's frame."""
    for node in (el, *el.iterancestors()):
        if node.tag in _CHROME_TAGS or (node.get("role") or "").strip() in _CHROME_ROLES:
            return True
    return False


def reveal(tree: HtmlElement) -> int:
    """Open the page's collapsed panels in place (module docstring); how many were opened."""
    named: set[str] = set()
    for control in tree.iterfind(".//*[@aria-controls]"):
        named.update((control.get("aria-controls") or "").split())
    if not named:
        return 0
    opened = 0
    for el in tree.iterfind(".//*[@id]"):
        if el.get("id") not in named or not _hidden(el) or _chrome(el):
            continue
        style = el.get("style")
        if style is not None:
            el.set("style", _HIDING.sub("", style).strip())
        for attribute in ("hidden", "aria-hidden"):
            el.attrib.pop(attribute, None)
        opened += 1
    return opened
