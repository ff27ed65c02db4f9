"""The deals ledger kept as tables (migration 0013) always equals the ledger computed from
scratch by 0009's rules: after appends, replays, dates moved earlier by other feeds, pages
upgraded in place with other deals, a retag, and on a warehouse migrated with deals stored.
The digest and `labwatch deals` read the kept tables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb

from tests.test_article_entities import link, undo_0013
from tests.test_warehouse import NOW, article
from warehouse import deal_ledger
from warehouse.articles import append_batch, link_entries, replace_tags, upgrade_articles
from warehouse.database import open_warehouse


def deal(article_id: str, no: int, investor: str, target: str, amount: float | None,
         kind: str = "investment", **extra: object) -> dict[str, object]:  # fmt: skip
    return {
        "article_id": article_id, "deal_no": no, "kind": kind, "investor_id": investor,
        "target_id": target, "amount_usd": amount, "amount_max_usd": None, "qualifier": "",
        "year": None, "evidence": f"{investor} and {target} in {article_id}",
        "amount": amount, **extra,
    }  # fmt: skip


def in_step(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """The kept ledger, after checking it and the kept report keys equal those computed from
    scratch."""
    kept = deal_ledger.stored(con)
    assert kept == deal_ledger.computed(con)
    return kept[1]


def by_group(ledger: list[tuple[Any, ...]]) -> dict[tuple[str, str, str], list[tuple[Any, ...]]]:
    out: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for row in ledger:
        out.setdefault((row[1], row[2], row[3]), []).append(row)
    return out


def test_kept_ledger_follows_appends_dates_upgrades_and_retags(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        undated = {"published_at": None, "fetched_at": NOW}
        first = (
            [article("a", published_at=NOW - timedelta(days=5)), article("b", **undated)],
            [],
            [],
            [
                deal("a", 0, "amazon", "anthropic", 4e9),
                deal("b", 0, "amazon", "anthropic", 4.1e9),  # the same deal, rounded apart
                deal("a", 1, "aws", "openai", None, kind="compute"),
            ],
        )
        append_batch(con, *first)
        ledger = in_step(con)
        assert sorted((r[1], r[2], r[3], r[10]) for r in ledger) == [
            ("compute", "aws", "openai", 1),
            ("investment", "amazon", "anthropic", 2),
        ]
        append_batch(con, *first)  # a replayed batch changes nothing
        assert in_step(con) == ledger

        # A bigger round of the same parties, reported earlier: a deal of its own, and the
        # report without an amount follows the parties' first-reported deal.
        append_batch(
            con,
            [article("c", published_at=NOW - timedelta(days=10))],
            [],
            [],
            [deal("c", 0, "amazon", "anthropic", 8e9), deal("c", 1, "aws", "openai", 3e7,
                                                            kind="compute")],
        )  # fmt: skip
        groups = by_group(in_step(con))
        assert len(groups[("investment", "amazon", "anthropic")]) == 2

        # The undated article takes an earlier feed's date: the 4 billion deal is now first
        # reported then, with that report's amount, and its sources are the same.
        link_entries(con, [link("b", "f1", NOW - timedelta(days=20))])
        four = next(
            r for r in by_group(in_step(con))[("investment", "amazon", "anthropic")]
            if r[4] < 5e9
        )  # fmt: skip
        assert (four[4], four[11], four[10]) == (4.1e9, NOW - timedelta(days=20), 2)

        # A feed summary with a deal, upgraded to its page: the old deal's group is gone.
        summary = {"text": "Summary.", "text_source": "feed_summary", "published_at": None}
        append_batch(con, [article("d", **summary)], [], [], [deal("d", 0, "google", "xai", 1e9)])
        assert ("investment", "google", "xai") in by_group(in_step(con))
        page = {"article_id": "d", "text": "Page.", "text_source": "page", "title": "",
                "author": "", "published_at": NOW - timedelta(days=30)}  # fmt: skip
        assert upgrade_articles(con, [page], [], [deal("d", 0, "nvidia", "mistral-ai", 6e8)]) == 1
        groups = by_group(in_step(con))
        assert ("investment", "google", "xai") not in groups
        assert groups[("investment", "nvidia", "mistral-ai")][0][11] == NOW - timedelta(days=30)

        # A retag replaces every deal.
        replace_tags(con, [], [deal("a", 0, "microsoft", "openai", 1e10)], [], "v2")
        assert [(r[1], r[2], r[3]) for r in in_step(con)] == [("investment", "microsoft", "openai")]
        assert con.execute("SELECT count(*) FROM deal_groups_pending").fetchone() == (0,)


def test_migration_keeps_the_ledger_of_deals_already_stored(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with open_warehouse(path) as con:
        append_batch(con, [article("a"), article("b")], [], [], [])
        con.execute(
            "INSERT INTO deals (article_id, deal_no, kind, investor_id, target_id, amount_usd)"
            " VALUES ('a', 0, 'investment', 'amazon', 'anthropic', 4e9),"
            " ('b', 0, 'investment', 'amazon', 'anthropic', 4e9)"
        )  # as stored before migration 0013, which kept no ledger
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM schema_migrations WHERE version = 13")
    undo_0013(con)
    con.close()
    with open_warehouse(path) as con:  # 0013 applied again: it keeps what is stored
        ledger = in_step(con)
        assert [(r[1], r[2], r[3], r[10]) for r in ledger] == [
            ("investment", "amazon", "anthropic", 2)
        ]
