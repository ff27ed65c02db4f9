"""robots.txt, fetched once per host per run and honoured for every page.

Matching is RFC 9309's (protego): the longest matching rule wins, `*` and `$` are patterns.
The standard library's parser takes the first rule in file order and reads `*`/`$` literally.
"""

from __future__ import annotations

import asyncio

from protego import Protego

from extractors.errors import FetchError, HTTPStatusError
from extractors.fetch import Fetcher
from extractors.urls import origin as url_origin

# The product token matched against User-agent lines.
ROBOTS_AGENT = "labwatch"


class RobotsCache:
    """Per-run cache of each host's rules. A missing robots.txt (4xx) allows everything; an
    unreachable one (5xx, network failure) disallows the host for this run, as RFC 9309 says."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self._rules: dict[str, Protego | bool] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _load(self, origin: str) -> Protego | bool:
        try:
            result = await self.fetcher.get(f"{origin}/robots.txt")
        except HTTPStatusError as exc:
            return 400 <= exc.status < 500  # 4xx: no rules; 5xx: treat as disallow-all
        except FetchError:
            return False
        try:
            return Protego.parse(result.body.decode("utf-8", "replace"))
        except Exception:  # a parser error on a hostile file: as unreachable, disallow the host
            return False

    async def allowed(self, url: str) -> bool:
        # The origin without credentials: a page URL's password never goes to robots.txt.
        origin = url_origin(url)
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one fetch of robots.txt per host, however many pages wait for it
            if origin not in self._rules:
                self._rules[origin] = await self._load(origin)
        rules = self._rules[origin]
        if isinstance(rules, bool):
            return rules
        return bool(rules.can_fetch(url, ROBOTS_AGENT))
