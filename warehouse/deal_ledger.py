"""The deals ledger kept as tables (`deal_report_keys`, `deal_ledger`; migration 0013).

A ledger row folds every report of one deal, and which deal a report belongs to depends on
the other reports of the same kind and parties (a group: kind, investor, target) and on
their articles' times. So each writer of deals or of an article's time computes again the
groups it touched (`refresh`), with the migration's table macros, which hold the rules of
v_deal_reports and v_deals (0009); `rebuild` computes all of them (after a retag). Readers
get the views v_deal_reports and v_deals over the tables, and the digest reads a week's
reports by time instead of folding 100k reports on every read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

from warehouse.append import Row

Group = dict[str, str]

# A deal's group as the macros' `groups` list holds it.
_GROUP = "{'kind': kind, 'investor_id': investor_id, 'target_id': target_id}"
_KEYS = "article_id, deal_no, deal_id, t, kind, investor_id, target_id"


def groups_of(deals: Iterable[Row]) -> list[Group]:
    """The groups of these deal rows."""
    found = {(str(d["kind"]), str(d["investor_id"]), str(d["target_id"])) for d in deals}
    return [{"kind": k, "investor_id": i, "target_id": t} for k, i, t in sorted(found)]


def groups_of_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[Group]:
    """The groups of the deals stored for these articles."""
    if not article_ids:
        return []
    rows = con.execute(
        "SELECT DISTINCT kind, investor_id, target_id FROM deals"
        " WHERE article_id IN (SELECT unnest($ids))",
        {"ids": list(article_ids)},
    ).fetchall()
    return groups_of({"kind": k, "investor_id": i, "target_id": t} for k, i, t in rows)


def refresh(con: duckdb.DuckDBPyConnection, groups: Sequence[Group]) -> None:
    """Compute again the ledger of these groups from their stored reports (inside the
    caller's transaction, after its deals and article times are written)."""
    if not groups:
        return
    params: dict[str, Any] = {"g": list(groups)}
    con.execute(f"DELETE FROM deal_report_keys WHERE {_GROUP} IN (SELECT unnest($g))", params)
    con.execute(
        "DELETE FROM deal_ledger WHERE {'kind': kind, 'investor_id': investor,"
        " 'target_id': target} IN (SELECT unnest($g))",
        params,
    )
    con.execute(f"INSERT INTO deal_report_keys SELECT {_KEYS} FROM deal_reports_for($g)", params)
    con.execute("INSERT INTO deal_ledger SELECT * FROM deal_ledger_of($g)", params)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Compute the whole ledger again (after every deal was replaced)."""
    con.execute("DELETE FROM deal_report_keys")
    con.execute("DELETE FROM deal_ledger")
    con.execute(
        f"INSERT INTO deal_report_keys SELECT {_KEYS} FROM deal_reports_for(NULL) ORDER BY t"
    )
    con.execute(
        "INSERT INTO deal_ledger SELECT * FROM deal_ledger_of(NULL) ORDER BY first_reported"
    )


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
