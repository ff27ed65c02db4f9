"""What a search needs to know about the full-text index, read once per state of the file.

Whether the index is current, whether its postings, documents' times and entities' documents
are, and how it splits and drops words: at 1M articles the fingerprints alone are a scan of
every article (about 0.2 s), which every search paid. They change only when the warehouse
file does, so `facts` keeps them per process, keyed by the file's identity, size and
modification time (and its write-ahead log's): a reader holds its connection open while it
asks, and a writer cannot change the file while a reader has it open. `labwatch web` fills
them ahead, when it starts and after each change of the file (flows/web_ready.py), so that a
request finds them ready.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
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
    postings: bool  # fts_main_articles.postings exists, with counts or scores
    # How a posting's BM25 part is had (warehouse/bm25.py): "len", from its count and its
    # document's length, both in the posting; "docs", its length joined from `docs` (an index
    # built before postings carried it); "subscore", kept scored (built before they kept
    # counts: stale, searched as it is until a writer builds it again).
    scoring: str
    times_current: bool  # fts_main_articles.doc_times holds the articles' times now
    entities_current: bool  # fts_main_articles.entity_docs holds article_entities now
    tokenize: str  # the index's tokenize macro (how a text is split into words)
    stopwords: frozenset[str]


_KEPT: dict[tuple[Path, str], tuple[tuple[int, ...], Any]] = {}
_LOCK = threading.Lock()
# One computation at a time per (file, name): a request that finds one running (the web's
# preparation, flows/web_ready.py, or another request) waits for it and takes its value.
_GATES: dict[tuple[Path, str], threading.Lock] = {}
# How many times each (file, name) was computed in this process: the record tests read to
# tell a value prepared ahead from one a request had to compute.
COMPUTED: Counter[tuple[Path, str]] = Counter()
FACTS = "facts"  # the name `facts` keeps its IndexFacts under
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
    return kept(con, path, FACTS, read_facts)


def known(path: Path) -> IndexFacts | None:
    """The facts kept for `path` if the file has not changed since, else None (no
    connection needed: a reader that must load the fts extension before it locks its
    connection down asks this first)."""
    return ready(path, FACTS)


def ready(path: Path, name: str) -> Any | None:
    """The value kept under `name` for `path` if the file has not changed since, else None."""
    with _LOCK:
        found = _KEPT.get((path, name))
    return found[1] if found and found[0] == file_key(path) else None


def kept(
    con: duckdb.DuckDBPyConnection,
    path: Path | None,
    name: str,
    compute: Callable[[duckdb.DuckDBPyConnection], T],
) -> T:
    """`compute(con)`, kept under `name` for `path` while the file is unchanged (as `facts`);
    computed every time without a path. Never computed twice at once for one file and name:
    a caller that finds it being computed waits and takes the value if it is for the same
    state of the file."""
    if path is None:
        return compute(con)
    key = file_key(path)
    with _LOCK:
        found = _KEPT.get((path, name))
        gate = _GATES.setdefault((path, name), threading.Lock())
    if found and found[0] == key:
        return found[1]  # type: ignore[no-any-return]
    with gate:
        with _LOCK:
            found = _KEPT.get((path, name))
        if found and found[0] == key:
            return found[1]  # type: ignore[no-any-return]
        value = compute(con)
        with _LOCK:
            _KEPT[(path, name)] = (key, value)
            COMPUTED[(path, name)] += 1
    return value


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'fts_main_articles'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def _postings_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'fts_main_articles'"
        " AND table_name = 'postings'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def postings_counted(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the index's postings hold each posting's count (`tf`), which a search scores."""
    return "tf" in _postings_columns(con)


def read_facts(con: duckdb.DuckDBPyConnection) -> IndexFacts:
    """The facts, read now: the articles' fingerprints in one scan of `articles`."""
    from warehouse import search  # its fingerprints' definitions (search imports this module)

    tables = _tables(con)
    if "docs" not in tables:
        return IndexFacts(MISSING, False, "", False, False, "", frozenset())
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
    # Postings are read as counts (warehouse/bm25.py); an index whose postings were only
    # scored (built before they kept counts) is stale: rebuilt by whoever can, and searched
    # meanwhile with its scores as they are (`scoring` "subscore").
    columns = _postings_columns(con) if "postings" in tables else set()
    counted = "tf" in columns
    scoring = ("len" if "len" in columns else "docs") if counted else "subscore"
    if "postings" in tables and not counted:
        state = STALE
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
        state, counted or "subscore" in columns, scoring, times, entities,
        str(macro[0]) if macro else "", stopwords,
    )  # fmt: skip
