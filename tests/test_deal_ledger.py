"""The deals ledger on a real warehouse: one row per real deal, whatever the outlets wrote;
tranches linked to the deal before; rounds with every backer's role; statuses; and the
migration that brought the new columns to a warehouse with deals in it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from extractors.analyse import analyse
from extractors.entities import Tagger, load_watchlist
from extractors.records import FeedEntry, PageInput
from flows import rows
from seeds import SEEDS_DIR
from tests.test_cli import labwatch
from warehouse.append import insert_rows
from warehouse.articles import append_batch
from warehouse.database import migrate, migrations, open_warehouse
from warehouse.queries import deals_ledger

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))

# Five sites over two weeks (sentences written for this test).
REPORTS = [
    ("wire.example", 3, "AWS and OpenAI signed a seven-year cloud contract worth $38 billion."),
    ("daily.example", 3, "OpenAI will buy $38bn of computing capacity from Amazon Web Services "
                         "over seven years."),
    ("tech.example", 4, "OpenAI has agreed to pay AWS about $38 billion for cloud capacity."),
    ("wire.example", 5, "Perplexity AI raised $200 million in a round led by Nvidia and "
                        "Salesforce, with participation from IBM."),
    ("daily.example", 6, "Perplexity AI closed a $200 million round co-led by Nvidia and "
                         "Salesforce."),
    ("tech.example", 7, "Anthropic already has cloud agreements with AWS and Microsoft."),
    ("wire.example", 8, "Amazon invested $4 billion in Anthropic."),
    ("money.example", 12, "Amazon will invest an additional $4 billion in Anthropic."),
    ("money.example", 13, "Apple is in talks to invest in Mistral AI."),
]  # fmt: skip


def store(path: Path) -> None:
    analysed = [
        analyse(PageInput(FeedEntry(f"https://{site}/{n}", f"Story {n}", f"g{n}",
                                    datetime(2025, 11, day, 9, tzinfo=UTC), "", "", text)), TAGGER)
        for n, (site, day, text) in enumerate(REPORTS)
    ]  # fmt: skip
    arts, mentions, deals = rows.article_rows(analysed, "run", datetime.now(UTC), "v1")
    with open_warehouse(path) as con:
        append_batch(con, arts, [], mentions, deals)


def ledger(path: Path) -> list[dict[str, Any]]:
    with open_warehouse(path, read_only=True) as con:
        cursor = con.execute("SELECT * FROM v_deals ORDER BY first_reported, deal_id")
        columns = [d[0] for d in cursor.description or []]
        return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def test_one_row_per_real_deal(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    store(path)
    rows_ = ledger(path)
    by = {(r["kind"], r["investor"], r["target"], r["tranche"]): r for r in rows_}
    # The $38 billion contract, in three wordings by three sites: one row, three sources.
    cloud = by[("compute", "aws", "openai", False)]
    assert (cloud["amount_usd"], cloud["sources"], cloud["status"]) == (38e9, 3, "reported")
    # The round led by two backers: one row, both leads and the participant, the total once.
    round_ = by[("investment", "nvidia", "perplexity", False)]
    assert (round_["amount_usd"], round_["sources"]) == (200e6, 2)
    assert [(x["entity_id"], x["role"]) for x in round_["roles"]] == [
        ("nvidia", "lead"), ("salesforce", "lead"), ("ibm", "participant")]  # fmt: skip
    assert not any(r["investor"] in ("salesforce", "ibm") for r in rows_)
    # Background is shown as such, not as a new deal.
    assert by[("compute", "aws", "anthropic", False)]["status"] == "background"
    assert by[("investment", "apple", "mistral-ai", False)]["status"] == "in_talks"
    # The additional $4 billion is its own row, linked to the first $4 billion.
    first = by[("investment", "amazon", "anthropic", False)]
    tranche = by[("investment", "amazon", "anthropic", True)]
    assert (first["amount_usd"], tranche["amount_usd"]) == (4e9, 4e9)
    assert tranche["follows"] == first["deal_id"] and first["follows"] is None
    # Every report is in the ledger exactly once.
    with open_warehouse(path, read_only=True) as con:
        reports = con.execute("SELECT count(*), count(DISTINCT deal_id) FROM v_deal_reports")
        n_reports, n_deals = reports.fetchone() or (0, 0)
        assert n_reports == con.execute("SELECT count(*) FROM deals").fetchone()[0]  # type: ignore[index]
    assert n_deals == len(rows_)


def test_deals_command_shows_status_and_roles(home: Path) -> None:
    store(home / "labwatch.duckdb")
    out = labwatch("deals", "--format", "json", home=home)
    assert out.returncode == 0, out.stderr
    import json

    table = {(r["kind"], r["investor"], r["target"]): r for r in json.loads(out.stdout)}
    round_ = table[("investment", "nvidia", "perplexity")]
    assert round_["roles"] == "lead:nvidia, lead:salesforce, participant:ibm"
    assert table[("investment", "apple", "mistral-ai")]["status"] == "in_talks"
    assert table[("compute", "aws", "openai")]["sources"] == 3


def test_migration_keeps_stored_deals(tmp_path: Path) -> None:
    """A warehouse with deals stored before 0009 keeps them, as reported dollar deals."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                    "name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")  # fmt: skip
        for version, name, sql in migrations():
            if version < 9:
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        con.execute(
            "INSERT INTO articles (article_id, url, canonical_url, text_source, fetched_at, run_id)"
            " VALUES ('a', 'u', 'u', 'page', now(), 'r')"
        )
        insert_rows(con, "deals", [
            {"article_id": "a", "kind": "investment", "investor_id": "amazon",
             "target_id": "anthropic", "amount_usd": 4e9, "amount_max_usd": 4e9,
             "qualifier": "up to", "year": None, "evidence": "e"},
            {"article_id": "a", "kind": "partnership", "investor_id": "amazon",
             "target_id": "anthropic", "amount_usd": None, "amount_max_usd": None,
             "qualifier": "", "year": None, "evidence": "e"},
        ])  # fmt: skip
        assert migrate(con) == migrations()[-1][0]
        stored = con.execute(
            "SELECT deal_no, kind, status, currency, amount, amount_usd, roles, tranche"
            " FROM deals ORDER BY deal_no"
        ).fetchall()
        assert stored == [
            (0, "investment", "reported", "USD", 4e9, 4e9, [], False),
            (1, "partnership", "reported", "USD", None, None, [], False),
        ]
        columns, table = deals_ledger(con)
        assert len(table) == 2 and "status" in columns and "roles" in columns
    finally:
        con.close()
