"""Collapsed panels (accordions, FAQ answers, "how it works" steps) opened before extraction.

Guide and FAQ pages often keep most of their body in panels the reader opens with a click:
the button that opens a panel names it with `aria-controls` (WAI-ARIA's accordion and
disclosure patterns), and until then the panel, or a wrapper between it and its button, is
hidden in the markup: `style="display:none"`, the `hidden` attribute, `aria-hidden="true"`
or a `hidden` class (Tailwind's, among others). trafilatura discards every element hidden
so, and such a page keeps its headings and first paragraphs and loses the rest (WCXB page
4193: 616 of its 2,422 words). Menus and dialogs are opened the same way; they stay hidden:
a panel with a menu's or a dialog's role, or inside the page's `<nav>`, `<header>`,
`<footer>`, a dialog or a menu, is page chrome, not body.

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
# Class names that hide an element (CSS frameworks' utilities; trafilatura drops them too).
_HIDING_CLASSES = frozenset({"hidden", "hide", "is-hidden"})
_CHROME_TAGS = frozenset({"nav", "header", "footer", "dialog"})
_CHROME_ROLES = frozenset(
    "dialog alertdialog menu menubar listbox tooltip navigation banner contentinfo".split()
)


def _hidden(el: HtmlElement) -> bool:
    return (
        bool(_HIDING.search(el.get("style") or ""))
        or el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or not _HIDING_CLASSES.isdisjoint((el.get("class") or "").split())
    )


def _chrome(el: HtmlElement) -> bool:
    """Whether the element is, or sits inside, a menu, a dialog or the page's frame."""
    for node in (el, *el.iterancestors()):
        if node.tag in _CHROME_TAGS or (node.get("role") or "").strip() in _CHROME_ROLES:
            return True
    return False


def _open(el: HtmlElement) -> None:
    style = el.get("style")
    if style is not None:
        el.set("style", _HIDING.sub("", style).strip())
    for attribute in ("hidden", "aria-hidden"):
        el.attrib.pop(attribute, None)
    classes = (el.get("class") or "").split()
    if not _HIDING_CLASSES.isdisjoint(classes):
        el.set("class", " ".join(c for c in classes if c not in _HIDING_CLASSES))


def reveal(tree: HtmlElement) -> int:
    """Open the page's collapsed panels in place (module docstring): each panel a control
    names, and the wrappers that hide it up to where it meets its control. How many panels
    were opened."""
    controls: dict[str, HtmlElement] = {}
    for control in tree.iterfind(".//*[@aria-controls]"):
        for name in (control.get("aria-controls") or "").split():
            controls.setdefault(name, control)
    if not controls:
        return 0
    opened = 0
    for el in tree.iterfind(".//*[@id]"):
        control = controls.get(el.get("id") or "")
        if control is None or _chrome(el):
            continue
        # The control and its ancestors, held so that lxml keeps one proxy per node (`is`).
        above = [control, *control.iterancestors()]
        path = [el]  # the panel and its wrappers, below the control's and its common ancestor
        for node in el.iterancestors():
            if any(node is other for other in above):
                break
            path.append(node)
        hiding = [node for node in path if _hidden(node)]
        for node in hiding:
            _open(node)
        opened += bool(hiding)
    return opened
