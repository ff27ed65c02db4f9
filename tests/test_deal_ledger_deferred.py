"""An ingest's stores leave the deals ledger pending and its closing step computes it once
(issue 19: the ledger's refresh was the largest part of a store at 1M articles). The ledger
caught up after deferred stores must equal the one kept store by store and the one rebuilt
from scratch, whatever happened to the pending reports meanwhile: reported again, retimed by
a later store or by a feed link, stored again, rebuilt. Until it is caught up the ledger reads
as it was before the deferred stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.digest import build_digest
from flows.ingest import IngestSummary, write_run
from flows.rows import article_rows, entity_rows
from flows.seed_site import seed_feed_urls, seed_host
from flows.settings import load_settings
from tests.test_append_keys import WHEN, Batch, batch, generated
from tests.test_digest import AFTER, WEEK, analysed, day
from tests.test_digest_deals import ROUND
from tests.test_ingest_flow import run_ingest
from warehouse import deal_ledger
from warehouse.append import record_watchlist
from warehouse.articles import append_batch, link_entries
from warehouse.database import open_warehouse


def batches() -> list[Batch]:
    # Four batches a day apart, most groups reported again in later ones; the last also
    # carries the second batch's first articles again from another feed, a week earlier:
    # their dates move (from a feed entry) inside a deferring store, after their deals were
    # left pending with their first dates by another.
    out = [
        batch([(f"feed-{k % 3}", a) for a in generated(10, seed=40 + k, first=24 * k)])
        for k in range(4)
    ]
    second = generated(10, seed=41, first=24)[:3]
    again = batch([("feed-late", a) for a in second])
    out[3][1].extend(
        {**link, "entry_published_at": WHEN - timedelta(days=7, minutes=n)}
        for n, link in enumerate(again[1])
    )
    return out


def ledger_rows(con: duckdb.DuckDBPyConnection) -> tuple[list[Any], list[Any]]:
    return deal_ledger.stored(con)


def test_deferred_stores_caught_up_equal_stores_refreshed_and_a_rebuild(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "kept.duckdb") as con:
        for b in batches():
            append_batch(con, *b)
        kept = ledger_rows(con)
        assert not deal_ledger.is_pending(con)
    with open_warehouse(tmp_path / "deferred.duckdb") as con:
        empty = ledger_rows(con)
        first, *rest = batches()
        append_batch(con, *first)  # computed at once: the ledger before the deferred stores
        before = ledger_rows(con)
        assert before != empty
        for b in rest:
            counts = append_batch(con, *b, defer_ledger=True)
            assert counts.deals > 0
            # Pending: the ledger reads as it was, not half-computed.
            assert deal_ledger.is_pending(con) and ledger_rows(con) == before
        moved = con.execute(
            "SELECT count(*) FROM articles WHERE published_at < ?", [WHEN - timedelta(days=6)]
        ).fetchone()
        assert moved is not None and moved[0] == 3  # the dates moved in a deferring store
        assert deal_ledger.catch_up(con)
        assert not deal_ledger.is_pending(con) and not deal_ledger.catch_up(con)
        assert ledger_rows(con) == kept == deal_ledger.computed(con)
        assert kept[0] and kept[1]


def test_a_refresh_or_a_rebuild_computes_what_was_left_pending(tmp_path: Path) -> None:
    first, second, third, fourth = batches()
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, *first, defer_ledger=True)
        append_batch(con, *second, defer_ledger=True)
        # A feed link moving dates (another writer) refreshes its groups and the pending ones.
        later = [
            {**link, "feed_id": "feed-other", "entry_published_at": WHEN - timedelta(days=2)}
            for link in second[1][:2]
        ]
        assert link_entries(con, later) == 2
        assert not deal_ledger.is_pending(con)
        assert ledger_rows(con) == deal_ledger.computed(con)
        # A store that refreshes computes the pending groups with its own.
        append_batch(con, *third, defer_ledger=True)
        append_batch(con, *fourth)
        assert not deal_ledger.is_pending(con)
        assert ledger_rows(con) == deal_ledger.computed(con)
        # A rebuild (after a retag) with groups pending: each report once, times read again.
        replayed = append_batch(con, *fourth, defer_ledger=True)
        assert replayed.deals == 0
        con.execute(
            "INSERT INTO deal_groups_pending SELECT DISTINCT kind, investor_id, target_id"
            " FROM deals"
        )
        con.execute(
            "INSERT INTO deal_times_pending SELECT article_id, fetched_at FROM articles"
            " SEMI JOIN deals USING (article_id)"
        )
        computed = deal_ledger.computed(con)
        deal_ledger.rebuild(con)
        assert not deal_ledger.is_pending(con) and ledger_rows(con) == computed


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_an_ingest_leaves_nothing_pending_and_the_next_run_catches_up_a_killed_one(
    home: Path, seed_site: str
) -> None:
    feeds, allow = seed_feed_urls(seed_site), [seed_host(seed_site)]
    first = run_ingest(home, feeds, allow)
    assert first["deals"] > 0
    warehouse = home / "labwatch.duckdb"
    with open_warehouse(warehouse) as con:
        assert not deal_ledger.is_pending(con)
        caught = ledger_rows(con)
        assert caught == deal_ledger.computed(con) and caught[1]
        # As a run killed between its stores and its closing step leaves it.
        con.execute("DELETE FROM deal_ledger")
        con.execute("DELETE FROM deal_report_keys")
        con.execute(
            "INSERT INTO deal_groups_pending SELECT DISTINCT kind, investor_id, target_id"
            " FROM deals"
        )
        con.execute(
            "INSERT INTO deal_times_pending SELECT article_id,"
            " coalesce(published_at, fetched_at) FROM articles SEMI JOIN deals USING (article_id)"
        )
    second = run_ingest(home, feeds, allow)
    assert second["articles_new"] == 0  # nothing new: the run caught up the killed one's
    with open_warehouse(warehouse) as con:
        assert not deal_ledger.is_pending(con) and ledger_rows(con) == caught


def test_the_digest_reports_deals_a_killed_run_left_pending(home: Path) -> None:
    settings = load_settings(home)
    watchlist = settings.load_watchlist()
    article = analysed("r1", day(0, 1), {"perplexity": 1, "nvidia": 1}, deals=(ROUND,))
    with open_warehouse(settings.warehouse) as con:
        record_watchlist(con, entity_rows(watchlist))
        arts, mentions, deals = article_rows([article], "run", AFTER, watchlist.version)
        append_batch(con, arts, [], mentions, deals, defer_ledger=True)  # no closing step
        assert deal_ledger.is_pending(con)
    markdown = build_digest(settings, WEEK, AFTER).markdown.read_text(encoding="utf-8")
    assert "- **Investment**: Nvidia → Perplexity, \\$200M; 1 source this week" in markdown
    with open_warehouse(settings.warehouse) as con:
        assert not deal_ledger.is_pending(con)


def test_a_failed_run_leaves_the_ledger_up_to_date_with_the_stores_that_ended(
    home: Path,
) -> None:
    settings = load_settings(home)
    first, second, *_ = batches()
    with open_warehouse(settings.warehouse) as con:
        append_batch(con, *first, defer_ledger=True)
        append_batch(con, *second, defer_ledger=True)
        assert deal_ledger.is_pending(con)
    # The run's row written as failed (its closing step never ran): the ledger caught up.
    started = datetime.now(UTC)
    write_run(settings, IngestSummary(run_id="r1").run_row("failed", started, "OSError: x"))
    with open_warehouse(settings.warehouse) as con:
        assert not deal_ledger.is_pending(con)
        kept = ledger_rows(con)
        assert kept == deal_ledger.computed(con) and kept[1]
