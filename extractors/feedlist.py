"""Feed lists: the TOML file of feeds to watch (seeds/feeds.toml is the default)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from extractors.errors import FeedListError
from extractors.records import FeedSpec
from extractors.urls import canonical_url, redact, url_key, url_problem

__all__ = ["FeedListError", "feed_spec", "load_feed_list"]


def feed_spec(url: str, name: str = "") -> FeedSpec:
    """A feed from its URL: keyed by the canonical URL without credentials, fetched from the
    canonical URL with them (`https://user:password@host/feed` logs in)."""
    problem = url_problem(url)
    if problem:
        raise FeedListError(f"not a usable feed URL: {redact(url.strip())!r}: {problem}")
    return FeedSpec(feed_id=url_key(url), url=canonical_url(url, keep_credentials=True), name=name)


def load_feed_list(path: Path) -> list[FeedSpec]:
    """Read `[[feed]]` tables with `url` and optional `name`; duplicates are dropped."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FeedListError(f"cannot read feed list {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FeedListError(f"{path}: {exc}") from exc
    specs: dict[str, FeedSpec] = {}
    for n, raw in enumerate(doc.get("feed", []), start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
            raise FeedListError(f"{path}: feed #{n} has no url")
        unknown = set(raw) - {"url", "name"}
        if unknown:
            raise FeedListError(f"{path}: feed #{n}: unknown field(s) {', '.join(sorted(unknown))}")
        spec = feed_spec(raw["url"], str(raw.get("name", "")))
        specs.setdefault(spec.feed_id, spec)
    if not specs:
        raise FeedListError(f"{path}: no [[feed]] entries")
    return list(specs.values())
