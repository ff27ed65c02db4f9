"""Search ranked in this process, on document ids, with numpy: the rows `search_articles`'s
SQL gives, at a fraction of the cost when a word is in most articles.

A word every article holds has a million postings; adding up its terms' parts, filtering,
counting and taking the best few in SQL joined a million rows per term (0.5-1 s at 1M
articles). Here each term's postings are read as two arrays (about 25 ms per million) and
the rest is array arithmetic over the document ids: the sum of a document's parts in term
order (the same additions as the SQL's, so the same floating-point scores), the documents'
times kept with the index (`fts_main_articles.doc_times`), the entities' documents kept with
it (`entity_docs`) for the entity and kind filters. Only the few documents that can be on
the page (or in the phrase pool), ties included, get their keys read, and only those rows of
`articles` are read, by position (warehouse/positions.py); for a quoted phrase, the
candidates' texts are read in one join of their documents with the articles at their
positions (`_holding_phrases`). The order is the SQL's: score
DESC, time DESC NULLS LAST, article key (by relevance, holders of the whole query as a
phrase first among the pool); by date: time, score, key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from warehouse.bm25 import IDF, norms, parts
from warehouse.list_param import json_list
from warehouse.positions import names_at, rows_at

# Documents whose texts are read here for quoted phrases; more: the SQL path. As many as
# `search.HOLDING_LIST` lists: a phrase's 50,000 candidates at 1M articles take 150 ms here
# against 190 ms for the SQL path's statement (docs/benchmarks.md, session 20).
PHRASE_TEXTS = 100_000
_NO_TIME = np.iinfo(np.int64).min  # sorts last by time DESC, as NULLS LAST
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(t: datetime) -> int:
    """Microseconds since the epoch, exactly (a naive time is UTC, the session's zone)."""
    aware = t if t.tzinfo else t.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(microseconds=1)


class DocTimes:
    """Every document's time (microseconds; `_NO_TIME` where it has none), whether the index
    has the document at all, and the part of a posting's BM25 score its length gives
    (warehouse/bm25.py `norms`), indexed by docid."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        got = con.execute(
            "SELECT docid, epoch_us(t) AS us FROM fts_main_articles.doc_times"
        ).fetchnumpy()
        docids = np.asarray(got["docid"], dtype=np.int64)
        size = int(docids.max()) + 1 if len(docids) else 0
        us = got["us"]
        none = np.ma.getmaskarray(us)
        self.key = np.full(size, _NO_TIME, dtype=np.int64)
        self.key[docids[~none]] = np.ma.getdata(us)[~none].astype(np.int64)
        self.dated = np.zeros(size, dtype=bool)
        self.dated[docids[~none]] = True
        self.present = np.zeros(size, dtype=bool)
        self.present[docids] = True
        # Read apart, not joined with the times (a join of two tables of 1M rows): docs
        # holds the same documents.
        lengths = con.execute("SELECT docid, len FROM fts_main_articles.docs").fetchnumpy()
        at = np.asarray(lengths["docid"], dtype=np.int64)
        inside = at < size
        length = np.zeros(size, dtype=np.float64)
        length[at[inside]] = np.asarray(lengths["len"], dtype=np.float64)[inside]
        row = con.execute("SELECT avgdl FROM fts_main_articles.stats").fetchone()
        self.norm = norms(length, float(row[0]) if row and row[0] is not None else 0.0)


def _docs(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> npt.NDArray[Any]:
    got = con.execute(sql, params).fetchnumpy()
    return np.asarray(next(iter(got.values())), dtype=np.int64)


def _top(
    idx: npt.NDArray[np.int64], first: npt.NDArray[Any], second: npt.NDArray[Any], k: int
) -> npt.NDArray[np.int64]:
    """The documents of `idx` that can be among the first `k` by `first` DESC, `second`
    DESC: those up to the k-th, ties with it included (their keys decide)."""
    if len(idx) <= k:
        return idx
    f = first[idx]
    kth = np.partition(f, len(f) - k)[len(f) - k]
    above, tied = idx[f > kth], idx[f == kth]
    rest = k - len(above)
    s = second[tied]
    kth2 = np.partition(s, len(s) - rest)[len(s) - rest]
    return np.concatenate([above, tied[s >= kth2]])


def _holding_phrases(
    con: duckdb.DuckDBPyConnection, docids: npt.NDArray[np.int64], phrases: Sequence[str]
) -> npt.NDArray[np.int64] | None:
    """Those of `docids` whose article's title and text hold every pattern of `phrases`;
    None when one of them is not at its article's position (a document's id is its
    article's rowid until an article is deleted or the table rewritten: checked against the
    document's key). One join of the documents listed with the articles at their
    positions: 5,000 documents in 63 ms and 10,000 in 101-108 ms at 1M articles, against
    100 and 185-198 ms read by their positions written out (warehouse/positions.py
    `rows_at`), which this replaced."""
    if not len(docids):
        return docids
    every = " AND ".join(
        f"regexp_matches(coalesce(a.title, '') || ' ' || coalesce(a.text, ''), $p{n})"
        for n in range(len(phrases))
    )
    got = con.execute(
        f"SELECT d.docid, a.article_id = d.name AS same, {every} AS held"
        " FROM fts_main_articles.docs d JOIN articles a ON a.rowid = d.docid"
        " WHERE d.docid IN (SELECT unnest($d::JSON::BIGINT[]))",
        {"d": json_list(docids.tolist())} | {f"p{n}": p for n, p in enumerate(phrases)},
    ).fetchnumpy()
    found = np.asarray(got["docid"], dtype=np.int64)
    same = np.asarray(got["same"], dtype=bool)
    if len(found) < len(docids) or not same.all():
        return None
    held: npt.NDArray[np.int64] = found[np.asarray(got["held"], dtype=bool)]
    return held


def rank(
    con: duckdb.DuckDBPyConnection,
    times: DocTimes,
    terms: Sequence[int],
    *,
    holding: Sequence[int] | None,
    phrases: Sequence[str],
    whole: str,
    entity_sets: Sequence[Sequence[str]],
    since: datetime | None,
    until: datetime | None,
    sort: str,
    limit: int,
    offset: int,
    pool_size: int,
    site: str,
    scored: bool = False,
) -> tuple[int, list[dict[str, Any]]] | None:
    """`search_articles`'s answer, or None when it is better left to the SQL (more than
    PHRASE_TEXTS documents to read for phrases). `entity_sets`: each a list of entities,
    one of which a match must name (the entity's family; the kind's entities). `scored`:
    the postings hold their parts, not counts (an index built before they did)."""
    if phrases and holding is None:
        return None  # every word of the phrases is in most articles: too many texts to read
    size = len(times.present)
    # The filters first: with phrases, whether there are too many texts to read is known
    # before any posting is read (a phrase in 5% of 1M articles read its terms' postings,
    # 40-50 ms, to be left to the SQL).
    mask = times.present.copy()
    if since is not None:
        mask &= times.dated & (times.key >= _micros(since))
    if until is not None:
        mask &= times.dated & (times.key < _micros(until))
    for entities in entity_sets:
        docids = _docs(
            con,
            "SELECT docid FROM fts_main_articles.entity_docs"
            " WHERE entity_id IN (SELECT unnest($e::JSON::VARCHAR[]))",
            {"e": json_list(entities)},
        )
        allowed = np.zeros(size, dtype=bool)
        allowed[docids[docids < size]] = True
        mask &= allowed
    if holding is not None:
        # Only the documents holding every word of the phrases can hold the phrases.
        holders = np.asarray(holding, dtype=np.int64)
        allowed = np.zeros(size, dtype=bool)
        allowed[holders[holders < size]] = True
        mask &= allowed
        if phrases and int(np.count_nonzero(mask)) > PHRASE_TEXTS:
            return None
    scores = np.zeros(size, dtype=np.float64)
    matched = np.zeros(size, dtype=bool)
    idf = (
        {}
        if scored
        else dict(
            con.execute(
                f"SELECT dd.termid, {IDF} FROM fts_main_articles.dict dd"
                " CROSS JOIN fts_main_articles.stats s"
                " WHERE dd.termid IN (SELECT unnest($t::JSON::BIGINT[]))",
                {"t": json_list(list(terms))},
            ).fetchall()
        )
    )
    for termid in terms:
        got = con.execute(
            f"SELECT docid, {'subscore' if scored else 'tf'} AS v"
            " FROM fts_main_articles.postings WHERE termid = $t",
            {"t": termid},
        ).fetchnumpy()
        docids = np.asarray(got["docid"], dtype=np.int64)
        inside: Any = slice(None)  # every posting, unless some lie beyond the times read
        if len(docids) and int(docids.max()) >= size:
            inside = docids < size
            docids = docids[inside]
        if scored:  # an index whose postings were kept scored (IndexFacts.scoring)
            scores[docids] += np.asarray(got["v"], dtype=np.float64)[inside]
        else:
            tf = np.asarray(got["v"], dtype=np.int64)[inside]
            scores[docids] += parts(float(idf[termid]), tf, times.norm[docids])
        matched[docids] = True
    mask &= matched
    if phrases:
        candidates = np.flatnonzero(mask)
        if len(candidates) > PHRASE_TEXTS:
            return None
        held = _holding_phrases(con, candidates, phrases)
        if held is None:
            return None  # an article not at its document's position: the SQL reads by key
        mask[:] = False
        mask[held] = True
    matches = np.flatnonzero(mask)
    total = len(matches)
    if not total:
        return 0, []
    key = times.key

    def ordered(idx: npt.NDArray[np.int64], by_time: bool) -> list[tuple[int, str]]:
        names = names_at(con, [int(d) for d in idx])
        docs = [int(d) for d in idx if int(d) in names]
        if by_time:
            docs.sort(key=lambda d: (-int(key[d]), -scores[d], names[d]))
        else:
            docs.sort(key=lambda d: (-scores[d], -int(key[d]), names[d]))
        return [(d, names[d]) for d in docs]

    pool = ordered(_top(matches, scores, key, pool_size), by_time=False)[:pool_size]
    columns = (
        f"regexp_matches(coalesce(a.title, '') || ' ' || coalesce(a.text, ''), $whole) AS phrase,"
        f" a.title, a.published_at, {site} AS site, a.canonical_url AS url,"
        " left(a.text, 100000) AS text"
    )
    if sort == "relevance":
        # The page is the pool ordered by (phrase DESC, score, time, key). If the pool's first
        # offset + limit rows all hold the whole query as a phrase, they are the page's rows
        # and no later one can come before them: the texts of the rest are not read (for
        # the usual search, 20 rows instead of 500).
        first = pool[: offset + limit]
        read = rows_at(con, "articles", "article_id", first, columns, {"whole": whole})
        if len(read) < len(first) or not all(r["phrase"] for r in read.values()):
            read |= rows_at(
                con, "articles", "article_id", pool[offset + limit :], columns, {"whole": whole}
            )
        shown = [(d, k) for d, k in pool if k in read]
        shown.sort(key=lambda x: (not read[x[1]]["phrase"], -scores[x[0]], -int(key[x[0]]), x[1]))
        page = shown[offset : offset + limit]
    else:
        page = ordered(_top(matches, key, scores, offset + limit), by_time=True)
        page = page[offset : offset + limit]
        read = rows_at(con, "articles", "article_id", page, columns, {"whole": whole})
        in_pool = {k for _, k in pool}
        for k, r in read.items():
            r["phrase"] = bool(r["phrase"]) and k in in_pool
        page = [(d, k) for d, k in page if k in read]
    out = []
    for d, k in page:
        r = read[k]
        out.append(
            {"article_id": k, "title": r["title"], "published_at": r["published_at"],
             "site": r["site"], "url": r["url"], "phrase": r["phrase"], "text": r["text"],
             "score": rounded(float(scores[d]))}
        )  # fmt: skip
    # The SQL takes the total from the page's rows: a page past the last match says 0.
    return (total if out else 0), out


def rounded(score: float) -> float:
    """round(score, 4) as DuckDB computes it (std::round(x * 10^4) / 10^4: halves away from
    zero, on the product's double), not Python's round (halves to even, on the decimal
    value): the SQL path's figures (tests/test_search_ranking.py compares the two)."""
    scaled = score * 10000.0
    whole = math.floor(scaled)
    if scaled - whole >= 0.5:
        whole += 1
    return whole / 10000.0
