"""A store's checkpoint defers row-group merges and FSST (warehouse/store_checkpoint.py).

Stores are made as the ingest makes them: the warehouse opened, `append_batch`, closed (its
checkpoint). Deferring changes only the file's layout: every table's rows in their order and
every view's answer equal those of stores checkpointed with DuckDB's defaults (the path
before), through replays, a feed link to a stored article and a page upgrade (deletes).
Small row groups pile up for `MERGE_AT` stores, then a store merges them; readers open the
file between stores with no write-ahead log to replay.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from flows.stories import STORY_RULE
from tests.helpers import v_views
from tests.test_append_keys import Batch, batch, generated, history
from warehouse import store_checkpoint
from warehouse.articles import append_batch, link_entries, upgrade_articles
from warehouse.database import open_warehouse
from warehouse.store_checkpoint import MERGE_AT, small_row_groups

STORES = 2 * MERGE_AT + 2
# Tables their writers rewrite in place (DELETE and INSERT, MERGE) in an order no query fixes:
# two warehouses stored with DuckDB's defaults differ in it too. Compared sorted.
UNORDERED = ("deal_ledger", "deal_report_keys", "entity_days", "entity_pair_weeks")


def stores() -> list[Batch]:
    """Small stores of generated articles, the last one a replay of the first."""
    arts = generated(3 * (STORES - 1), seed=5)
    out = [batch([("feed-a", a) for a in arts[k : k + 3]]) for k in range(0, len(arts), 3)]
    return [*out, out[0]]


def store_all(path: Path, after_append: Callable[[duckdb.DuckDBPyConnection], None]) -> list[int]:
    """Each store on an opening of its own, `after_append` run before its close; then the
    writes of tests/test_append_keys.py `history` (links, an upgrade). Small row groups of
    `article_hashes` after each store."""
    small = []
    for arts, links, mentions, deals in stores():
        with open_warehouse(path) as con:
            append_batch(con, arts, links, mentions, deals, stories=STORY_RULE)
            after_append(con)
        with open_warehouse(path, read_only=True) as reader:
            small.append(small_row_groups(reader))
    batches, later, (up_arts, _, up_mentions, up_deals) = history()
    for arts, links, mentions, deals in batches:
        with open_warehouse(path) as con:
            append_batch(con, arts, links, mentions, deals, stories=STORY_RULE)
            after_append(con)
    with open_warehouse(path) as con:
        link_entries(con, later)
        upgrade_articles(con, up_arts, up_mentions, up_deals, stories=STORY_RULE)
    return small


def defaults(con: duckdb.DuckDBPyConnection) -> None:
    """The checkpoint as before: DuckDB's own settings."""
    con.execute("RESET max_vacuum_tasks")
    con.execute("RESET disabled_compression_methods")


def contents(path: Path) -> dict[str, list[Any]]:
    """Every table's rows in storage order (sorted if UNORDERED), and every view's sorted."""
    out: dict[str, list[Any]] = {}
    with open_warehouse(path, read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                " AND NOT internal AND table_name <> 'schema_migrations'"
            ).fetchall()
        ]
        for t in tables:
            order = "ALL" if t in UNORDERED else "rowid"
            out[t] = con.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall()
        for v in v_views(con):
            out[v] = con.execute(f"SELECT * FROM {v} ORDER BY ALL").fetchall()
    return out


def test_deferred_stores_keep_every_row_in_order_and_every_view(tmp_path: Path) -> None:
    deferred, before = tmp_path / "deferred.duckdb", tmp_path / "before.duckdb"
    store_all(deferred, lambda con: None)
    store_all(before, defaults)
    got, want = contents(deferred), contents(before)
    assert got.keys() == want.keys()
    assert {k: v for k, v in got.items() if v != want[k]} == {}
    assert want["articles"] and want["mentions"] and want["deal_ledger"]


def test_small_row_groups_wait_for_a_merge_and_readers_find_no_log(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    small = store_all(path, lambda con: None)
    # One more small row group a store, until a store finds MERGE_AT waiting and merges.
    assert small[:MERGE_AT] == list(range(1, MERGE_AT + 1))
    assert max(small) == MERGE_AT and small[MERGE_AT] < MERGE_AT
    assert not Path(f"{path}.wal").exists() or Path(f"{path}.wal").stat().st_size == 0
    # With DuckDB's defaults every checkpoint merges them.
    assert set(store_all(tmp_path / "before.duckdb", defaults)) == {1}


def test_a_store_defers_unless_it_merges(tmp_path: Path) -> None:
    arts, links, mentions, deals = stores()[0]
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, arts, links, mentions, deals)
        settings = (
            "SELECT current_setting('max_vacuum_tasks'),"
            " current_setting('disabled_compression_methods')"
        )
        assert con.execute(settings).fetchone() == (0, "FSST")
        for _ in range(MERGE_AT):  # small row groups, as stores leave them
            con.execute("CHECKPOINT")
            con.execute("INSERT INTO article_hashes VALUES (1)")
        con.execute("CHECKPOINT")
        assert small_row_groups(con) >= MERGE_AT
        assert store_checkpoint.defer_merges(con) is False
        assert con.execute(settings).fetchone() == (100, "")
