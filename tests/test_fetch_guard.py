"""The address guard holds across DNS rebinding and redirects; IPv6 literals and credentials in
feed URLs; a password never reaches another host, robots.txt or an error message."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.crawl import fetch_feeds
from extractors.errors import FetchError, HTTPStatusError
from extractors.fetch import Fetcher, FetchLimits, FetchResult
from extractors.records import FeedSpec
from extractors.robots import RobotsCache
from tests.test_cli import labwatch

FAST = FetchLimits(min_host_interval=0, max_retries=0, connect_timeout=2.0)
PUBLIC = "93.184.215.14"  # a public address: unreachable offline, and never the loopback page


def get(url: str, limits: FetchLimits = FAST, allow_private: bool = False) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(limits) as fetcher:
            return await fetcher.get(url, allow_private=allow_private)

    return asyncio.run(run())


@pytest.fixture
def rebinding_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names ending in ".rebind.test" answer a public address to the first lookup and
    127.0.0.1 to every later one; other names resolve as usual. Yields the lookups made."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, bytes):  # anyio passes the IDNA-encoded name
            host = host.decode("ascii")
        if isinstance(host, str) and host.endswith(".rebind.test"):
            lookups.append(host)
            address = PUBLIC if lookups.count(host) == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield lookups


def test_dns_rebinding_does_not_reach_loopback(
    httpserver: HTTPServer, rebinding_resolver: list[str]
) -> None:
    httpserver.expect_request("/secret").respond_with_data("secret")
    url = f"http://a.rebind.test:{httpserver.port}/secret"
    with pytest.raises(FetchError):  # the checked, public address does not answer here
        get(url)
    assert rebinding_resolver == ["a.rebind.test"]  # resolved once: by the guard
    assert httpserver.log == []  # the loopback page was never reached


def test_redirect_hops_are_checked_and_pinned_too(
    httpserver: HTTPServer, rebinding_resolver: list[str]
) -> None:
    port = httpserver.port
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": f"http://b.rebind.test:{port}/secret"}
    )
    httpserver.expect_request("/secret").respond_with_data("secret")
    allowed = replace(FAST, allowed_private_hosts=frozenset({f"127.0.0.1:{port}"}))
    with pytest.raises(FetchError):
        get(f"http://127.0.0.1:{port}/start", allowed)
    assert [r.path for r, _ in httpserver.log] == ["/start"]


def test_connection_goes_to_the_pinned_address_with_the_host_name_kept(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/host").respond_with_handler(
        lambda r: Response(r.headers.get("Host", ""))
    )
    port = httpserver.port

    async def run() -> FetchResult:
        async with Fetcher(FAST) as fetcher:
            # "pinned.invalid" resolves nowhere: only the pin can lead to the server.
            fetcher.backend.pin("pinned.invalid", port, ["127.0.0.1"])
            return await fetcher.get(f"http://pinned.invalid:{port}/host", allow_private=True)

    assert asyncio.run(run()).body == f"pinned.invalid:{port}".encode()


def _auth_echo(request: Request) -> Response:
    return Response(request.headers.get("Authorization", "none"))


def test_credentials_stay_with_their_origin_on_redirects(httpserver: HTTPServer) -> None:
    port = httpserver.port
    httpserver.expect_request("/same").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.1:{port}/echo"}
    )
    httpserver.expect_request("/other").respond_with_data(
        "", status=302, headers={"Location": f"http://localhost:{port}/echo"}
    )
    httpserver.expect_request("/echo").respond_with_handler(_auth_echo)
    basic = "Basic " + base64.b64encode(b"user:pa55").decode()
    same = get(f"http://user:pa55@127.0.0.1:{port}/same", allow_private=True)
    assert same.body == basic.encode()  # the same origin keeps the login
    assert "pa55" not in same.final_url or same.final_url.startswith("http://user:pa55@127.0.0.1")
    other = get(f"http://user:pa55@127.0.0.1:{port}/other", allow_private=True)
    assert other.body == b"none"  # another host never gets it
    assert "pa55" not in other.final_url


def test_robots_txt_never_gets_a_page_urls_credentials(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_handler(_auth_echo)
    limits = replace(FAST, allowed_private_hosts=frozenset({f"127.0.0.1:{httpserver.port}"}))

    async def run() -> bool:
        async with Fetcher(limits) as fetcher:
            robots = RobotsCache(fetcher)
            return await robots.allowed(f"http://user:pa55@127.0.0.1:{httpserver.port}/page")

    asyncio.run(run())
    ((request, _),) = httpserver.log
    assert "Authorization" not in request.headers


def test_fetch_errors_never_show_a_password(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    with pytest.raises(HTTPStatusError) as info:
        get(f"http://user:pa55@127.0.0.1:{httpserver.port}/missing", allow_private=True)
    assert "pa55" not in str(info.value) and "user:***@" in str(info.value)


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Locked</title>
<item><title>One</title><link>/one</link></item></channel></rss>"""


def _locked_feed(request: Request) -> Response:
    expected = "Basic " + base64.b64encode(b"reader:s3cret").decode()
    if request.headers.get("Authorization") != expected:
        return Response("login", status=401)
    return Response(RSS, content_type="application/rss+xml")


def test_feed_with_credentials_logs_in_and_shows_them_redacted(
    httpserver: HTTPServer, home: Path
) -> None:
    httpserver.expect_request("/locked.xml").respond_with_handler(_locked_feed)
    url = f"http://reader:s3cret@127.0.0.1:{httpserver.port}/locked.xml"
    run = labwatch("--home", str(home), "feeds", "add", url)
    assert run.returncode == 0, run.stderr
    added = run.stdout
    assert "s3cret" not in added and "reader:***@127.0.0.1" in added

    from warehouse.database import open_warehouse

    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        (stored,) = con.execute("SELECT url FROM feeds").fetchone() or ("",)
    assert stored == url  # kept for fetching
    spec = FeedSpec(feed_id="x", url=stored)
    (fetched,) = asyncio.run(fetch_feeds([spec], FAST))
    assert fetched.outcome == "ok" and [e.url for e in fetched.entries] == [
        f"http://127.0.0.1:{httpserver.port}/one"  # a relative link gets no credentials
    ]
    run = labwatch("--home", str(home), "feeds", "list", "--format", "json")
    assert run.returncode == 0, run.stderr
    listed = run.stdout
    assert "s3cret" not in listed and "reader:***@" in listed


@pytest.fixture
def ipv6_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="::1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_ipv6_literal_feed_urls_are_kept_and_fetched(ipv6_server: HTTPServer, home: Path) -> None:
    ipv6_server.expect_request("/x").respond_with_data(RSS, content_type="application/rss+xml")
    url = f"http://[::1]:{ipv6_server.port}/x"
    run = labwatch("--home", str(home), "feeds", "add", url)
    assert run.returncode == 0, run.stderr
    assert url in run.stdout

    from warehouse.database import open_warehouse

    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        (stored,) = con.execute("SELECT url FROM feeds").fetchone() or ("",)
    assert stored == url
    (fetched,) = asyncio.run(fetch_feeds([FeedSpec(feed_id="x", url=stored)], FAST))
    assert fetched.outcome == "ok"
    assert [e.url for e in fetched.entries] == [f"http://[::1]:{ipv6_server.port}/one"]
