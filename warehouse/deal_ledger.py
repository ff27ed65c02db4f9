"""The deals ledger kept as tables (`deal_report_keys`, `deal_ledger`; migration 0013).

A ledger row folds every report of one deal, and which deal a report belongs to depends on
the other reports of the same kind and parties (a group: kind, investor, target) and on
their articles' times. So each writer of deals or of an article's time computes again the
groups it touched (`refresh`), through the migration's views, which hold the rules of
v_deal_reports and v_deals (0009); `rebuild` computes all of them (after a retag). Readers
get the views v_deal_reports and v_deals over the tables, and the digest reads a week's
reports by time instead of folding 100k reports on every read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb

from warehouse.append import Row, register_rows
from warehouse.ducklake_lease import in_turn

Group = dict[str, str]

# A writer's transaction fills these and empties them before it commits (0013, 0016), but
# `defer` leaves its groups and times there, committed, until `catch_up` or a `refresh`.
_PENDING = ("deal_groups_pending", "deal_times_pending", "deal_rows_pending")

_KEYS = "article_id, deal_no, deal_id, t, kind, investor_id, target_id"
# The pending groups' reports with their times (new, else kept): what 0016's
# v_pending_deal_reports and v_pending_deals read. Only these groups' kept keys are joined:
# a join with every kept key cost more than the rest. By name: 0023 added `found_by` after `t`.
_PENDING_ROWS = """
    INSERT INTO deal_rows_pending BY NAME
    SELECT d.*, coalesce(n.t, k.t) AS t
    FROM deals d
    SEMI JOIN deal_groups_pending USING (kind, investor_id, target_id)
    LEFT JOIN deal_times_pending n USING (article_id)
    LEFT JOIN (
        SELECT * FROM deal_report_keys
        SEMI JOIN deal_groups_pending USING (kind, investor_id, target_id)
    ) k USING (article_id, deal_no)
