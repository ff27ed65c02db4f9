"""New articles' earliest dates are read from the batch's own feed links (issue 19: no lookup
in 1M articles per batch), by the rule the stored articles' lookup applies in SQL: the same
moves, and the same rows stored as when the links come later and the lookup moves them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.helpers import stored
from tests.test_article_entities import link
from tests.test_deal_ledger_kept import deal
from tests.test_warehouse import article, mention
from warehouse.append import Row, insert_rows
from warehouse.articles import (
    append_batch,
    link_entries,
    new_article_moves,
    stored_moves,
)
from warehouse.database import open_warehouse

NOW = datetime.now(UTC).replace(microsecond=0)
# Dates a page may give: missing, the same as another, earlier, implausibly early, ahead of
# now by less or more than a day.
DATES: list[datetime | None] = [
    None,
    NOW - timedelta(days=3),
    NOW - timedelta(days=2),
    NOW - timedelta(days=2, hours=5),
    datetime(1990, 1, 1, tzinfo=UTC),
    NOW + timedelta(hours=3),
    NOW + timedelta(days=30),
]
# A feed entry's may also come without a time zone (read as UTC).
ENTRY_DATES = [*DATES, (NOW - timedelta(days=4)).replace(tzinfo=None)]


def world(seed: int, n: int = 60) -> tuple[list[Row], list[Row], list[Row], list[Row]]:
    """`n` articles, each with a random date and zero to three feed links of random dates;
    each with a mention, every third with a deal."""
    rng = random.Random(seed)
    arts, links, mentions, deals = [], [], [], []
    for k in range(n):
        key = f"a{k:03d}"
        published = rng.choice(DATES)
        arts.append(article(key, published_at=published, fetched_at=NOW))
        mentions.append(mention(key, 0))
        if k % 3 == 0:
            deals.append(deal(key, 0, "amazon", "anthropic", 1e9 * (1 + k % 4)))
        for f in range(rng.randrange(4)):
            # Often the article's own date: a date that came from a feed entry.
            when = published if rng.random() < 0.4 else rng.choice(ENTRY_DATES)
            links.append(link(key, f"feed{f}", when))
    return arts, links, mentions, deals


def test_moves_from_the_batch_equal_the_stored_lookup(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        for seed in range(8):
            arts, links, _, _ = world(seed)
            con.execute("BEGIN TRANSACTION")
            try:
                insert_rows(con, "articles", [_columns(a) for a in arts], skip_existing=False)
                insert_rows(con, "article_feeds", links, skip_existing=False)
                now = con.execute("SELECT now()").fetchone()
                assert now is not None
                from_batch = new_article_moves(arts, links, now[0])
                from_sql = stored_moves(con, {r["article_id"] for r in links})
            finally:
                con.execute("ROLLBACK")
            assert sorted(from_sql) == sorted(from_batch), seed
            assert from_batch, seed  # some dates do move


def test_an_append_with_links_stores_what_links_added_later_store(tmp_path: Path) -> None:
    """The reference: the articles stored without links, then the links recorded by
    `link_entries`, whose stored lookup moves the dates (entity counts and the deals ledger
    retimed with them)."""
    tables = ("articles", "article_feeds", "article_entities", "entity_days", "deal_report_keys",
              "deal_ledger")  # fmt: skip
    for seed in range(3):
        arts, links, mentions, deals = world(100 + seed)
        batch, later = tmp_path / f"batch{seed}.duckdb", tmp_path / f"later{seed}.duckdb"
        with open_warehouse(batch) as con:
            append_batch(con, arts, links, mentions, deals)
        with open_warehouse(later) as con:
            append_batch(con, arts, [], mentions, deals)
            link_entries(con, links)
        assert _with_times(batch, tables) == _with_times(later, tables), seed


def _columns(a: Row) -> Row:
    return {k: v for k, v in a.items() if k not in ("entry_key", "entry_url")}


def _with_times(path: Path, tables: tuple[str, ...]) -> dict[str, Any]:
    """The tables' rows (tests/helpers.py `stored`) and every stored time, which `stored`
    leaves out."""
    out = stored(path, tables)
    with open_warehouse(path, read_only=True) as con:
        for table, column in (("articles", "published_at"), ("article_entities", "t"),
                              ("deal_report_keys", "t"), ("deal_ledger", "first_reported")):  # fmt: skip
            out[f"{table}.{column}"] = con.execute(
                f"SELECT article_id, {column} FROM {table} ORDER BY ALL"
            ).fetchall()
    return out
