"""warehouse/list_param.py: lists go to SQL as one JSON text and come back as they were."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from warehouse.list_param import json_list

TEXTS = [
    "a", "qu'ote", 'dq"x', "back\\slash", "ünï©ødé", "emoji 😀", "", "tab\tline\n", "[1,2]",
    "null", None, "  spaced ", "日本語",
]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (TEXTS, "VARCHAR"),
        ([], "VARCHAR"),
        ([0, -2, 2**62, None, 7], "BIGINT"),
        ([True, False, None], "BOOLEAN"),
    ],
)
def test_a_list_comes_back_as_it_went_in(values: list[Any], kind: str) -> None:
    con = duckdb.connect()
    back = con.execute(f"SELECT $p::JSON::{kind}[]", {"p": json_list(values)}).fetchone()
    assert back is not None and back[0] == values


def test_rows_are_found_by_a_list_as_by_their_values() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS id, 'k' || range AS key FROM range(1000)")
    con.execute("INSERT INTO t VALUES (1000, 'ünï''\"q')")
    keys = ["k3", "k999", "k5000", "ünï'\"q", "k3"]
    found = con.execute(
        "SELECT id FROM t WHERE key IN (SELECT unnest($k::JSON::VARCHAR[])) ORDER BY id",
        {"k": json_list(keys)},
    ).fetchall()
    assert found == [(3,), (999,), (1000,)]
    ids = range(0, 2000, 7)  # any iterable
    count = con.execute(
        "SELECT count(*) FROM t WHERE id IN (SELECT unnest($d::JSON::BIGINT[]))",
        {"d": json_list(ids)},
    ).fetchone()
    assert count == (len(range(0, 1001, 7)),)
