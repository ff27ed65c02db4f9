"""The deals ledger kept batch by batch equals the ledger rebuilt from scratch (issue 19: the
refresh reads only the groups a batch touches, and their reports found by key first).

Generated news (tests/test_append_keys.py: real prose with deals of the watchlist's parties)
is stored in several batches, as the ingest stores it: the same parties' deals reported again
in later batches at other amounts and times, an article seen again in another feed with an
earlier date (its deals retimed), and a replayed batch. After every write the kept report keys
and ledger rows must equal those of `deal_ledger.rebuild`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.test_append_keys import WHEN, batch, generated
from warehouse import deal_ledger
from warehouse.articles import append_batch, link_entries
from warehouse.database import open_warehouse


def test_ledger_kept_batch_by_batch_equals_a_rebuild(tmp_path: Path) -> None:
    # Six batches of twelve generated articles, each batch a day later than the one before
    # (numbered by the hour): most groups are reported again in later batches.
    batches = [
        batch([(f"feed-{k % 3}", a) for a in generated(12, seed=20 + k, first=24 * k)])
        for k in range(6)
    ]
    assert sum(len(b[3]) for b in batches) > 300
    with open_warehouse(tmp_path / "w.duckdb") as con:
        for k, (arts, links, mentions, deals) in enumerate(batches):
            counts = append_batch(con, arts, links, mentions, deals)
            assert counts.deals > 0
            keys, ledger = deal_ledger.stored(con)
            assert (keys, ledger) == deal_ledger.computed(con), k
        groups = con.execute("SELECT count(*) FROM deal_ledger").fetchone()
        assert groups is not None and groups[0] > 100

        # A replayed batch changes nothing.
        before = deal_ledger.stored(con)
        append_batch(con, *batches[2])
        assert deal_ledger.stored(con) == before

        # Articles of the first batch seen in another feed a week earlier: their deals are
        # first reported then (dates from a feed entry move earlier). Each at its own minute:
        # reports of one time tie in 0009's rules (arg_min by time), whichever is read first.
        earlier = [
            {**link, "feed_id": "feed-late",
             "entry_published_at": WHEN - timedelta(days=7, minutes=n)}
            for n, link in enumerate(batches[0][1][:6])
        ]  # fmt: skip
        assert link_entries(con, earlier) == 6
        assert deal_ledger.stored(con) == deal_ledger.computed(con)
        assert deal_ledger.stored(con) != before


def test_a_tranche_first_reported_between_two_kept_ones_moves_what_follows(
    tmp_path: Path,
) -> None:
    # Three tranches of one deal, far apart in amount (three deals), reported at 9:00 and
    # 11:00 in one store, then at 10:00 in the next: the 11:00 deal's reports do not change,
    # but it now follows the 10:00 one (the refresh computes only changed deals again).
    arts = generated(3, seed=31)

    def tranche(n: int, amount: float) -> dict[str, object]:
        return {
            "article_id": arts[n].article_id, "deal_no": 99, "kind": "investment",
            "investor_id": "investor-x", "target_id": "target-y", "amount_usd": amount,
            "amount_max_usd": amount, "qualifier": "", "year": None,
            "evidence": f"X invests a tranche of ${amount:,.0f} in Y.",
            "status": "reported", "roles": [], "currency": "USD", "amount": amount,
            "amount_max": amount, "tranche": True,
        }  # fmt: skip

    first = batch([("feed-a", arts[0]), ("feed-a", arts[2])])
    second = batch([("feed-a", arts[1])])
    with open_warehouse(tmp_path / "w.duckdb") as con:
        append_batch(con, *first[:3], [*first[3], tranche(0, 1e9), tranche(2, 1e11)])
        assert deal_ledger.stored(con) == deal_ledger.computed(con)
        append_batch(con, *second[:3], [*second[3], tranche(1, 1e10)])
        assert deal_ledger.stored(con) == deal_ledger.computed(con)
        chain = con.execute(
            "SELECT amount_usd, (SELECT amount_usd FROM deal_ledger p WHERE p.deal_id = l.follows)"
            " FROM deal_ledger l WHERE investor = 'investor-x' AND target = 'target-y'"
            " ORDER BY first_reported"
        ).fetchall()
        assert chain == [(1e9, None), (1e10, 1e9), (1e11, 1e10)]
