"""What a search needs to know about the full-text index, read once per state of the file.

Whether the index is current, whether its postings, documents' times and entities' documents
are, and how it splits and drops words: at 1M articles the fingerprints alone are a scan of
every article (about 0.2 s), which every search paid. They change only when the warehouse
file does, so `facts` keeps them per process, keyed by the file's identity, size and
modification time (and its write-ahead log's): a reader holds its connection open while it
asks, and a writer cannot change the file while a reader has it open.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb

# The index's state; the names of warehouse/search.py's.
CURRENT, MISSING, STALE = "current", "missing", "stale"


@dataclass(frozen=True)
class IndexFacts:
    state: str  # CURRENT, MISSING or STALE
    postings: bool  # fts_main_articles.postings exists
    times_current: bool  # fts_main_articles.doc_times holds the articles' times now
    entities_current: bool  # fts_main_articles.entity_docs holds article_entities now
    tokenize: str  # the index's tokenize macro (how a text is split into words)
    stopwords: frozenset[str]


_CACHE: dict[Path, tuple[tuple[int, ...], IndexFacts]] = {}
_KEPT: dict[tuple[Path, str], tuple[tuple[int, ...], Any]] = {}
_LOCK = threading.Lock()
T = TypeVar("T")


def file_key(path: Path) -> tuple[int, ...]:
    """The file's identity and state, and its write-ahead log's (absent: zeros)."""
    key: list[int] = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = os.stat(p)
            key += [st.st_ino, st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            key += [0, 0, 0]
    return tuple(key)


def facts(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> IndexFacts:
    """The index's facts as `con` sees them; kept for `path` while the file is unchanged
    (call with `con` open on `path`, so that no writer can change it meanwhile)."""
    if path is None:
        return read_facts(con)
    key = file_key(path)
    with _LOCK:
        kept = _CACHE.get(path)
    if kept and kept[0] == key:
        return kept[1]
    found = read_facts(con)
    with _LOCK:
        _CACHE[path] = (key, found)
    return found


def known(path: Path) -> IndexFacts | None:
    """The facts kept for `path` if the file has not changed since, else None (no
    connection needed: a reader that must load the fts extension before it locks its
    connection down asks this first)."""
    with _LOCK:
        kept = _CACHE.get(path)
    return kept[1] if kept and kept[0] == file_key(path) else None


def kept(
    con: duckdb.DuckDBPyConnection,
    path: Path | None,
    name: str,
    compute: Callable[[duckdb.DuckDBPyConnection], T],
) -> T:
    """`compute(con)`, kept under `name` for `path` while the file is unchanged (as `facts`);
    computed every time without a path."""
    if path is None:
        return compute(con)
    key = file_key(path)
    with _LOCK:
        found = _KEPT.get((path, name))
    if found and found[0] == key:
        return found[1]  # type: ignore[no-any-return]
    value = compute(con)
    with _LOCK:
        _KEPT[(path, name)] = (key, value)
    return value


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'fts_main_articles'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def read_facts(con: duckdb.DuckDBPyConnection) -> IndexFacts:
    """The facts, read now: the articles' fingerprints in one scan of `articles`."""
    from warehouse import search  # its fingerprints' definitions (search imports this module)

    tables = _tables(con)
    if "docs" not in tables:
        return IndexFacts(MISSING, False, False, False, "", frozenset())
    row = con.execute(
        f"SELECT count(*), {search.ARTICLES_HASH}, {search.TIMES_HASH} FROM articles"
    ).fetchone()
    assert row is not None
    fingerprint = (int(row[0]), int(row[1]) ^ search.INDEX_FORMAT)
    try:
        built = con.execute(
            "SELECT articles, fingerprint FROM search_index_state WHERE id = 1"
        ).fetchone()
    except duckdb.CatalogException:
        built = None  # a warehouse from before the state was kept (migration 0006)
    state = CURRENT if built and (int(built[0]), int(built[1])) == fingerprint else STALE
    times = False
    if "doc_times_state" in tables:
        kept = con.execute("SELECT fingerprint FROM fts_main_articles.doc_times_state").fetchone()
        times = bool(kept) and kept is not None and kept[0] == row[2]
    entities = False
    if "entity_docs_state" in tables:
        kept = con.execute("SELECT fingerprint FROM fts_main_articles.entity_docs_state").fetchone()
        now = con.execute(f"SELECT {search.ENTITIES_HASH} FROM article_entities").fetchone()
        entities = bool(kept and now and kept[0] == now[0])
    macro = con.execute(
        "SELECT macro_definition FROM duckdb_functions() WHERE schema_name = 'fts_main_articles'"
        " AND function_name = 'tokenize'"
    ).fetchone()
    stopwords = frozenset(
        str(r[0]) for r in con.execute("SELECT sw FROM fts_main_articles.stopwords").fetchall()
    )
    return IndexFacts(
        state, "postings" in tables, times, entities, str(macro[0]) if macro else "", stopwords
    )
