"""`labwatch retag` on a real warehouse after the watchlist changes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors.analyse import analyse
from extractors.records import FeedEntry, PageInput
from flows import rows
from flows.settings import load_settings
from tests.helpers import SEED_SLUGS, seed_html, seed_text, stored
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
    # The rules alone: with the deal model, TIME in the seeds' disclosure line ("Investors in
    # Anthropic also include Salesforce, where TIME co-chair and owner Marc Benioff is CEO")
    # reads as an investor (docs/deals.md, "On by default, its deals marked").
    (home / "labwatch.toml").write_text(f'watchlist_extra = "{extra}"\ndeal_model = false\n')

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


# What a retag writes: the tags, the kept counts and ledger made from them, and the articles'
# fingerprints, versions and story keys.
RETAGGED = ("articles", "mentions", "deals", "story_keys", "story_bands", "article_entities",
            "deal_ledger", "deal_report_keys", "entity_days", "entity_pair_weeks")  # fmt: skip


def fill_many(home: Path, n: int) -> None:
    """`n` articles, the seeds' texts each made its own by a sentence of its own at the start
    of every paragraph; three
    stored without a fingerprint and three without a story key, as an older labwatch left
    them."""
    settings = load_settings(home)
    from extractors.entities import Tagger
    from warehouse.append import record_watchlist

    tagger = Tagger(settings.load_watchlist())
    analysed = []
    for k in range(n):
        slug = SEED_SLUGS[k % 2]
        html = seed_html(slug).replace(b"<p>", f"<p>Edition {k} from desk {k * 7}. ".encode())
        url = f"https://time.example/{slug}-{k}"
        entry = FeedEntry(url, f"{slug} {k}", url, WHEN, "", "", "")
        analysed.append(analyse(PageInput(entry, url, html), tagger))
    arts, mentions, deals = rows.article_rows(analysed, "r", WHEN, tagger.watchlist.version)
    with open_warehouse(settings.warehouse) as con:
        record_watchlist(con, rows.entity_rows(tagger.watchlist))
        append_batch(con, arts, [], mentions, deals)
        for sql in (
            "UPDATE articles SET fingerprint = NULL WHERE article_id IN"
            " (SELECT article_id FROM articles ORDER BY article_id LIMIT 3)",
            "DELETE FROM story_keys WHERE article_id IN"
            " (SELECT article_id FROM articles ORDER BY article_id DESC LIMIT 3)",
            "DELETE FROM story_bands WHERE article_id NOT IN (SELECT article_id FROM story_keys)",
        ):
            con.execute(sql)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (n,)


def add_time_magazine(home: Path) -> None:
    extra = home / "mine.toml"
    extra.write_text(
        '[[entity]]\nid = "time-magazine"\nname = "TIME"\nkind = "company"\naliases = ["TIME"]\n'
    )
    with (home / "labwatch.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'watchlist_extra = "{extra}"\n')


def test_retag_on_the_pool_stores_what_one_process_stores(home: Path, tmp_path: Path) -> None:
    # Tagged a few articles at a time on worker processes, staged, then swapped in: the
    # same rows as tagged in this process, and, with the watchlist unchanged, the same tags
    # as the ingest stored.
    import multiprocessing
    import shutil

    from flows.retag import retag

    fill_many(home, 12)
    warehouse = home / "labwatch.duckdb"
    ingested = stored(warehouse, ("mentions", "deals"))

    workers_seen: list[int] = []

    def during(done: int, total: int) -> None:
        workers_seen.append(len(multiprocessing.active_children()))

    same = retag(load_settings(home, workers=2), chunk=2, progress=during)
    assert same.articles == 12 and len(workers_seen) == 6 and min(workers_seen) >= 2
    assert stored(warehouse, ("mentions", "deals")) == ingested
    with open_warehouse(warehouse, read_only=True) as con:
        assert con.execute(
            "SELECT count(fingerprint), (SELECT count(*) FROM story_keys) FROM articles"
        ).fetchone() == (12, 12)  # filled in, and the story keys given again
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(warehouse, other / "labwatch.duckdb")

    for h in (home, other):
        add_time_magazine(h)
    on_pool = retag(load_settings(home, workers=2), chunk=5)
    here = retag(load_settings(other, workers=1))
    assert on_pool == here and on_pool.mentions_after > on_pool.mentions_before
    assert stored(warehouse, RETAGGED) == stored(other / "labwatch.duckdb", RETAGGED)
    assert not list(home.glob("*.retag.duckdb*"))  # the staging file is gone


def test_retag_holds_the_run_lock_and_leaves_nothing_when_stopped(home: Path) -> None:
    from flows.retag import retag
    from warehouse.errors import IngestRunningError
    from warehouse.run_lock import ingest_lock

    fill_many(home, 3)
    warehouse = home / "labwatch.duckdb"
    settings = load_settings(home)

    # While it tags, no ingest can start: one storing articles between the retag's read and
    # its swap would lose their tags.
    refused: list[str] = []

    def during(done: int, total: int) -> None:
        with pytest.raises(IngestRunningError) as exc, ingest_lock(warehouse):
            pass
        refused.append(str(exc.value))

    retag(settings, chunk=1, progress=during)
    assert len(refused) == 3 and all("a retag is running on" in r for r in refused), refused
    with ingest_lock(warehouse):
        pass  # released

    # An ingest running: the retag is refused, saying so, and changes nothing.
    add_time_magazine(home)
    before = stored(warehouse, RETAGGED)
    with ingest_lock(warehouse):
        out = labwatch("retag", home=home)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "another ingest is running on" in out.stderr
    assert "run labwatch retag again once it ends" in out.stderr
    assert stored(warehouse, RETAGGED) == before

    # Stopped half way: every tag as it was, no staging file left, the lock free.
    def stop(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        retag(load_settings(home), chunk=1, progress=stop)
    assert stored(warehouse, RETAGGED) == before
    assert not list(home.glob("*.retag.duckdb*"))
    assert retag(load_settings(home)).mentions_after > len(before["mentions"])


def test_a_retag_on_a_lake_leaves_an_article_stored_meanwhile_its_tags(
    tmp_path: Path, catalog: str
) -> None:
    # On a DuckLake no lock keeps other workers' ingests out while a retag reads: an article
    # one of them stores meanwhile keeps the mentions and deals it was stored with. Only
    # the articles the retag read have theirs swapped.
    from extractors.entities import Tagger
    from flows.retag import retag
    from tests.test_ducklake import lake_home

    home = lake_home(tmp_path / "lake", catalog, tmp_path / "data")
    lake = load_settings(home).warehouse
    fill_many(home, 4)
    tagger = Tagger(load_settings(home).load_watchlist())
    url = "https://time.example/late"
    html = seed_html(SEED_SLUGS[0]).replace(b"<p>", b"<p>Filed late. ")
    late = analyse(PageInput(FeedEntry(url, "late", url, WHEN, "", "", ""), url, html), tagger)
    arts, mentions, deals = rows.article_rows([late], "r", WHEN, tagger.watchlist.version)
    assert mentions and deals

    def meanwhile(done: int, total: int) -> None:
        if done == 1:  # the retag has read its articles' first chunk, and goes on reading
            with open_warehouse(lake) as con:
                append_batch(con, arts, [], mentions, deals)

    add_time_magazine(home)
    # A retag killed outright left its staging file; one of a live process is left alone.
    dead, live = home / "retag-4194305.duckdb", home / f"retag-{os.getppid()}.duckdb"
    for left in (dead, live):
        left.write_bytes(b"")
    result = retag(load_settings(home), chunk=1, progress=meanwhile)
    assert result.articles == 4
    assert sorted(p.name for p in home.glob("retag-*")) == [live.name]
    with open_warehouse(lake, read_only=True) as con:
        kept = con.execute(
            "SELECT count(*), count(DISTINCT watchlist_version) FROM mentions WHERE article_id = ?",
            [late.article_id],
        ).fetchone()
        versions = con.execute(
            "SELECT count(DISTINCT watchlist_version) FROM articles WHERE article_id <> ?",
            [late.article_id],
        ).fetchone()
        totals = con.execute(
            "SELECT (SELECT count(*) FROM mentions), (SELECT count(*) FROM deals)"
        ).fetchone()
    assert kept == (len(mentions), 1)  # as stored, with the watchlist it was tagged with
    assert versions == (1,) and totals == (result.mentions_after, result.deals_after)
