"""Decoding fetched HTML: charset from the HTTP header, a BOM, or a meta tag, else detected."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE
)  # both <meta charset=...> and <meta http-equiv content="...; charset=...">


def _codec(name: str | bytes | None) -> str | None:
    if not name:
        return None
    label = name.decode("ascii", "ignore") if isinstance(name, bytes) else name
    try:
        codec = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # Browsers treat these labels as windows-1252, and so do real pages that use them.
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def detect_charset(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(codec, how it was found): "header", "bom", "meta", "detected" or "default"."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, "bom"
    m = _HEADER_CHARSET.search(content_type)
    header = _codec(m.group(1)) if m else None
    if header:
        return header, "header"
    m2 = _META_CHARSET.search(body[:4096])
    meta = _codec(m2.group(1)) if m2 else None
    if meta:
        return meta, "meta"
    best = from_bytes(body[:200_000]).best()
    if best is not None and _codec(best.encoding):
        return _codec(best.encoding) or "utf-8", "detected"
    return "utf-8", "default"


def decode_html(body: bytes, content_type: str = "") -> str:
    """The page as text; undecodable bytes become U+FFFD rather than an error."""
    codec, _ = detect_charset(body, content_type)
    return body.decode(codec, errors="replace")
