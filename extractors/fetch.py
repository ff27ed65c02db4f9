"""All of labwatch's HTTP, in one place: timeouts, size caps, redirects, the private-address guard.

Feeds and pages are fetched with one `Fetcher` (an httpx.AsyncClient underneath) so that
every request gets the same limits. Failures raise the classified errors of
`extractors.errors`; callers decide whether to retry, fall back or record.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

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

DEFAULT_USER_AGENT = "labwatch/0.1 (+https://github.com/labwatch/labwatch)"


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


async def check_public_host(url: str, host: str) -> None:
    """Refuse a host that is, or resolves to, a private, loopback or otherwise internal address.

    Every address the name resolves to must be public, so a name with one public and one
    private record is refused too.
    """
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise NetworkError(url, f"cannot resolve {host}: {exc.strerror or exc}") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if not _is_public(address):
            raise BlockedAddressError(url, f"{host} resolves to non-public address {address}")


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

    def __init__(self, limits: FetchLimits | None = None) -> None:
        self.limits = limits or FetchLimits()
        self._client: httpx.AsyncClient | None = None
        self.gates: dict[str, HostGate] = defaultdict(
            lambda: HostGate(self.limits.per_host_connections, self.limits.min_host_interval)
        )

    async def __aenter__(self) -> Fetcher:
        lim = self.limits
        self._client = httpx.AsyncClient(
            follow_redirects=False,  # followed by hand so each hop passes the address guard
            timeout=httpx.Timeout(lim.read_timeout, connect=lim.connect_timeout),
            limits=httpx.Limits(max_connections=lim.max_connections),
            headers={"User-Agent": lim.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )
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
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise InvalidURLError(url, f"not an http(s) URL: {current!r}")
            if not allow_private and not self._allowed_private(parts.hostname, parts.port):
                await check_public_host(url, parts.hostname)
            async with self.gates[parts.hostname.lower()].turn():
                response = await self._stream(url, current, headers)
            status, resp_headers, body = response
            if status in (301, 302, 303, 307, 308) and "location" in resp_headers:
                seen.append(current)
                target = urljoin(current, resp_headers["location"])
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
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidURLError(url, f"not an http(s) URL: {url!r}")
        if not self._allowed_private(parts.hostname, parts.port):
            await check_public_host(url, parts.hostname)

    def _allowed_private(self, host: str, port: int | None) -> bool:
        allowed = self.limits.allowed_private_hosts
        return host.lower() in allowed or f"{host.lower()}:{port}" in allowed

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
