"""Fetching many feeds and pages concurrently, each failure kept with its reason.

One bad feed or page never stops the others: every outcome comes back as a record, and the
caller stores it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from extractors.analyse import PageInput
from extractors.errors import FetchError, HTTPStatusError, NotAFeedError
from extractors.feeds import FeedEntry, ParsedFeed, parse_feed
from extractors.fetch import Fetcher, FetchLimits

OK, NOT_MODIFIED = "ok", "not_modified"


@dataclass(frozen=True)
class FeedSpec:
    feed_id: str
    url: str
    name: str = ""


@dataclass(frozen=True)
class FeedFetch:
    """What one fetch of one feed gave: the parsed feed, or the reason it failed."""

    feed: FeedSpec
    fetched_at: datetime
    outcome: str  # ok | not_modified | hard | soft | rate_limited
    final_url: str = ""
    status: int | None = None
    size: int = 0
    duration: float = 0.0
    parsed: ParsedFeed | None = None
    error: str = ""

    @property
    def entries(self) -> tuple[FeedEntry, ...]:
        return self.parsed.entries if self.parsed else ()


async def _fetch_feed(fetcher: Fetcher, feed: FeedSpec) -> FeedFetch:
    started = datetime.now(UTC)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        # Feed URLs are chosen by the user, so they may point at private hosts (an intranet
        # feed, the demo's loopback site); pages linked *from* feeds may not (see fetch_pages).
        result = await fetcher.get(feed.url, allow_private=True)
    except FetchError as exc:
        status = exc.status if isinstance(exc, HTTPStatusError) else None
        return FeedFetch(
            feed, started, exc.outcome, status=status, duration=loop.time() - t0, error=str(exc)
        )
    fetched = FeedFetch(
        feed,
        started,
        OK,
        final_url=result.final_url,
        status=result.status,
        size=len(result.body),
        duration=loop.time() - t0,
    )
    if result.status == 304:
        return replace(fetched, outcome=NOT_MODIFIED)
    try:
        # Parsing is CPU work; a thread keeps the other fetches moving meanwhile.
        parsed = await asyncio.to_thread(
            parse_feed, result.body, url=result.final_url, headers=result.headers
        )
    except NotAFeedError as exc:
        return replace(fetched, outcome=NotAFeedError.outcome, error=str(exc))
    return replace(fetched, parsed=parsed)


async def fetch_feeds(feeds: Sequence[FeedSpec], limits: FetchLimits) -> list[FeedFetch]:
    """Fetch and parse every feed concurrently, in the order given."""
    async with Fetcher(limits) as fetcher:
        return list(await asyncio.gather(*(_fetch_feed(fetcher, f) for f in feeds)))


async def _fetch_page(fetcher: Fetcher, entry: FeedEntry, allow_private: bool) -> PageInput:
    try:
        result = await fetcher.get(entry.url, allow_private=allow_private)
    except FetchError as exc:
        return PageInput(entry, page_error=str(exc))
    if result.content_type and "html" not in result.content_type:
        return PageInput(entry, result.final_url, page_error=f"not HTML: {result.content_type}")
    return PageInput(entry, result.final_url, html=result.body)


async def fetch_pages(
    entries: Sequence[FeedEntry], limits: FetchLimits, *, allow_private: bool = False
) -> list[PageInput]:
    """Fetch the page of every entry concurrently; a failed page keeps its reason."""
    async with Fetcher(limits) as fetcher:
        return list(
            await asyncio.gather(*(_fetch_page(fetcher, e, allow_private) for e in entries))
        )
