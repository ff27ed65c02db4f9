"""`labwatch retag`: tag every stored article again after the watchlist changed, and bring
story keys up to date: articles stored before keys existed (a warehouse older than migration
0011) get one, and an article whose key no longer matches its text gets its text's; each of
those is placed in its story again (warehouse/stories.py `refresh_stories`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extractors.analyse import tag_article
from extractors.entities import Tagger
from extractors.fingerprint import as_bigint, simhash
from flows import rows
from flows.connection import open_db
from flows.settings import Settings
from flows.stories import STORY_RULE, stored_text_key, story_fields
from warehouse.articles import article_texts, replace_tags, tag_counts
from warehouse.stories import stored_signatures, update_stories


@dataclass(frozen=True)
class RetagResult:
    articles: int
    mentions_before: int
    mentions_after: int
    deals_before: int
    deals_after: int
    version: str
    story_keys: int = 0  # articles given a new story key (none before, or a stale one)
    story_moves: int = 0  # articles that changed story


def retag(settings: Settings) -> RetagResult:
    """Re-tag every article with the current watchlist and replace all mentions and deals in
    one transaction; also fingerprint articles stored before fingerprints existed, and give a
    story key to those without one or with a stale one, placing them in their stories again.
    Idempotent: a second run with the same watchlist stores the same rows."""
    watchlist = settings.load_watchlist()
    tagger = Tagger(watchlist)
    mentions: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    fingerprints: list[dict[str, Any]] = []
    stories: list[dict[str, Any]] = []
    count = 0
    # Read everything first, with the file open read-only, then write in one short transaction.
    with open_db(settings, read_only=True) as con:
        before = tag_counts(con)
        signatures = stored_signatures(con)
        for batch in article_texts(con):
            for article_id, title, text, fingerprint, published in batch:
                found, deal_list = tag_article(tagger, title, text, published=published)
                mentions += rows.mention_rows(article_id, found, watchlist.version)
                deals += rows.deal_rows(article_id, deal_list)
                if fingerprint is None and text:
                    fingerprint = as_bigint(simhash(text))
                    if fingerprint is not None:
                        fingerprints.append({"article_id": article_id, "fingerprint": fingerprint})
                key = stored_text_key(text)
                if (key.signature if key else None) != signatures.get(article_id):
                    stories.append(
                        {"article_id": article_id, "fingerprint": fingerprint} | story_fields(key)
                    )
                count += 1
    with open_db(settings) as con:
        stored = replace_tags(
            con, mentions, deals, rows.entity_rows(watchlist), watchlist.version, fingerprints
        )
        # A second transaction: a retag stopped between the two is completed by the next.
        moves = update_stories(con, stories, STORY_RULE)
    return RetagResult(
        count,
        before[0],
        stored[0],
        before[1],
        stored[1],
        watchlist.version,
        story_keys=len(stories),
        story_moves=moves,
    )
