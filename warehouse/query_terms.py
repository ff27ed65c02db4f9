"""A query's words as the index's terms, without loading the fts extension per search.

Stemming needs DuckDB's fts extension (its `stem`), and loading it into the warehouse's
connection took longer than most pages (each web request opens the warehouse anew). Here it
is loaded once per process into an in-memory DuckDB that holds no data, and the query is
split with the index's own `tokenize` macro and stemmed by the same `stem(w, 'porter')` the
index was built with: the same terms as before by construction.
"""

from __future__ import annotations

import threading

import duckdb

_LOCK = threading.Lock()
_CON: list[duckdb.DuckDBPyConnection] = []
_MACROS: dict[str, str] = {}  # tokenize's definition -> the macro's name here


def _connection() -> duckdb.DuckDBPyConnection:
    if not _CON:
        from warehouse.search import load_fts

        con = duckdb.connect(":memory:")
        load_fts(con)
        _CON.append(con)
    return _CON[0]


def terms(tokenize: str, text: str, stopwords: frozenset[str] | None = None) -> list[str]:
    """The distinct stems of `text`'s words, split by the macro body `tokenize` (the index's:
    warehouse/index_facts.py); with `stopwords`, empty words and those listed are left out
    first (as warehouse/search.py `_term_ids` did in SQL)."""
    with _LOCK:
        con = _connection()
        name = _MACROS.get(tokenize)
        if name is None:
            name = f"tokenize_{len(_MACROS)}"
            con.execute(f"CREATE MACRO {name}(s) AS {tokenize}")
            _MACROS[tokenize] = name
        rows = con.execute(
            f"SELECT w, stem(w, 'porter') FROM (SELECT unnest({name}($q)) AS w)", {"q": text}
        ).fetchall()
    if stopwords is not None:
        rows = [(w, s) for w, s in rows if w != "" and w not in stopwords]
    return list(dict.fromkeys(str(s) for _, s in rows))
