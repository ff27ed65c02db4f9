"""Page decoding (header, BOM, meta, detection) and robots.txt, against loopback servers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from extractors.article import extract_article
from extractors.charset import decode_html, detect_charset, undo_mojibake
from extractors.fetch import Fetcher, FetchLimits
from extractors.robots import RobotsCache

TEXT = "Ça coûte très cher à Zürich — «déjà vu» pour l’économie. " * 20


@pytest.mark.parametrize(
    ("body", "content_type", "how"),
    [
        (TEXT.encode("cp1252"), "text/html; charset=windows-1252", "header"),
        (TEXT.encode("iso-8859-1", "replace"), "text/html; charset=ISO-8859-1", "header"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "text/html; charset=cp1252", "bom"),
        (b'<meta charset="windows-1252"><p>' + TEXT.encode("cp1252"), "text/html", "meta"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            + TEXT.encode("utf-8"),
            "text/html",
            "meta",
        ),
        (TEXT.encode("utf-8"), "text/html", "detected"),
    ],
)
def test_charset_sources(body: bytes, content_type: str, how: str) -> None:
    assert detect_charset(body, content_type)[1] == how
    decoded = decode_html(body, content_type)
    assert "très cher à Zürich" in decoded


def test_unknown_charset_label_falls_through() -> None:
    body = '<meta charset="x-no-such-charset"><p>déjà</p>'.encode()
    assert detect_charset(body, "text/html; charset=bogus")[1] in ("detected", "default")
    assert "déjà" in decode_html(body, "text/html; charset=bogus")


FIXTURES = Path(__file__).parent / "fixtures" / "charset"


def test_double_encoded_page_decodes_as_the_page_itself() -> None:
    good = (FIXTURES / "article_utf8.html").read_bytes()
    double = (FIXTURES / "article_double_encoded.html").read_bytes()
    assert "doesnâ\x80\x99t" in double.decode("utf-8")  # the fixture is what it says
    assert decode_html(double) == decode_html(good)
    assert "Björn Ñúñez" in decode_html(double)


def test_double_encoded_page_extracts_as_the_page_itself() -> None:
    good = extract_article((FIXTURES / "article_utf8.html").read_bytes(), "https://a.example/")
    double = extract_article(
        (FIXTURES / "article_double_encoded.html").read_bytes(), "https://a.example/"
    )
    assert good is not None and double is not None
    assert double.text == good.text
    assert double.title == good.title
    assert "that’s the difference" in double.text and "€2.40" in double.text


@pytest.mark.parametrize(
    ("encoding", "rounds"),
    [("cp1252", 1), ("latin-1", 1), ("latin-1", 2)],
    ids=["cp1252", "latin-1", "twice"],
)
def test_mojibake_is_undone(encoding: str, rounds: int) -> None:
    # cp1252 gives "doesnâ€™t"; latin-1 gives C1 controls in place of the punctuation.
    text = "It doesn’t cost €2 — «déjà vu» for Zoë in Zürich."
    garbled = text
    for _ in range(rounds):
        garbled = garbled.encode("utf-8").decode(encoding)
    assert garbled != text
    assert undo_mojibake(garbled) == text


@pytest.mark.parametrize(
    "text",
    [
        "NESCAFÉ® Classic, 200 g",  # a capital letter before a symbol, and nothing else
        "Rosa\xa0×\xa0medioccidentis, a hybrid",  # × before a no-break space reads as Hebrew
        "I saw “Ã¤” instead of “ä” on every page",  # an article about mojibake
        "Crème brûlée for 5 €",
        "日本語の記事",
        "plain ASCII",
    ],
)
def test_real_text_is_left_alone(text: str) -> None:
    assert undo_mojibake(text) == text
    assert decode_html(f'<meta charset="utf-8"><p>{text}</p>'.encode()).endswith(text + "</p>")


def test_utf8_served_as_latin1_is_read_as_utf8(httpserver: HTTPServer) -> None:
    # Servers that label every page ISO-8859-1 (HTTP/1.1's old default) while it is UTF-8.
    page = (FIXTURES / "article_utf8.html").read_bytes()
    httpserver.expect_request("/a").respond_with_data(
        page, content_type="text/html; charset=ISO-8859-1"
    )
    httpserver.expect_request("/b").respond_with_data(
        TEXT.encode("cp1252"), content_type="text/html; charset=ISO-8859-1"
    )
    host = f"127.0.0.1:{httpserver.port}"
    limits = FetchLimits(
        min_host_interval=0, max_retries=0, allowed_private_hosts=frozenset({host})
    )

    async def fetch(path: str) -> tuple[bytes, str]:
        async with Fetcher(limits) as fetcher:
            result = await fetcher.get(f"http://{host}{path}")
            return result.body, result.headers.get("content-type", "")

    body, content_type = asyncio.run(fetch("/a"))
    assert detect_charset(body, content_type) == ("utf-8", "utf-8 despite header")
    assert "Björn Ñúñez" in decode_html(body, content_type)
    body, content_type = asyncio.run(fetch("/b"))  # really latin-1: the label holds
    assert detect_charset(body, content_type) == ("cp1252", "header")
    assert "très cher à Zürich" in decode_html(body, content_type)


def robots_allows(base: str, paths: list[str]) -> list[bool]:
    host = base.removeprefix("http://")
    limits = FetchLimits(
        min_host_interval=0, max_retries=0, allowed_private_hosts=frozenset({host})
    )

    async def run() -> list[bool]:
        async with Fetcher(limits) as fetcher:
            cache = RobotsCache(fetcher)
            return list(await asyncio.gather(*(cache.allowed(base + p) for p in paths)))

    return asyncio.run(run())


def test_robots_rules_are_honoured_and_fetched_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: labwatch\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n"
    )
    base = f"http://127.0.0.1:{httpserver.port}"
    assert robots_allows(base, ["/news/1", "/private/2", "/news/3"]) == [True, False, True]
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (410, True), (500, False), (503, False)]
)
def test_missing_or_broken_robots(httpserver: HTTPServer, status: int, allowed: bool) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=status)
    assert robots_allows(f"http://127.0.0.1:{httpserver.port}", ["/a"]) == [allowed]


def test_robots_follow_rfc_9309_matching(httpserver: HTTPServer) -> None:
    # RFC 9309 2.2.2: the longest matching rule wins (Allow wins a tie), and `*` and `$` are
    # patterns. The standard library's parser takes the first rule in file order instead and
    # treats `*`/`$` literally, so it refused every path here.
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\n"
        "Disallow: /\n"
        "Allow: /news/\n"
        "Disallow: /*.pdf$\n"
        "Disallow: /news/drafts\n"
        "Allow: /archive$\n"
    )
    base = f"http://127.0.0.1:{httpserver.port}"
    paths = [
        "/news/1",
        "/news/a.pdf",
        "/news/a.pdfx",
        "/news/drafts/2",
        "/archive",
        "/archive/1",
        "/",
    ]
    assert robots_allows(base, paths) == [True, False, True, False, True, False, False]
