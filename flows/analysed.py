"""An analysed page as the ingest carries it from the analysis pool to the store: the article,
with its mentions and deals already turned into warehouse rows by the worker that found them.

A batch's results cross from the pool's workers by pickle, and the ingest's process, whose
CPU is the run's serial part (issue 19), unpickles them. As dataclasses, the mentions (about
60 an article) were most of that: a worker's 256 articles took 20 ms to unpickle and 6 ms
more to become rows in the ingest; as the rows themselves, 9 ms and nothing
(docs/benchmarks.md). The rows are the ones `flows.rows` builds from the records, so what is
stored does not change (tests/test_analysed.py compares them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from flows.rows import NewRow, article_row, deal_rows, mention_rows

if TYPE_CHECKING:
    from extractors.analyse import AnalysedArticle


@dataclass(frozen=True)
class Analysed:
    """An analysed article whose mentions and deals are rows (`flows.rows` `mention_rows`
    and `deal_rows` under the article's id and `version`); `article` holds neither."""

    article: AnalysedArticle  # its mentions and deals emptied: they are the rows below
    version: str  # the watchlist version the mention rows carry
    mentions: list[NewRow]
    deals: list[NewRow]

    def mention_rows(self, article_id: str, version: str) -> list[NewRow]:
        """The mention rows under `article_id` and `version` (copies where either differs:
        an upgrade stores a page's mentions under the stored article's id)."""
        if article_id == self.article.article_id and version == self.version:
            return self.mentions
        return [r | {"article_id": article_id, "watchlist_version": version} for r in self.mentions]

    def deal_rows(self, article_id: str) -> list[NewRow]:
        """The deal rows under `article_id`."""
        if article_id == self.article.article_id:
            return self.deals
        return [r | {"article_id": article_id} for r in self.deals]


def with_rows(article: AnalysedArticle, version: str) -> Analysed:
    """`article` as the pool sends it back: its mentions and deals as rows."""
    return Analysed(
        article=replace(article, mentions=(), deals=()),
        version=version,
        mentions=mention_rows(article.article_id, article.mentions, version),
        deals=deal_rows(article.article_id, article.deals),
    )


def batch_rows(
    batch: Iterable[Analysed], run_id: str, now: datetime, version: str
) -> tuple[list[NewRow], list[NewRow], list[NewRow]]:
    """(articles, mentions, deals) rows for a batch: `flows.rows.article_rows` of the
    articles the batch was made from."""
    arts: list[NewRow] = []
    mentions: list[NewRow] = []
    deals: list[NewRow] = []
    for a in batch:
        arts.append(article_row(a.article, run_id, now, version))
        mentions.extend(a.mention_rows(a.article.article_id, version))
        deals.extend(a.deals)
    return arts, mentions, deals
