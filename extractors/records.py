"""The records that cross modules, each defined once: feeds, pages, watchlist entities,
mentions and deals.

They live here, below everything that makes or reads them, so a module that only needs a
record type imports no parser, fetcher or tagger: the feed list needs `FeedSpec` without
loading the crawler, the crawler needs `PageInput` without loading the analysis (and
trafilatura). This module imports nothing from extractors/; tests/test_layers.py keeps
extractors/ to at most five import layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

# Outcomes of a feed fetch that count as success (the failures are the FetchError classes).
OK, NOT_MODIFIED = "ok", "not_modified"


@dataclass(frozen=True)
class FeedSpec:
    feed_id: str
    url: str
    name: str = ""
    # Validators from the last successful fetch, sent back so an unchanged feed costs nothing.
    etag: str = ""
    last_modified: str = ""
    body_hash: str = ""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str
    guid: str
    published: datetime | None
    author: str
    summary: str  # plain text
    content: str  # plain text of the full content (content:encoded, Atom content), if any


@dataclass(frozen=True)
class RejectedEntry:
    """An item that cannot become an article, and why (its URL redacted of any password)."""

    url: str
    title: str
    guid: str
    reason: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str
    version: str
    entries: tuple[FeedEntry, ...]
    warning: str  # why the body was flagged as malformed ("" when clean)
    rejected: tuple[RejectedEntry, ...] = ()
    items: int = 0  # items (entries) the body holds, usable or not


@dataclass(frozen=True)
class FeedFetch:
    """What one fetch of one feed gave: the parsed feed, or the reason it failed."""

    feed: FeedSpec
    fetched_at: datetime
    outcome: str  # ok | not_modified | hard | soft | rate_limited | blocked
    final_url: str = ""
    status: int | None = None
    size: int = 0
    duration: float = 0.0
    parsed: ParsedFeed | None = None
    error: str = ""
    attempts: int = 1
    retry_after: float | None = None  # seconds the server asked us to wait (429/503)
    etag: str = ""
    last_modified: str = ""
    body_hash: str = ""
    note: str = ""  # e.g. why an answer counted as not modified

    @property
    def entries(self) -> tuple[FeedEntry, ...]:
        return self.parsed.entries if self.parsed else ()

    @property
    def rejected(self) -> tuple[RejectedEntry, ...]:
        """Items that could not become articles (bad or missing link), with their reasons."""
        return self.parsed.rejected if self.parsed else ()

    @property
    def succeeded(self) -> bool:
        return self.outcome in (OK, NOT_MODIFIED)


@dataclass(frozen=True)
class PageInput:
    """A new feed entry and what fetching its page gave (html, or the reason it failed)."""

    entry: FeedEntry
    final_url: str = ""
    html: str | bytes | None = None
    page_error: str = ""
    page_outcome: str = ""  # "" when fetched, else the FetchError outcome class
    # None: `html` is as given. A string (the HTTP Content-Type, maybe ""): `html` is the
    # response's body, still to be decoded with it (extractors.charset.decoded), which the
    # ingest leaves to its analysis workers.
    content_type: str | None = None


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    kind: str
    parent: str
    aliases: tuple[str, ...]
    aliases_ignore_case: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fuzzy: bool = True
    sure: str = "context"
    senses: tuple[str, ...] = ()
    sense_words: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    since: int = 0  # the year the entity came to be (its maker's founding, a product's launch)


@dataclass(frozen=True)
class Watchlist:
    entities: tuple[Entity, ...]
    version: str  # hash of the file's content, stored with every mention

    @cached_property
    def _by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for e in self.entities:
            children.setdefault(e.parent, []).append(e.id)
        return children

    @cached_property
    def _parents(self) -> dict[str, str]:
        return {e.id: e.parent for e in self.entities}

    def get(self, entity_id: str) -> Entity:
        return self._by_id[entity_id]

    def family(self, entity_id: str) -> frozenset[str]:
        """The entity, its ancestors and its descendants: the mentions that vouch for an
        ambiguous alias of it (Anthropic for Claude, Google for Gemini, Bedrock for AWS)."""
        children = self._children
        found = {entity_id, *self.ancestors(entity_id)}
        todo = [entity_id]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return frozenset(found)

    def ancestors(self, entity_id: str) -> list[str]:
        """The entity's parent, grandparent, ... (bedrock -> aws -> amazon)."""
        parents = self._parents
        chain: list[str] = []
        current = parents.get(entity_id, "")
        while current and current not in chain:
            chain.append(current)
            current = parents.get(current, "")
        return chain


@dataclass(frozen=True)
class Mention:
    entity: str
    kind: str
    text: str  # the surface form as it appears in the text
    start: int
    end: int


@dataclass(frozen=True)
class Deal:
    kind: str
    investor: str  # entity id: the investor, acquirer, provider, platform, licensee or hirer
    target: str  # entity id (second party)
    amount_usd: float | None  # the amount in US dollars, or the low end of a range
    amount_max_usd: float | None  # the high end of a range, else the amount
    qualifier: str  # "up to", "at least", "more than", "about", "reportedly" ("" when plain)
    year: int | None
    evidence: str  # the sentence that states it
    start: int  # offset of that sentence in the text
    status: str = "reported"  # reported | in_talks | background | denied
    roles: tuple[tuple[str, str], ...] = ()  # (entity id, lead | participant | partner)
    currency: str = "USD"  # of the amount as written
    amount: float | None = None  # as written, in `currency`
    amount_max: float | None = None
    tranche: bool = False  # money on top of an earlier deal of the same parties
    found_by: str = "rules"  # "model": read by extractors/deal_model.py, not by a rule
