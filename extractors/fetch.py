"""All of labwatch's HTTP, in one place: timeouts, size caps, redirects, the private-address guard.

Feeds and pages are fetched with one `Fetcher` (an httpx.AsyncClient underneath) so that
every request gets the same limits. Failures raise the classified errors of
`extractors.errors`; callers decide whether to retry, fall back or record.

The address guard resolves a host and checks every address; the connection then goes to an
address that was checked (`PinnedBackend`), not to whatever a second lookup answers, so a
name that rebinds to 127.0.0.1 between the check and the connection reaches nothing. The
host name still goes in the Host header and TLS SNI, and certificates are verified against
it. Every redirect hop is checked and pinned the same way. Credentials in a URL
(`user:password@`) go only to that URL's own origin: a redirect to another host drops them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from httpcore._utils import is_socket_readable  # the pool's own test, kept identical

from extractors.errors import (
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
from extractors.urls import host_port, origin, redact_text, split_authority, strip_credentials

DEFAULT_USER_AGENT = "labwatch/0.1 (+https://github.com/labwatch/labwatch)"


class _RedactPasswords(logging.Filter):
    """httpx logs each request's URL, login included: its records are redacted first."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_text(str(a)) if isinstance(a, str | httpx.URL) else a for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_RedactPasswords())


@dataclass(frozen=True)
class FetchLimits:
    """Limits applied to every request; the defaults suit news sites."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    max_connections: int = 32
    per_host_connections: int = 2
    min_host_interval: float = 1.0  # seconds between the starts of two requests to one host
    max_retries: int = 2  # extra attempts, within a run, after a soft failure
    retry_backoff: float = 0.5  # seconds before the first retry, doubled each time
    user_agent: str = DEFAULT_USER_AGENT
    # Hosts ("host" or "host:port") that pages may be fetched from although they resolve to
    # private or loopback addresses: an intranet, or a test's own server.
    allowed_private_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    elapsed: float = 0.0
    attempts: int = 1

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _is_public(ip.ipv4_mapped)
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


async def check_public_host(url: str, host: str) -> list[str]:
    """Refuse a host that is, or resolves to, a private, loopback or otherwise internal address;
    return the addresses checked (connect to one of these, never to a fresh lookup).

    Every address the name resolves to must be public, so a name with one public and one
    private record is refused too.
    """
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise NetworkError(url, f"cannot resolve {host}: {reason}") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise NetworkError(url, f"cannot resolve {host}: no address")
    for address in addresses:
        if not _is_public(address):
            raise BlockedAddressError(url, f"{host} resolves to non-public address {address}")
    return list(dict.fromkeys(str(a) for a in addresses))


class _KnownSocketStream(httpcore.AsyncNetworkStream):
    """A connection's stream that knows its socket. The pool asks every idle connection
    whether its socket is readable (a server's close) each time a request starts or ends;
    anyio builds a table of its attributes to answer each time, a tenth of the fetcher's CPU
    (docs/benchmarks.md). The socket is the same for the stream's life, TLS included."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _KnownSocketStream(tls)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return is_socket_readable(self._socket)
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.AnyIOBackend):
    """httpcore's network backend, except that a host whose addresses were checked is
    connected to at one of those addresses: the guard's lookup is the one that counts."""

    def __init__(self) -> None:
        self._pins: dict[tuple[str, int], list[str]] = {}

    def pin(self, host: str, port: int, addresses: list[str]) -> None:
        self._pins[(host.strip("[]").lower(), port)] = addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        pinned = self._pins.get((host.strip("[]").lower(), port))
        if not pinned:
            stream = await super().connect_tcp(host, port, timeout, local_address, socket_options)
            return _KnownSocketStream(stream)
        error: Exception | None = None
        for address in pinned:  # in the resolver's order, as a client would try them
            try:
                stream = await super().connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
            else:
                return _KnownSocketStream(stream)
        assert error is not None
        raise error


_per_thread = threading.local()


