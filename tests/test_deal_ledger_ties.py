"""The deals ledger does not depend on the order its reports are read in (issue 19's
equivalence: the ledger kept batch by batch must equal a rebuild, and a rebuild must not
change with the file's row order). Reports of one deal at the same time are common (copies
of one wire story published at the same minute); 0009's rules picked the first report by
time alone, so between such reports whichever DuckDB read first gave the deal its evidence,
amounts, article and status, and its reports their deal_id. Real generated prose with deals
of the watchlist's parties, stored by the ingest's own append in two orders."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from extractors.analyse import AnalysedArticle
from tests.test_append_keys import batch, found_by_stand_in, generated, warehouse_at
from warehouse import deal_ledger
from warehouse.articles import append_batch
from warehouse.database import open_warehouse

Ledger = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def _ledger(path: Path, articles: list[AnalysedArticle]) -> Ledger:
    with open_warehouse(path) as con:
        for start in range(0, len(articles), 8):
            append_batch(con, *batch([("feed", a) for a in articles[start : start + 8]]))
        assert deal_ledger.stored(con) == deal_ledger.computed(con)
        times = con.execute("SELECT count(DISTINCT t) FROM deal_report_keys").fetchone()
        assert times == (1,)  # every report ties with every other of its deal
        return deal_ledger.stored(con)


def test_the_ledger_of_reports_at_one_time_does_not_depend_on_their_order(
    tmp_path: Path,
) -> None:
    # Undated articles: each is timed by when it was fetched, the same moment for all.
    articles = [replace(a, published=None) for a in generated(48, seed=7)]
    forward = _ledger(tmp_path / "forward.duckdb", articles)
    backward = _ledger(tmp_path / "backward.duckdb", articles[::-1])
    keys, ledger = forward
    assert len(ledger) > 20 and len(keys) > len(ledger)  # deals reported more than once
    assert backward == forward


def test_the_migration_computes_a_kept_ledger_again_under_the_tie_breaks(tmp_path: Path) -> None:
    articles = [replace(a, published=None) for a in generated(48, seed=7)]
    expected = _ledger(tmp_path / "new.duckdb", articles)
    # A warehouse kept under the rules before the tie-breaks, its reports read backwards.
    con = warehouse_at(tmp_path / "old.duckdb", 21)  # 0022 made the tie-breaks
    found_by_stand_in(con)
    for start in range(0, len(articles), 8):
        chunk = articles[::-1][start : start + 8]
        append_batch(con, *batch([("feed", a) for a in chunk]))
    assert deal_ledger.stored(con) != expected  # how 0009's rules broke the ties here
    con.close()
    with open_warehouse(tmp_path / "old.duckdb") as con:  # migrated
        assert deal_ledger.stored(con) == expected
        pending = con.execute("SELECT count(*) FROM deal_rows_pending").fetchone()
        assert pending == (0,)
