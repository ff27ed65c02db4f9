"""A posting's BM25 part computed in numpy (warehouse/bm25.py `parts`) is the number the
SQL's `SUBSCORE` gives, bit for bit: a search ranked in this process and one ranked by the
SQL order equal scores alike, ties included."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from warehouse import bm25


@pytest.mark.parametrize(
    ("num_docs", "df", "total_length"),
    [(1_000_000, 5_000, 123_456_789), (777, 3, 55_555), (5, 5, 17), (40, 39, 1)],
)
def test_numpy_gives_the_sqls_scores(num_docs: int, df: int, total_length: int) -> None:
    rng = np.random.default_rng(num_docs)
    tf = rng.integers(1, 500, 20_000)
    length = rng.integers(0, 20_000, 20_000)
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE p AS SELECT unnest($t::JSON::BIGINT[]) AS tf,"
            " unnest($l::JSON::BIGINT[]) AS len",
            {"t": str(tf.tolist()), "l": str(length.tolist())},
        )
        # The index's own types: counts and lengths BIGINT, the mean length a DOUBLE.
        con.execute(
            "CREATE TABLE s AS SELECT $n::BIGINT AS num_docs, $sum::HUGEINT / $n::BIGINT AS avgdl",
            {"n": num_docs, "sum": total_length},
        )
        con.execute("CREATE TABLE dd AS SELECT $df::BIGINT AS df", {"df": df})
        sql = con.execute(
            f"SELECT {bm25.SUBSCORE} AS x FROM p, dd, s ORDER BY p.rowid"
        ).fetchnumpy()["x"]
        idf, avgdl = con.execute(f"SELECT {bm25.IDF}, s.avgdl FROM dd, s").fetchone()  # type: ignore[misc]
    mine = bm25.parts(float(idf), tf, bm25.norms(length.astype(np.float64), float(avgdl)))
    assert np.array_equal(mine, np.asarray(sql, dtype=np.float64))
