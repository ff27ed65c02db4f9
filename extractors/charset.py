"""Decoding fetched HTML: charset from the HTTP header, a BOM, or a meta tag, else detected;
then text that was UTF-8 read as windows-1252 (mojibake: "doesnâ€™t") is put right."""

from __future__ import annotations

import codecs
import re
from dataclasses import replace

from charset_normalizer import from_bytes

from extractors.records import PageInput

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
_C1 = re.compile("[\x80-\x9f]")


def _c1_as_bytes(exc: UnicodeError) -> tuple[bytes, int]:
    """Encoding error handler: C1 controls (U+0080-U+009F, what latin-1 makes of bytes that
    windows-1252 reads as punctuation or leaves undefined) back to their own byte."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    if all("\x80" <= ch <= "\x9f" for ch in chunk):
        return chunk.encode("latin-1"), exc.end
    raise exc


codecs.register_error("labwatch-c1-bytes", _c1_as_bytes)


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


def _utf8_despite(codec: str, body: bytes) -> bool:
    """Bytes labelled windows-1252 that are valid UTF-8 with some non-ASCII are UTF-8: text
    really in windows-1252 almost never forms valid UTF-8 sequences (an accented letter would
    have to be followed by one to three symbols of 0x80-0xBF every time), while servers that
    label every page ISO-8859-1, HTTP/1.1's old default, are common."""
    if codec != "cp1252" or body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_charset(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(codec, how it was found): "header", "bom", "meta", "detected" or "default"; or
    "utf-8 despite header" / "utf-8 despite meta" (see `_utf8_despite`)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, "bom"
    m = _HEADER_CHARSET.search(content_type)
    header = _codec(m.group(1)) if m else None
    if header:
        if _utf8_despite(header, body):
            return "utf-8", "utf-8 despite header"
        return header, "header"
    m2 = _META_CHARSET.search(body[:4096])
    meta = _codec(m2.group(1)) if m2 else None
    if meta:
        if _utf8_despite(meta, body):
            return "utf-8", "utf-8 despite meta"
        return meta, "meta"
    best = from_bytes(body[:200_000]).best()
    if best is not None and _codec(best.encoding):
        return _codec(best.encoding) or "utf-8", "detected"
    return "utf-8", "default"


def undo_mojibake(text: str) -> str:
    """Text that was UTF-8, read as windows-1252 (or latin-1) and stored again as UTF-8, put
    back: "doesnâ€™t" becomes "doesn’t". Only when the whole text goes back to valid UTF-8:
    a page that also holds real accented letters or symbols ("NESCAFÉ®", "Rosa × media", an
    article quoting "Ã¤") is left alone, since mending only its odd spots could garble them.
    Pages stored twice over are mended twice over."""
    for _ in range(3):
        if text.isascii():
            break
        try:
            # C speed on every page: most fail at their first character outside
            # windows-1252, or at their first accented letter that is not a UTF-8 lead.
            mended = text.encode("cp1252", errors="labwatch-c1-bytes").decode("utf-8")
        except UnicodeError:
            break
        if mended == text or not _enough_evidence(text, mended):
            break
        text = mended
    return text


def _enough_evidence(text: str, mended: str) -> bool:
    """One accented capital before a symbol ("NESCAFÉ®") also reads as valid UTF-8; mojibake
    shows itself by C1 controls or "â€" (how latin-1 and windows-1252 read the UTF-8 of
    curly quotes and dashes: never real text), or by three or more sequences."""
    return bool(_C1.search(text)) or "â€" in text or len(text) - len(mended) >= 3


def decode_html(body: bytes, content_type: str = "") -> str:
    """The page as text; undecodable bytes become U+FFFD rather than an error."""
    codec, _ = detect_charset(body, content_type)
    return undo_mojibake(body.decode(codec, errors="replace"))


def decoded(page: PageInput) -> PageInput:
    """`page` as `extractors.crawl.fetch_pages` gives it: a body fetched with `decode=False`
    (bytes and the content type), decoded as it would have been then."""
    if page.content_type is None or not isinstance(page.html, bytes):
        return page
    return replace(page, html=decode_html(page.html, page.content_type), content_type=None)