def trusted_certificates() -> ssl.SSLContext:
    """certifi's certificates, as httpx trusts them by default, loaded once a thread: each
    load is about 20 ms of CPU, and every fetcher (a run makes two or more) loaded them twice
    (issue 19). Not shared between threads: httpcore sets the context's ALPN protocols as it
    opens each connection, which OpenSSL may be copying for another thread's meanwhile. A
    fetcher opens its connections in the thread of its event loop."""
    context: ssl.SSLContext | None = getattr(_per_thread, "context", None)
    if context is None:
        context = _per_thread.context = httpx.create_ssl_context(trust_env=False)
    return context


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that uses `PinnedBackend`."""

    def __init__(
        self, backend: PinnedBackend, limits: httpx.Limits, ssl_context: ssl.SSLContext | None
    ) -> None:
        context = ssl_context or trusted_certificates()
        # `verify` given the context: httpx would otherwise load the certificates for a pool
        # that the line below replaces.
        super().__init__(verify=context, limits=limits, trust_env=False)
        # httpx builds its pool without a network_backend parameter; this is its attribute
        # for the pool in 0.27 and 0.28 (a test connects through it, so a change shows).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class _ReplyCookies(httpx.Cookies):
    """The client's cookie jar, which looks at a response only when it sets a cookie: httpx
    wraps every response and its request for the standard library's jar, which then finds
    no Set-Cookie header in a news page's response (6% of the fetcher's CPU)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def follow_redirect(current: str, location: str) -> str:
    """The URL a redirect leads to. Credentials stay with their origin: the target keeps
    those of `current` only on the same scheme, host and port, and never carries any to
    another host."""
    target = urljoin(current, location)
    if origin(target) != origin(current):
        return strip_credentials(target)
    here = urlsplit(current)
    there = urlsplit(target)
    if "@" in here.netloc and "@" not in there.netloc:
        userinfo = split_authority(here.netloc).userinfo
        return there._replace(netloc=f"{userinfo}@{there.netloc}").geturl()
    return target


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class HostGate:
    """Politeness towards one host: at most `cap` requests in flight, and the starts of two
    requests at least `interval` seconds apart. Records the peak concurrency it allowed."""

    def __init__(self, cap: int, interval: float) -> None:
        self.interval = interval
        self._slots = asyncio.Semaphore(max(1, cap))
        self._lock = asyncio.Lock()
        self._next_start = 0.0
        self.in_flight = 0
        self.peak = 0

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._slots:
            async with self._lock:
                loop = asyncio.get_running_loop()
                wait = self._next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = loop.time() + self.interval
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1


