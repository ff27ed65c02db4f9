"""Fetching feeds incrementally and pages politely, against loopback servers."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.charset import decoded
from extractors.crawl import fetch_feeds, fetch_pages, fetch_pages_with
from extractors.fetch import Fetcher, FetchLimits
from extractors.records import NOT_MODIFIED, OK, FeedEntry, FeedFetch, FeedSpec, PageInput
from extractors.robots import RobotsCache

LIMITS = FetchLimits(min_host_interval=0, max_retries=0)
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
<item><title>One</title><link>https://example.com/1</link></item></channel></rss>"""


def fetch_one(spec: FeedSpec, limits: FetchLimits = LIMITS) -> FeedFetch:
    return asyncio.run(fetch_feeds([spec], limits))[0]


def spec(url: str) -> FeedSpec:
    return FeedSpec(feed_id="f", url=url)


def test_validators_are_sent_back_and_304_costs_no_parsing(httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(
            RSS, headers={"ETag": '"v1"', "Last-Modified": "Mon, 13 May 2024 11:00:00 GMT"}
        )

    httpserver.expect_request("/feed").respond_with_handler(handler)
    first = fetch_one(spec(httpserver.url_for("/feed")))
    assert (first.outcome, len(first.entries), first.etag) == (OK, 1, '"v1"')
    again = replace(
        spec(httpserver.url_for("/feed")), etag=first.etag, last_modified=first.last_modified
    )
    second = fetch_one(again)
    assert (second.outcome, second.status, second.parsed) == (NOT_MODIFIED, 304, None)
    assert second.etag == '"v1"'  # kept for next time
    sent = httpserver.log[-1][0].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Mon, 13 May 2024 11:00:00 GMT"


def test_unchanged_body_from_a_server_without_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS, content_type="application/rss+xml")
    first = fetch_one(spec(httpserver.url_for("/feed")))
    assert first.outcome == OK and first.body_hash
    second = fetch_one(replace(spec(httpserver.url_for("/feed")), body_hash=first.body_hash))
    assert (second.outcome, second.note, second.parsed) == (NOT_MODIFIED, "body unchanged", None)


def test_feed_in_a_legacy_encoding(httpserver: HTTPServer) -> None:
    body = (
        '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel>'
        "<title>Économie</title><item><title>Mistral lève 600 millions d’euros</title>"
        "<link>https://example.fr/1</link></item></channel></rss>"
    ).encode("cp1252")
    httpserver.expect_request("/feed").respond_with_data(body, content_type="application/xml")
    fetched = fetch_one(spec(httpserver.url_for("/feed")))
    assert fetched.outcome == OK
    assert fetched.parsed is not None and fetched.parsed.title == "Économie"
    assert fetched.entries[0].title == "Mistral lève 600 millions d’euros"


def test_binary_content_type_is_not_a_feed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(b"\x89PNG", content_type="image/png")
    fetched = fetch_one(spec(httpserver.url_for("/feed")))
    assert fetched.outcome == "hard" and "image/png" in fetched.error


def entry(url: str) -> FeedEntry:
    return FeedEntry(
        url=url, title="t", guid=url, published=None, author="", summary="s", content=""
    )


def test_pages_obey_robots_and_the_address_guard(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /members/\n"
    )
    httpserver.expect_request("/news/1").respond_with_data(
        "<html><body><p>caf\xe9</p></body></html>".encode("cp1252"),
        content_type="text/html; charset=windows-1252",
    )
    httpserver.expect_request("/file.pdf").respond_with_data(
        b"%PDF", content_type="application/pdf"
    )
    base = f"http://127.0.0.1:{httpserver.port}"
    allowed = replace(LIMITS, allowed_private_hosts=frozenset({f"127.0.0.1:{httpserver.port}"}))
    urls = [f"{base}/news/1", f"{base}/members/2", f"{base}/file.pdf"]
    ok, robots, pdf = asyncio.run(fetch_pages([entry(u) for u in urls], allowed))
    assert ok.html is not None and "café" in ok.html
    assert (robots.html, robots.page_outcome) == (None, "blocked")
    assert "robots.txt" in robots.page_error
    assert pdf.html is None and "application/pdf" in pdf.page_error
    # Without the host allowed, nothing is requested at all: the guard comes first.
    before = len(httpserver.log)
    (blocked,) = asyncio.run(fetch_pages([entry(f"{base}/news/1")], LIMITS))
    assert blocked.page_outcome == "blocked" and "non-public address" in blocked.page_error
    assert len(httpserver.log) == before


def test_pages_fetched_undecoded_decode_later_to_the_same_pages(httpserver: HTTPServer) -> None:
    """The ingest fetches bodies as bytes and has its workers decode them: each page must
    come out as fetch_pages gives it, whatever told its encoding (header, meta, BOM,
    detection, nothing, or UTF-8 labelled latin-1)."""
    pages = {
        "/header": ("<p>caf\xe9 – 5 €</p>".encode("cp1252"), "text/html; charset=windows-1252"),
        "/greek": ("<p>\u03ad</p>".encode("iso-8859-7"), "text/html; charset=iso-8859-7"),
        "/meta": ('<meta charset="iso-8859-2"><p>Łódź</p>'.encode("iso-8859-2"), "text/html"),
        "/bom": (b"\xef\xbb\xbf<p>na\xc3\xafve</p>", "text/html"),
        "/none": ("<p>Straße</p>".encode(), ""),
        "/mislabelled": ("<p>doesn’t</p>".encode(), "text/html; charset=iso-8859-1"),
        "/mojibake": ("<p>doesn’t</p>".encode().decode("cp1252").encode(), "text/html"),
        "/empty": (b"", "text/html"),
    }
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    for path, (body, content_type) in pages.items():
        response = Response(body, content_type=content_type)
        if not content_type:  # none at all: werkzeug would say text/plain
            del response.headers["Content-Type"]
        httpserver.expect_request(path).respond_with_response(response)
    allowed = replace(LIMITS, allowed_private_hosts=frozenset({f"127.0.0.1:{httpserver.port}"}))
    entries = [entry(f"http://127.0.0.1:{httpserver.port}{path}") for path in pages]

    async def both() -> tuple[list[PageInput], list[PageInput]]:
        async with Fetcher(allowed) as fetcher:
            robots = RobotsCache(fetcher)
            raw = await fetch_pages_with(fetcher, robots, entries, decode=False)
            return raw, await fetch_pages_with(fetcher, robots, entries)

    raw, pages_now = asyncio.run(both())
    assert [(type(p.html), p.content_type is None, p.page_error) for p in raw] == [
        (bytes, False, "")
    ] * len(pages)
    assert [decoded(p) for p in raw] == pages_now
    assert all(isinstance(p.html, str) and p.content_type is None for p in pages_now)
    assert "café – 5 €" in str(pages_now[0].html) and "\u03ad" in str(pages_now[1].html)
    assert "Łódź" in str(pages_now[2].html)