"""
_IN_PENDING = (
    "USING deal_groups_pending g WHERE {t}.kind = g.kind AND {t}.{i} = g.investor_id"
    " AND {t}.{g} = g.target_id"
)


def groups_of(deals: Iterable[Row]) -> list[Group]:
    """The groups of these deal rows."""
    found = {(str(d["kind"]), str(d["investor_id"]), str(d["target_id"])) for d in deals}
    return [{"kind": k, "investor_id": i, "target_id": t} for k, i, t in sorted(found)]


def groups_of_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[Group]:
    """The groups of the deals stored for these articles."""
    if not article_ids:
        return []
    with register_rows(con, "_ids", [{"article_id": a} for a in article_ids]):
        rows = con.execute(
            "SELECT DISTINCT kind, investor_id, target_id FROM deals"
            " SEMI JOIN _ids USING (article_id)"
        ).fetchall()
    return groups_of({"kind": k, "investor_id": i, "target_id": t} for k, i, t in rows)


def refresh(
    con: duckdb.DuckDBPyConnection, groups: Sequence[Group], times: Mapping[str, datetime]
) -> None:
    """Compute again the ledger of these groups (inside the caller's transaction, after its
    deals and article times are written), and of any groups left pending by `defer`.
    `times` holds the time (published, else fetched) of every article whose deals are new or
    whose time changed; the other reports keep the time kept with them."""
    if groups:
        defer(con, groups, times)
        _compute_pending(con)


def defer(
    con: duckdb.DuckDBPyConnection, groups: Sequence[Group], times: Mapping[str, datetime]
) -> None:
    """Leave these groups (and the articles' times, as `refresh` takes them) pending, to be
    computed with the others by the next `refresh` or `catch_up`, in the caller's
    transaction: an ingest's stores defer, its closing step catches up (flows/ingest.py). Until
    then the ledger reads as it was before these reports. Times come only with groups: an
    article without deals has no report to time."""
    if not groups:
        return
    # Relations, not list parameters: DuckDB converts a list of 200 structs in 0.4 s.
    with register_rows(con, "_groups", groups):
        con.execute(
            "INSERT INTO deal_groups_pending SELECT DISTINCT kind, investor_id, target_id"
            " FROM _groups EXCEPT SELECT * FROM deal_groups_pending"
        )
    if times:
        # An article's latest time wins: one left pending earlier may have moved since.
        with register_rows(con, "_times", [{"article_id": a, "t": t} for a, t in times.items()]):
            con.execute(
                "DELETE FROM deal_times_pending WHERE article_id IN (SELECT article_id FROM _times)"
            )
            con.execute("INSERT INTO deal_times_pending SELECT article_id, t FROM _times")


def is_pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether groups wait for their ledger (left by `defer`)."""
    row = con.execute("SELECT EXISTS (SELECT 1 FROM deal_groups_pending)").fetchone()
    return bool(row and row[0])


def catch_up(con: duckdb.DuckDBPyConnection) -> bool:
    """Compute the groups left pending by `defer`, in a transaction of its own; whether there
    were any. Cheap when none are: one look at an empty table. On a lake (pending groups
    come there only with a migrated file) it takes the writers' turn, so two workers
    starting together do not both insert the same ledger rows."""
    if not is_pending(con):
        return False
    in_turn(con, lambda: _compute_pending(con))
    return True


def _compute_pending(con: duckdb.DuckDBPyConnection, *, in_time_order: bool = False) -> None:
    """Replace the report keys and ledger rows of the pending groups by those computed from
    their reports, read once from `deals` (migration 0016: not every deal joined with every
    kept key, as v_deal_reports is), and empty the pending tables.
    `in_time_order`: insert in time order (a whole rebuild), so scans by time skip more."""
    con.execute(_PENDING_ROWS)
    order = " ORDER BY t" if in_time_order else ""
    # The new keys are computed before the kept ones are deleted (0013's view read those), in
    # a temporary table: not fetched into the process.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _new_keys AS"
        f" SELECT {_KEYS} FROM v_pending_deal_reports{order}"
    )
    try:
        con.execute(
            "DELETE FROM deal_report_keys "
            + _IN_PENDING.format(t="deal_report_keys", i="investor_id", g="target_id")
        )
        con.execute(f"INSERT INTO deal_report_keys SELECT {_KEYS} FROM _new_keys")
    finally:
        con.execute("DROP TABLE IF EXISTS temp._new_keys")
    con.execute(
        "DELETE FROM deal_ledger " + _IN_PENDING.format(t="deal_ledger", i="investor", g="target")
    )
    con.execute(
        "INSERT INTO deal_ledger BY NAME SELECT * FROM v_pending_deals"
        + (" ORDER BY first_reported" if in_time_order else "")
    )
    for table in _PENDING:
        con.execute(f"DELETE FROM {table}")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Compute the whole ledger again (after every deal was replaced), the groups left
    pending by `defer` with the others."""
    con.execute("DELETE FROM deal_report_keys")
    con.execute("DELETE FROM deal_ledger")
    for table in _PENDING:  # every time is read again from `articles`
        con.execute(f"DELETE FROM {table}")
    con.execute(
        "INSERT INTO deal_groups_pending SELECT DISTINCT kind, investor_id, target_id FROM deals"
    )
    con.execute(
        "INSERT INTO deal_times_pending SELECT a.article_id, coalesce(a.published_at, a.fetched_at)"
        " FROM articles a SEMI JOIN deals USING (article_id)"
    )
    _compute_pending(con, in_time_order=True)


def computed(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(report keys, ledger rows) computed from scratch from the deals and articles, sorted as
    `stored`: what the tables must hold. Rebuilds in a transaction it rolls back, so call it
    outside one."""
    con.execute("BEGIN TRANSACTION")
    try:
        rebuild(con)
        return stored(con)
    finally:
        con.execute("ROLLBACK")


def stored(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(report keys, ledger rows) as kept, sorted as `computed`."""
    keys = con.execute(
        f"SELECT {_KEYS} FROM deal_report_keys ORDER BY article_id, deal_no"
    ).fetchall()
    ledger = con.execute("SELECT * FROM deal_ledger ORDER BY deal_id").fetchall()
    return keys, ledger