class Fetcher:
    """An async HTTP client with labwatch's limits. Use as `async with Fetcher() as f:`."""

    def __init__(
        self, limits: FetchLimits | None = None, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        """`ssl_context`: the certificates trusted (default: certifi's, as httpx has them)."""
        self.limits = limits or FetchLimits()
        self._ssl_context = ssl_context
        self._client: httpx.AsyncClient | None = None
        self.backend = PinnedBackend()
        self.gates: dict[str, HostGate] = defaultdict(
            lambda: HostGate(self.limits.per_host_connections, self.limits.min_host_interval)
        )

    async def __aenter__(self) -> Fetcher:
        lim = self.limits
        pool_limits = httpx.Limits(max_connections=lim.max_connections)
        self._client = httpx.AsyncClient(
            follow_redirects=False,  # followed by hand so each hop passes the address guard
            timeout=httpx.Timeout(lim.read_timeout, connect=lim.connect_timeout),
            transport=_PinnedTransport(self.backend, pool_limits, self._ssl_context),
            headers={"User-Agent": lim.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )
        # httpx has no parameter for the jar's class; its client keeps the jar here in 0.27
        # and 0.28 (tests/test_fetch.py checks that a cookie still comes back).
        self._client._cookies = _ReplyCookies()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        allow_private: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects, within the limits; raise a FetchError on failure.

        Soft failures (timeouts, connection errors, 5xx) are retried up to `max_retries`
        times with exponential backoff; the error finally raised carries `attempts`.
        A 304 is returned as a result (for conditional GETs), every other non-2xx raises.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await self._get_once(url, allow_private, headers or {})
            except FetchError as exc:
                exc.attempts = attempt
                if exc.outcome != SOFT or attempt > self.limits.max_retries:
                    raise
                await asyncio.sleep(self.limits.retry_backoff * 2 ** (attempt - 1))
                continue
            return replace(result, attempts=attempt)

    async def _get_once(
        self, url: str, allow_private: bool, headers: Mapping[str, str]
    ) -> FetchResult:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.limits.total_timeout):
                return await self._get(url, allow_private, headers, started)
        except TimeoutError as exc:
            limit = self.limits.total_timeout
            raise FetchTimeoutError(url, f"no answer within {limit:g} s") from exc

    async def _get(
        self, url: str, allow_private: bool, headers: Mapping[str, str], started: float
    ) -> FetchResult:
        assert self._client is not None, "use Fetcher as an async context manager"
        seen: list[str] = []
        current = url
        while True:
            host = await self._guard(url, current, allow_private)
            async with self.gates[host].turn():
                response = await self._stream(url, current, headers)
            status, resp_headers, body = response
            if status in (301, 302, 303, 307, 308) and "location" in resp_headers:
                seen.append(current)
                try:
                    target = follow_redirect(current, resp_headers["location"])
                except ValueError as exc:
                    raise RedirectError(url, f"unusable redirect target: {exc}") from exc
                if target in seen:
                    raise RedirectError(url, f"redirect loop at {target}")
                if len(seen) > self.limits.max_redirects:
                    raise RedirectError(url, f"more than {self.limits.max_redirects} redirects")
                current = target
                continue
            if status == 304 or 200 <= status < 300:
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=status,
                    headers=resp_headers,
                    body=body,
                    elapsed=time.monotonic() - started,
                )
            raise HTTPStatusError(url, status, _retry_after(resp_headers.get("retry-after")))

    async def check_address(self, url: str) -> None:
        """Raise BlockedAddressError (or InvalidURLError) now if `url` would be refused."""
        await self._guard(url, url, allow_private=False)

    async def _guard(self, url: str, current: str, allow_private: bool) -> str:
        """Check `current` (a hop of `url`) against the address guard and pin the addresses
        checked; return its lowercased host."""
        scheme = current.partition(":")[0].lower()
        host, port_text = host_port(current)
        if scheme not in ("http", "https") or not host:
            raise InvalidURLError(url, f"not an http(s) URL: {current!r}")
        try:
            port = int(port_text) if port_text else _default_port(scheme)
        except ValueError:
            port = -1
        if not 0 < port < 65536:
            raise InvalidURLError(url, f"port out of range 1-65535 ({port_text})")
        if not allow_private and not self.allowed_private(host, port):
            self.backend.pin(host, port, await check_public_host(url, host))
        return host

    def allowed_private(self, host: str, port: int) -> bool:
        return _listed(host, port, self.limits.allowed_private_hosts)

    async def _stream(
        self, url: str, current: str, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        assert self._client is not None
        cap = self.limits.max_bytes
        try:
            async with self._client.stream("GET", current, headers=dict(headers)) as response:
                resp_headers = {k.lower(): v for k, v in response.headers.items()}
                declared = resp_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise TooLargeError(url, f"declared size {declared} bytes over the {cap} cap")
                chunks: list[bytes] = []
                size = 0
                # aiter_bytes yields decoded bytes, so a gzip bomb stops at the cap too.
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise TooLargeError(url, f"body over the {cap} byte cap")
                    chunks.append(chunk)
                return response.status_code, resp_headers, b"".join(chunks)
        except FetchError:
            raise
        except httpx.TimeoutException as exc:
            raise FetchTimeoutError(url, f"timed out: {type(exc).__name__}") from exc
        except httpx.InvalidURL as exc:
            raise InvalidURLError(url, f"invalid URL: {exc}") from exc
        except httpx.HTTPError as exc:
            raise NetworkError(url, f"{type(exc).__name__}: {exc}") from exc


def _listed(host: str, port: int, allowed: frozenset[str]) -> bool:
    host = host.strip("[]").lower()
    return bool({host, f"[{host}]", f"{host}:{port}", f"[{host}]:{port}"} & allowed)


def host_allowed(url: str, allowed: frozenset[str]) -> bool:
    """Whether the host of `url` is in an allow list of "host" or "host:port" entries (IPv6
    as "::1", "[::1]" or "[::1]:port"), so that it may be fetched although private."""
    host, port_text = host_port(url)
    scheme = url.partition(":")[0].lower()
    try:
        port = int(port_text) if port_text else _default_port(scheme)
    except ValueError:
        return False
    return bool(host) and _listed(host, port, allowed)
