"""Rows handed to SQL through JSON (warehouse/relations.py) read as the Arrow tables they
replaced read (issue 19: the ingest's process no longer imports pyarrow): the same values
and the same types, column by column, and the same stored rows after every write of an
ingest's history. The Arrow registration is the reference, as it was in warehouse/append.py."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from enum import IntEnum, StrEnum
from itertools import chain
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.test_append_keys import batch, generated, history, snapshot, store
from warehouse import relations
from warehouse.append import Row, insert_rows, insert_unnested, register_rows
from warehouse.database import open_warehouse
from warehouse.relations import dictionary, rows_query, rows_relation

# The Arrow registration rows_relation replaced: the reference.


@contextmanager
def arrow_relation(
    con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[Row]
) -> Iterator[None]:
    import pyarrow as pa

    columns = list(dict.fromkeys(chain.from_iterable(rows)))
    con.register(name, pa.table({c: [row.get(c) for row in rows] for c in columns}))
    try:
        yield
    finally:
        con.unregister(name)


@contextmanager
def arrow_query(
    con: duckdb.DuckDBPyConnection, rows: Sequence[Row]
) -> Iterator[tuple[str, dict[str, object]]]:
    """rows_query's reference: the rows registered from Arrow, read by a plain SELECT."""
    with arrow_relation(con, "_arrow_rows", rows):
        yield "SELECT * FROM _arrow_rows", {}


def as_sql_sees(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object] | None = None
) -> tuple[list[Any], list[Any]]:
    """(each column's name and type as an expression sees it, every row in order), of a
    relation `name` or a parenthesised query with `params`."""
    described = con.execute(f"SELECT * FROM {name} LIMIT 0", params).description
    columns = [r[0] for r in described or []]
    types = con.execute(
        "SELECT "
        + ", ".join("typeof(" + '"' + c.replace('"', '""') + '")' for c in columns)
        + f" FROM {name} LIMIT 1",
        params,
    ).fetchone()
    return list(zip(columns, types or (), strict=False)), con.execute(
        f"SELECT * FROM {name}", params
    ).fetchall()


