"""The rows a retag stores for a few stored articles, tagged again with the current watchlist
(flows/retag.py): run by the analysis pool's workers, or in the retag's own process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from extractors.analyse import tag_article
from extractors.budget import Budget
from extractors.entities import Tagger
from extractors.fingerprint import as_bigint, simhash
from flows import rows
from flows.stories import stored_text_key, story_fields
from warehouse.articles import tag_rows

Row = Mapping[str, Any]
# A stored article as warehouse/articles.py `article_texts` reads it: (article_id, title,
# text, fingerprint, published_at, stored story signature).
StoredArticle = tuple[str, str, str, int | None, datetime | None, bytes | None]


@dataclass
class Retagged:
    """What a retag stores for some articles: their new mentions and deals (each key once,
    `tag_rows`), the fingerprints of those stored without one, and the story fields of
    those whose story key is missing or no longer their text's."""

    articles: int = 0
    article_ids: list[str] = field(default_factory=list)
    mentions: list[Row] = field(default_factory=list)
    deals: list[Row] = field(default_factory=list)
    fingerprints: list[Row] = field(default_factory=list)
    stories: list[Row] = field(default_factory=list)


def retag_rows(
    articles: Sequence[StoredArticle], tagger: Tagger, version: str, budget: Budget | None = None
) -> Retagged:
    out = Retagged(articles=len(articles), article_ids=[a[0] for a in articles])
    mentions: list[Row] = []
    deals: list[Row] = []
    for article_id, title, text, fingerprint, published, signature in articles:
        found, deal_list = tag_article(tagger, title, text, budget, published=published)
        mentions += rows.mention_rows(article_id, found, version)
        deals += rows.deal_rows(article_id, deal_list)
        if fingerprint is None and text:
            fingerprint = as_bigint(simhash(text))
            if fingerprint is not None:
                out.fingerprints.append({"article_id": article_id, "fingerprint": fingerprint})
        key = stored_text_key(text, tagger.name_words, title or "")
        stored = bytes(signature) if signature is not None else None
        if (key.signature if key else None) != stored:
            out.stories.append(
                {"article_id": article_id, "fingerprint": fingerprint} | story_fields(key)
            )
    out.mentions, out.deals = tag_rows(mentions, deals)
    return out
