"""HTTP fetching against real loopback servers: limits, redirects, failures, the address guard."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.errors import (
    BLOCKED,
    HARD,
    RATE_LIMITED,
    SOFT,
    BlockedAddressError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    InvalidURLError,
    NetworkError,
    RedirectError,
    TooLargeError,
)
from extractors.fetch import Fetcher, FetchLimits, FetchResult, _is_public, _ReplyCookies
from tests.servers import counting_servers, cut_off_server, raw_server

# No pacing and no retries unless a test is about them: each test sees one request's outcome.
FAST = FetchLimits(min_host_interval=0, max_retries=0)


def get(url: str, limits: FetchLimits = FAST, allow_private: bool = True) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(limits) as fetcher:
            return await fetcher.get(url, allow_private=allow_private)

    return asyncio.run(run())


def test_ok(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data("<rss/>", content_type="application/xml")
    result = get(httpserver.url_for("/feed"))
    assert (result.status, result.body, result.content_type) == (200, b"<rss/>", "application/xml")


def test_user_agent_names_labwatch(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ua").respond_with_handler(
        lambda r: Response(r.headers.get("User-Agent", ""))
    )
    assert get(httpserver.url_for("/ua")).body.startswith(b"labwatch/")


@pytest.mark.parametrize(
    ("status", "headers", "outcome"),
    [
        (404, {}, HARD),
        (410, {}, HARD),
        (500, {}, SOFT),
        (502, {}, SOFT),
        (429, {"Retry-After": "120"}, RATE_LIMITED),
        (503, {"Retry-After": "30"}, RATE_LIMITED),
    ],
)
def test_http_errors_are_classified(
    httpserver: HTTPServer, status: int, headers: dict[str, str], outcome: str
) -> None:
    httpserver.expect_request("/x").respond_with_data("no", status=status, headers=headers)
    with pytest.raises(HTTPStatusError) as info:
        get(httpserver.url_for("/x"))
    assert info.value.outcome == outcome
    assert info.value.status == status
    if "Retry-After" in headers:
        assert info.value.retry_after == float(headers["Retry-After"])


def test_not_modified_is_a_result(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("", status=304)
    assert get(httpserver.url_for("/x")).status == 304


def test_declared_size_over_cap(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(TooLargeError):
        get(httpserver.url_for("/big"), replace(FAST, max_bytes=1000))


def test_streamed_size_over_cap(httpserver: HTTPServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 1000

    httpserver.expect_request("/stream").respond_with_response(
        Response(chunks(), direct_passthrough=True)
    )
    with pytest.raises(TooLargeError):
        get(httpserver.url_for("/stream"), replace(FAST, max_bytes=10_000))


def test_gzip_bomb_stops_at_the_cap(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    assert len(bomb) < 100_000
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLargeError):
        get(httpserver.url_for("/bomb"), replace(FAST, max_bytes=1_000_000))


def test_redirects_are_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data("here")
    result = get(httpserver.url_for("/old"))
    assert result.body == b"here"
    assert result.final_url == httpserver.url_for("/new")
    assert result.url == httpserver.url_for("/old")


def test_redirect_loop(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(RedirectError, match="loop"):
        get(httpserver.url_for("/a"))


def test_too_many_redirects(httpserver: HTTPServer) -> None:
    for n in range(10):
        httpserver.expect_request(f"/r{n}").respond_with_data(
            "", status=302, headers={"Location": f"/r{n + 1}"}
        )
    with pytest.raises(RedirectError, match="more than 5"):
        get(httpserver.url_for("/r0"))


def test_slow_server_times_out(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(2)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(FetchTimeoutError) as info:
        get(httpserver.url_for("/slow"), replace(FAST, total_timeout=0.5))
    assert info.value.outcome == SOFT


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NetworkError) as info:
        get(f"http://127.0.0.1:{port}/feed")
    assert info.value.outcome == SOFT


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "not a url"])
def test_only_http_urls(url: str) -> None:
    with pytest.raises(InvalidURLError):
        get(url)


def test_loopback_refused_unless_allowed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/page").respond_with_data("secret")
    with pytest.raises(BlockedAddressError):
        get(httpserver.url_for("/page"), allow_private=False)
    with pytest.raises(BlockedAddressError):
        get(f"http://localhost:{httpserver.port}/page", allow_private=False)
    assert get(httpserver.url_for("/page"), allow_private=True).body == b"secret"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("172.16.5.4", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fc00::1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_public_address_rule(address: str, public: bool) -> None:
    assert _is_public(ipaddress.ip_address(address)) is public


def test_every_fetch_error_has_an_outcome() -> None:
    for cls in FetchError.__subclasses__():
        if cls is not HTTPStatusError:
            assert cls.outcome in (HARD, SOFT, RATE_LIMITED, BLOCKED)


def test_body_cut_off_mid_stream_is_a_soft_failure() -> None:
    with cut_off_server() as base, pytest.raises(NetworkError) as info:
        get(f"{base}/feed.xml")
    assert info.value.outcome == SOFT


def test_soft_failures_are_retried_with_backoff(httpserver: HTTPServer) -> None:
    answers = iter([Response("busy", status=503), Response("busy", status=500), Response("ok")])
    httpserver.expect_request("/flaky").respond_with_handler(lambda r: next(answers))
    limits = replace(FAST, max_retries=2, retry_backoff=0.01)
    result = get(httpserver.url_for("/flaky"), limits)
    assert (result.body, result.attempts) == (b"ok", 3)


def test_retries_are_bounded_and_hard_failures_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("no", status=500)
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    limits = replace(FAST, max_retries=1, retry_backoff=0.01)
    with pytest.raises(HTTPStatusError) as info:
        get(httpserver.url_for("/down"), limits)
    assert info.value.attempts == 2
    with pytest.raises(HTTPStatusError) as info:
        get(httpserver.url_for("/gone"), limits)
    assert info.value.attempts == 1
    hits = [r.path for r, _ in httpserver.log]
    assert (hits.count("/down"), hits.count("/gone")) == (2, 1)


def test_per_host_cap_over_many_hosts() -> None:
    """200 feeds on 40 hosts: never more than the cap to one host, many hosts at once."""
    limits = replace(FAST, per_host_connections=2, max_connections=64)
    with counting_servers(40, delay=0.05) as servers:
        urls = [
            f"http://127.0.0.{n + 1}:{srv.server_address[1]}/feed{k}.xml"
            for n, srv in enumerate(servers)
            for k in range(5)
        ]

        async def run() -> list[FetchResult]:
            async with Fetcher(limits) as fetcher:
                results = await asyncio.gather(*(fetcher.get(u, allow_private=True) for u in urls))
                assert max(g.peak for g in fetcher.gates.values()) == 2
                return list(results)

        results = asyncio.run(run())
        assert len(results) == 200 and all(r.status == 200 for r in results)
        assert max(s.peak for s in servers) == 2  # the cap was reached, never passed
        assert all(len(s.starts) == 5 for s in servers)
        # Many hosts were served at the same time: the cap is per host, not global.
        assert servers[0].group.peak > 2


def test_minimum_interval_between_requests_to_one_host() -> None:
    limits = replace(FAST, per_host_connections=2, min_host_interval=0.2)
    with counting_servers(1, delay=0.0) as (server,):
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"

        async def run() -> None:
            async with Fetcher(limits) as fetcher:
                await asyncio.gather(*(fetcher.get(url, allow_private=True) for _ in range(4)))

        asyncio.run(run())
        gaps = [b - a for a, b in zip(server.starts, server.starts[1:], strict=False)]
    assert len(gaps) == 3
    # The pacing itself is the behaviour under test. Starts are seen by the server, a little
    # after the client's paced start, so one gap may shrink by scheduling jitter (on a loaded
    # machine, past 0.05 s: 0.14998 was seen at a load of 12 on 2 cores); the span cannot.
    # Unpaced, the four requests on two connections would arrive within milliseconds.
    assert min(gaps) >= 0.1 and sum(gaps) >= 0.59


def test_allowed_private_hosts(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/page").respond_with_data("ok")
    allowed = replace(FAST, allowed_private_hosts=frozenset({f"127.0.0.1:{httpserver.port}"}))
    url = f"http://127.0.0.1:{httpserver.port}/page"
    assert get(url, allowed, allow_private=False).body == b"ok"
    other_port = replace(FAST, allowed_private_hosts=frozenset({"127.0.0.1:1"}))
    with pytest.raises(BlockedAddressError):
        get(url, other_port, allow_private=False)


def test_cookies_set_by_a_response_go_back_to_its_host(httpserver: HTTPServer) -> None:
    """The client's jar skips responses that set no cookie (for speed); the ones that do
    set one still count, and a response without one keeps it."""
    httpserver.expect_request("/login").respond_with_response(
        Response("in", headers={"Set-Cookie": "session=abc; Path=/"})
    )
    httpserver.expect_request("/echo").respond_with_handler(
        lambda r: Response(r.headers.get("Cookie", "none"))
    )

    async def run() -> list[bytes]:
        async with Fetcher(FAST) as fetcher:
            # httpx keeps the jar where Fetcher puts its own (a rename would show here).
            assert isinstance(fetcher._client and fetcher._client.cookies, _ReplyCookies)
            urls = ["/echo", "/login", "/echo", "/echo"]
            return [
                (await fetcher.get(httpserver.url_for(u), allow_private=True)).body for u in urls
            ]

    assert asyncio.run(run()) == [b"none", b"in", b"session=abc", b"session=abc"]


def test_a_connection_the_server_closed_is_not_reused() -> None:
    """A server that answers once per connection and closes it: the pool must see the
    close (its socket readable) and open a new connection, not fail on the dead one."""
    connections = []

    def answer_once(conn: socket.socket) -> bool:
        connections.append(conn.recv(65536))
        body = b"<rss/>"
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n"  # keep-alive
        conn.sendall(head.encode() + body)
        return False  # closed right after

    with raw_server(answer_once) as base:

        async def run() -> list[FetchResult]:
            async with Fetcher(FAST) as fetcher:
                results = []
                for _ in range(3):
                    results.append(await fetcher.get(f"{base}/feed.xml", allow_private=True))
                    await asyncio.sleep(0.1)  # the server's close arrives
                return results

        results = asyncio.run(run())
    assert [(r.body, r.attempts) for r in results] == [(b"<rss/>", 1)] * 3
    assert len(connections) == 3