def both_ways(rows: Sequence[Row]) -> tuple[Any, Any]:
    """(what SQL sees of `rows` as rows_relation hands them over, the same of the Arrow
    reference), once rows_query (the inserts' way) is seen to hand over the same."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # as open_warehouse sets it
    with rows_relation(con, "_ours", rows):
        ours = as_sql_sees(con, "_ours")
    with rows_query(con, rows) as (query, params):
        read_once = as_sql_sees(con, f"({query})", params)
    # The inserts' way and the relation's give the same rows (by their text: NaN is not
    # equal to itself).
    assert repr(read_once) == repr(ours)
    with arrow_relation(con, "_ref", rows):
        reference = as_sql_sees(con, "_ref")
    return ours, reference


SHARED = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
FALL_BACK = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))


class Kind(StrEnum):
    PAGE = "page"


class Level(IntEnum):
    HIGH = 3


class Moment(datetime):
    pass


EDGES: list[list[dict[str, Any]]] = [
    # ints and floats in one column, NaN and infinities, an int beyond 2**53
    [{"a": 1, "f": 0.1}, {"a": 2.5, "f": float("nan")}, {"a": 3, "f": float("-inf")},
     {"a": None, "f": 2**62 + 0.0}, {"a": 2, "f": 1e300}],
    [{"i": 2**63 - 1, "b": True}, {"i": -(2**63), "b": None}, {"i": None, "b": False}],
    # a key missing from some rows, a column with no value at all
    [{"x": "a", "n": None}, {"n": None, "y": "it's \"quoted\" \\ é 漢字 \n"}, {"x": "", "y": None}],
    # times with and without zone, other offsets, microseconds; dates
    [{"t": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "d": date(2026, 1, 2),
      "n": datetime(2026, 1, 2, 3, 4, 5)},
     {"t": datetime(2026, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=5, minutes=45))),
      "d": None, "n": None}],
    # lists of structs (deal roles), empty lists, lists of ints
    [{"roles": [{"entity_id": "openai", "role": "lead"}], "bands": [1, -2**62]},
     {"roles": [], "bands": []}, {"roles": None, "bands": None}],
    [{"roles": [], "only_empty": []}],
    # NaN and infinities inside a list and a struct (written by the json module: orjson
    # would write them as null)
    [{"fl": [0.5, float("nan"), float("inf")], "st": {"x": float("nan")}}],
    [{"column with space": 1, 'q"uote': "v"}],
    # subclasses of the types (an enum of strings, another library's datetime)
    [{"s": Kind.PAGE, "t": Moment(2026, 3, 4, 5, 6, tzinfo=UTC), "i": Level.HIGH}],
    # rows of as many keys, not the same ones; a row with a key more than the first
    [{"a": 1, "b": "x"}, {"a": 2, "c": True}, {"b": "y", "c": False}],
    [{"a": 1, "b": "x"}, {"a": 2, "b": "y", "c": True}],
    # one time object shared by rows; times equal in Python, not as instants (the hour a
    # clock goes back, twice: fold 0 and 1) or as text (one instant at two offsets)
    [{"t": SHARED, "u": FALL_BACK}, {"t": SHARED, "u": FALL_BACK.replace(fold=1)},
     {"t": None, "u": datetime(2026, 11, 1, 5, 30, tzinfo=UTC)}, {"t": SHARED, "u": None}],
]  # fmt: skip


@pytest.mark.parametrize("rows", EDGES, ids=range(len(EDGES)))
def test_edge_values_read_as_arrow_read_them(rows: list[dict[str, Any]]) -> None:
    ours, reference = both_ways(rows)
    # NaN is not equal to itself: compare the rows' text
    assert ours[0] == reference[0]
    assert repr(ours[1]) == repr(reference[1])


# Columns of repeated values, long enough to travel as their distinct values and a number
# a row (warehouse/relations.py `dictionary`): text with quotes and NULLs, times of one
# instant at two offsets and of a clock going back (equal in Python, not as text), dates,
# bytes, enum strings, a key the first rows lack; beside columns that go as they are.
REPEATED: list[dict[str, Any]] = [
    {
        "s": ["a", None, 'it\'s "q" \\ é 漢字\n', ""][n % 4],
        "t": [SHARED, SHARED.astimezone(timezone(timedelta(hours=-3))), None][n % 3],
        "u": [FALL_BACK, FALL_BACK.replace(fold=1)][n % 2],
        "d": [date(2026, 1, 2), None][n % 2],
        "b": [b"\x00\xff", b"", None][n % 3],
        "e": Kind.PAGE,
        "i": n % 3,
        "distinct": f"row {n}",
        **({"late": ["x", "y"][n % 2]} if n >= 10 else {}),
    }
    for n in range(40)
]


def test_repeated_values_travel_once_and_read_as_arrow_read_them() -> None:
    assert REPEATED[0].keys() != REPEATED[-1].keys()
    encoded = [c for c in REPEATED[-1] if dictionary(as_json_values(REPEATED, c)) is not None]
    assert encoded == ["s", "t", "u", "d", "b", "late"]
    ours, reference = both_ways(REPEATED)
    assert ours == reference
    # the rows' order kept, past a sort by the distinct values
    ours, reference = both_ways(REPEATED[::-1])
    assert ours == reference


def as_json_values(rows: Sequence[Row], column: str) -> list[Any]:
    """A column's values as rows_relation hands them to JSON (ISO times, hex bytes)."""
    from warehouse.relations import _json_ready, _type_of

    values = [r.get(column) for r in rows]
    return _json_ready(values, _type_of(values))


def test_only_text_columns_of_repeats_long_enough_are_encoded() -> None:
    repeats = ["a", "b", None] * 11
    uniques, codes = dictionary(repeats) or ([], [])
    assert uniques == ["a", "b", None]
    assert [uniques[c] for c in codes] == repeats
    assert dictionary(repeats[:31]) is None  # too short to pay
    assert dictionary([f"v{n % 17}" for n in range(33)]) is None  # more than half distinct
    assert dictionary([f"v{n % 16}" for n in range(32)]) is not None  # half distinct
    assert dictionary([1, 2] * 20) is None  # numbers go as they are
    assert dictionary([["a"], ["b"]] * 20) is None  # lists too
    assert dictionary([Kind.PAGE, "page"] * 20) is None  # and subclasses of str


