"""Page decoding (header, BOM, meta, detection) and robots.txt, against loopback servers."""

from __future__ import annotations

import asyncio

import pytest
from pytest_httpserver import HTTPServer

from extractors.charset import decode_html, detect_charset
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
