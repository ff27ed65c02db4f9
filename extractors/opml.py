"""OPML feed lists: import from and export to the format every feed reader speaks."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from lxml import etree

from extractors.errors import OPMLError

__all__ = ["OPMLError", "OPMLFeed", "parse_opml", "to_opml"]


@dataclass(frozen=True)
class OPMLFeed:
    url: str
    name: str = ""


def parse_opml(data: bytes) -> list[OPMLFeed]:
    """Every outline with an xmlUrl, at any depth (folders are flattened), in order."""
    # OPML has no use for a DTD, and a DTD is how entity-expansion bombs get in (libxml2
    # expands internal entities in attributes even with resolve_entities off): refuse them.
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise OPMLError("not accepted: OPML with a DTD or entity declarations")
    # No entities, no DTDs, no network: a hostile file cannot expand or fetch anything.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OPMLError(f"not valid OPML: {exc}") from exc
    if root.tag != "opml":
        raise OPMLError(f"not OPML: the root element is <{root.tag}>")
    feeds: list[OPMLFeed] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url:
            name = outline.get("title") or outline.get("text") or ""
            feeds.append(OPMLFeed(url=url, name=name.strip()))
    return feeds


def to_opml(feeds: list[OPMLFeed], title: str = "labwatch feeds") -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{title}</title></head>",
        "  <body>",
    ]
    for f in feeds:
        name = quoteattr(f.name or f.url)
        lines.append(
            f'    <outline type="rss" text={name} title={name} xmlUrl={quoteattr(f.url)}/>'
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