class Folded(str):
    """A string equal to any other of the same letters, whatever their case."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.lower() == other.lower()

    def __hash__(self) -> int:
        return hash(self.lower())


def test_strings_equal_in_python_but_not_as_text_keep_their_text() -> None:
    rows = [{"s": Folded("A") if n % 2 else "a"} for n in range(40)]
    ours, reference = both_ways(rows)
    assert ours == reference
    assert {r[0] for r in ours[1]} == {"a", "A"}


def test_an_ingests_rows_read_as_arrow_read_them() -> None:
    arts, links, mentions, deals = batch([(f"feed-{n % 2}", a) for n, a in enumerate(generated(8))])
    assert deals and mentions
    for rows in (arts, links, mentions, deals):
        ours, reference = both_ways(rows)
        assert ours == reference


def test_an_ingests_history_stores_the_rows_arrow_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_warehouse(tmp_path / "ours.duckdb") as con:
        store(con)
        ours = snapshot(con)
    monkeypatch.setattr("warehouse.append.rows_relation", arrow_relation)
    monkeypatch.setattr("warehouse.append.rows_query", arrow_query)  # the inserts' way
    with open_warehouse(tmp_path / "arrow.duckdb") as con:
        store(con)
        reference = snapshot(con)
    assert ours == reference
    assert sum(len(rows) for rows in ours.values()) > 1000
    assert history()  # the same history both times (generated from fixed seeds)


# Values the standard library's JSON writes and orjson refuses (warehouse/relations.py
# `_dumps` then falls back): a lone surrogate, which DuckDB's JSON reader refuses too, and
# ints beyond 64 bits, read as NULL (in a list too).
REFUSED: list[list[dict[str, Any]]] = [
    [{"s": "a\ud800b", "i": 1}],
    [{"i": 2**64, "s": "x"}],
    [{"l": [2**64, 1]}],
]


def as_relation_gives(rows: Sequence[Row]) -> tuple[Any, ...]:
    con = duckdb.connect()
    try:
        with rows_relation(con, "_r", rows):
            return ("rows", as_sql_sees(con, "_r"))
    except duckdb.Error as e:
        return ("error", type(e).__name__)


@pytest.mark.parametrize("rows", EDGES + REFUSED + [REPEATED], ids=range(len(EDGES) + 4))
def test_rows_read_the_same_whichever_json_writer_wrote_them(
    rows: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = as_relation_gives(rows)
    monkeypatch.setattr(relations, "_FLAT", frozenset())  # every column by the json module
    assert repr(fast) == repr(as_relation_gives(rows))


def test_rows_refused_by_orjson_keep_what_the_json_module_made_of_them() -> None:
    assert as_relation_gives(REFUSED[0]) == ("error", "InvalidInputException")
    assert as_relation_gives(REFUSED[1])[1][1] == [(None, "x")]
    assert as_relation_gives(REFUSED[2])[1][1] == [([None, 1],)]


def test_a_row_for_each_element_of_a_list_is_the_rows_given_one_by_one() -> None:
    t = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    rows: list[dict[str, Any]] = [
        {"article_id": "a", "t": t, "bands": [3, -(2**63), 2**63 - 1, 3]},
        {"article_id": "b", "t": t, "bands": []},
        {"article_id": "c", "t": None, "bands": None},
        {"article_id": 'q"uote', "t": SHARED, "bands": [7]},
    ]
    expanded = [
        {"band": b, "article_id": r["article_id"], "t": r["t"]}
        for r in rows
        for b in r["bands"] or ()
    ]
    stored = []
    inserts: list[Callable[[duckdb.DuckDBPyConnection], int]] = [
        lambda con: insert_unnested(con, "b", rows, "bands", "band"),
        lambda con: insert_rows(con, "b", expanded, skip_existing=False),
    ]
    for insert in inserts:
        con = duckdb.connect()
        con.execute("CREATE TABLE b (band BIGINT, article_id VARCHAR, t TIMESTAMPTZ)")
        assert insert(con) == 5
        stored.append(con.execute("SELECT * FROM b ORDER BY rowid").fetchall())
    assert stored[0] == stored[1]
    assert [r[0] for r in stored[0]] == [3, -(2**63), 2**63 - 1, 3, 7]
    con = duckdb.connect()
    con.execute("CREATE TABLE b (band BIGINT, article_id VARCHAR, t TIMESTAMPTZ)")
    assert insert_unnested(con, "b", [], "bands", "band") == 0
    assert insert_unnested(con, "b", rows[1:3], "bands", "band") == 0


def test_a_relation_is_gone_after_its_block_even_after_an_error() -> None:
    con = duckdb.connect()
    with pytest.raises(RuntimeError), register_rows(con, "_r", [{"a": 1, "n": None}]):
        assert con.execute("SELECT a, n FROM _r").fetchall() == [(1, None)]
        raise RuntimeError
    left = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE NOT internal"
        " UNION ALL SELECT count(*) FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    assert left == [(0,), (0,)]
    with register_rows(con, "_r", []):  # no rows: a relation of none
        assert con.execute("SELECT count(*) FROM _r").fetchall() == [(0,)]


def test_values_of_several_types_in_one_column_are_refused() -> None:
    con = duckdb.connect()
    with pytest.raises(TypeError), register_rows(con, "_r", [{"a": 1}, {"a": "1"}]):
        pass


def test_storing_a_batch_imports_no_pyarrow(tmp_path: Path) -> None:
    # A process of its own: this one imported pyarrow for the reference above.
    code = f"""
import sys
from pathlib import Path
from tests.test_append_keys import store
from warehouse.database import open_warehouse
with open_warehouse(Path({str(tmp_path / "w.duckdb")!r})) as con:
    store(con)
    stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
print(stored, sorted(m for m in sys.modules if m.split(".")[0] in ("pyarrow", "pandas")))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.split(" ", 1)  # fmt: skip
    assert int(out[0]) > 0
    assert out[1].strip() == "[]"
