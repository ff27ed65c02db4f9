"""Managing the feed list in the warehouse: list with health, add (with discovery), remove,
OPML import and export. The CLI's `labwatch feeds` commands call these."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.discover import discover_feed
from extractors.feedlist import feed_spec
from extractors.fetch import Fetcher
from extractors.opml import OPMLFeed, parse_opml, to_opml
from extractors.urls import redact
from flows import rows
from flows.connection import open_db
from flows.settings import Settings
from warehouse.feed_state import add_feeds, feed_health, feed_states, remove_feed


@dataclass(frozen=True)
class AddedFeed:
    url: str
    title: str
    added: bool  # False when it was already in the list


def list_feeds(settings: Settings) -> list[dict[str, Any]]:
    """Every feed with its health; URLs shown with any password redacted."""
    with open_db(settings, read_only=True) as con:
        return [{**f, "url": redact(f["url"])} for f in feed_health(con)]


def add_feed(settings: Settings, url: str, name: str = "") -> AddedFeed:
    """Add a feed; given a web page, add the feed it advertises. The feed must parse."""

    async def find() -> tuple[str, str]:
        async with Fetcher(settings.fetch_limits()) as fetcher:
            feed_url, parsed = await discover_feed(fetcher, url)
            return feed_url, parsed.title

    feed_url, title = asyncio.run(find())
    spec = feed_spec(feed_url, name or title)
    with open_db(settings) as con:
        added = add_feeds(con, rows.feed_rows([spec], datetime.now(UTC)))
    return AddedFeed(spec.url, title, bool(added))


def remove_feed_url(settings: Settings, url: str) -> bool:
    with open_db(settings) as con:
        return remove_feed(con, feed_spec(url).feed_id)


def import_opml(settings: Settings, path: Path) -> tuple[int, int]:
    """(feeds added, feeds in the file)."""
    return import_opml_data(settings, path.read_bytes())


def import_opml_data(settings: Settings, data: bytes) -> tuple[int, int]:
    """(feeds added, feeds in the OPML document)."""
    found = parse_opml(data)
    specs = {s.feed_id: s for s in (feed_spec(f.url, f.name) for f in found)}
    with open_db(settings) as con:
        added = add_feeds(con, rows.feed_rows(list(specs.values()), datetime.now(UTC)))
    return added, len(found)


def export_opml(settings: Settings, path: Path) -> int:
    with open_db(settings, read_only=True) as con:
        feeds = [OPMLFeed(s["url"], s["name"] or "") for s in feed_states(con)]
    path.write_text(to_opml(feeds), encoding="utf-8")
    return len(feeds)
