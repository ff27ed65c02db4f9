"""`labwatch retag` on a real warehouse after the watchlist changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from extractors.analyse import analyse
from extractors.records import FeedEntry, PageInput
from flows import rows
from flows.settings import load_settings
from tests.helpers import SEED_SLUGS, seed_html, seed_text
from tests.test_cli import labwatch
from warehouse.articles import append_batch
from warehouse.database import open_warehouse

WHEN = datetime(2024, 5, 13, tzinfo=UTC)


def fill(home: Path) -> None:
    settings = load_settings(home)
    from extractors.entities import Tagger

    tagger = Tagger(settings.load_watchlist())
    analysed = [
        analyse(PageInput(FeedEntry(f"https://time.example/{s}", s, s, WHEN, "", "", ""),
                          f"https://time.example/{s}", seed_html(s)), tagger)
        for s in SEED_SLUGS
    ]  # fmt: skip
    arts, mentions, deals = rows.article_rows(analysed, "r", WHEN, tagger.watchlist.version)
    with open_warehouse(settings.warehouse) as con:
        append_batch(con, arts, [], mentions, deals)
        con.execute("UPDATE articles SET fingerprint = NULL")  # as stored before fingerprints


def counts(home: Path) -> tuple[int, int, int, set[str]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        m, d, fp = con.execute(
            "SELECT (SELECT count(*) FROM mentions), (SELECT count(*) FROM deals),"
            " (SELECT count(fingerprint) FROM articles)"
        ).fetchone() or (0, 0, 0)
        versions = {
            r[0] for r in con.execute("SELECT DISTINCT watchlist_version FROM mentions").fetchall()
        }
    return m, d, fp, versions


def test_retag_after_a_watchlist_edit_is_idempotent(home: Path) -> None:
    fill(home)
    before = counts(home)
    time_mentions = sum(seed_text(s).count("TIME") for s in SEED_SLUGS)
    assert time_mentions > 0
    extra = home / "mine.toml"
    extra.write_text(
        '[[entity]]\nid = "time-magazine"\nname = "TIME"\nkind = "company"\naliases = ["TIME"]\n'
    )
    (home / "labwatch.toml").write_text(f'watchlist_extra = "{extra}"\n')

    out = labwatch("retag", home=home)
    assert out.returncode == 0, out.stderr
    assert f"mentions {before[0]} -> {before[0] + time_mentions}" in out.stdout
    after = counts(home)
    assert after[0] == before[0] + time_mentions
    assert after[1] == before[1]
    assert after[2] == 2  # the missing fingerprints were filled in
    assert len(after[3]) == 1 and after[3] != before[3]  # one watchlist version, the new one

    again = labwatch("retag", home=home)
    assert again.returncode == 0
    assert counts(home) == after


def stored_deals(home: Path) -> list[tuple[object, ...]]:
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        return con.execute(
            "SELECT article_id, deal_no, kind, investor_id, target_id, amount_usd, status,"
            " roles, currency, amount, year, tranche FROM deals ORDER BY article_id, deal_no"
        ).fetchall()


def test_retag_refreshes_stored_deals(home: Path) -> None:
    """Deals stored by an older finder (no status, a wrong party, a deal that is not one) are
    replaced by what the current finder reads, with the articles' dates."""
    fill(home)
    fresh = stored_deals(home)
    # The seeds were published in May 2024: DeepMind's 2014 acquisition is background there.
    assert any(d[2:5] == ("acquisition", "google", "google-deepmind") and d[6] == "background"
               for d in fresh)  # fmt: skip
    with open_warehouse(home / "labwatch.duckdb") as con:
        con.execute(
            "UPDATE deals SET status = 'reported', investor_id = 'openai' WHERE deal_no = 0"
        )
        con.execute(
            "INSERT INTO deals (article_id, deal_no, kind, investor_id, target_id, evidence)"
            " SELECT article_id, 99, 'acquisition', 'apple', 'anthropic', 'stale'"
            " FROM articles LIMIT 1"
        )
    assert stored_deals(home) != fresh
    out = labwatch("retag", home=home)
    assert out.returncode == 0, out.stderr
    assert f"deals {len(fresh) + 1} -> {len(fresh)}" in out.stdout
    assert stored_deals(home) == fresh
