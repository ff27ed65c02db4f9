"""Stories in the warehouse: each article's story key (`story_keys`, `story_bands`), the
candidates an article's LSH bands find (one join), and the story (`articles.cluster_id`) each
article is placed in.

Whether two candidates tell the same story is not decided here: the caller hands in a
`StoryRule` (flows/stories.py passes extractors/stories.py's), so the warehouse stores keys
and runs joins but holds no text-similarity logic of its own. Texts too short for a key fall
back to SimHash within `near_bits` bits, a plain SQL distance.

Keys are refreshed when an article's text changes (its page replaced the feed's teaser) or
when it has none (stored before keys existed): `refresh_stories` stores the new keys and
places the articles again, in time order, moving along any story an article headed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from warehouse.append import Row, insert_new, insert_rows, register_rows

DEFAULT_NEAR_BITS = 12
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SIMHASH_WINDOW = timedelta(days=30)  # the SimHash fallback's window when no rule is given

# Article row fields that carry the story key (not `articles` columns).
STORY_FIELDS = ("story_signature", "story_shingles", "story_bands")


@dataclass(frozen=True)
class StoredKey:
    """An article's story key as stored: MinHash signature, shingle count, LSH band keys."""

    signature: bytes
    shingles: int
    bands: tuple[int, ...] = ()


@dataclass(frozen=True)
class StoryRule:
    """How to tell one story: `match` scores two LSH candidates (above 0: the same story,
    higher: closer), `window` is how far apart in time copies of a story may be. `scores`,
    if given, is `match` of one key against many at once, with equal results: an article
    of a batch of wire copies meets hundreds of candidates."""

    match: Callable[[StoredKey, StoredKey], float]
    window: timedelta
    scores: (
        Callable[[Sequence[StoredKey], Sequence[StoredKey]], Sequence[Sequence[float]]] | None
    ) = None

    def table(
        self, keys: Sequence[StoredKey], others: Sequence[StoredKey]
    ) -> Sequence[Sequence[float]]:
        """`match` of each of `keys` (a row each) against each of `others`."""
        if self.scores is not None:
            return self.scores(keys, others)
        return [[self.match(key, k) for k in others] for key in keys]

    def best(self, key: StoredKey, options: Sequence[tuple[str, StoredKey]]) -> tuple[float, str]:
        """(score, cluster) of the option `key` matches best: the first of the highest
        scores, (0.0, "") when there are none."""
        if not options:
            return 0.0, ""
        found = list(self.table([key], [k for _, k in options])[0])
        top = max(found)
        return top, options[found.index(top)][0]


def _key(a: Row) -> StoredKey | None:
    if not a.get("story_signature"):
        return None
    return StoredKey(a["story_signature"], int(a["story_shingles"]), tuple(a["story_bands"]))


def _stored_best(
    con: duckdb.DuckDBPyConnection, new: Sequence[Row], rule: StoryRule
) -> dict[str, tuple[float, str]]:
    """article id -> (score, cluster id) of the stored article `rule` matches best among
    those sharing an LSH band with it within the time window (the first of equals in time
    order). One join on `story_bands`; each candidate's key is fetched once, and the pairs
    come back as two integer columns: a batch of wire copies can meet most of the stored
    articles, and a row per pair with its signature grew with the warehouse (100 MB a batch
    at a few thousand articles)."""
    bands = [
        {"i": i, "band": b, "t": a["t"]}
        for i, a in enumerate(new)
        if a.get("story_bands")
        for b in a["story_bands"]
    ]
    if not bands:
        return {}
    ids = [{"i": i, "article_id": a["article_id"]} for i, a in enumerate(new)]
    with register_rows(con, "_nb", bands), register_rows(con, "_ni", ids):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _pairs AS
            SELECT DISTINCT n.i, b.article_id AS old_id
            FROM _nb n JOIN story_bands b
              ON b.band = n.band
             AND b.t >= n.t - to_days($days) AND b.t <= n.t + to_days($days)
            JOIN _ni USING (i)
            WHERE b.article_id <> _ni.article_id
            """,
            {"days": rule.window.days},
        )
    try:
        # The candidates in time order (`j`), each with its story and key, once.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _olds AS
            SELECT row_number() OVER (ORDER BY k.t, k.article_id) - 1 AS j, k.article_id,
                   coalesce(a.cluster_id, a.article_id) AS cluster, k.signature, k.shingles
            FROM (SELECT DISTINCT old_id FROM _pairs) c
            JOIN story_keys k ON k.article_id = c.old_id
            JOIN articles a ON a.article_id = c.old_id
            """
        )
        olds = [
            (cluster, StoredKey(bytes(signature), shingles))
            for cluster, signature, shingles in con.execute(
                "SELECT cluster, signature, shingles FROM _olds ORDER BY j"
            ).fetchall()
        ]
        pairs = con.execute(
            "SELECT p.i, o.j FROM _pairs p JOIN _olds o ON o.article_id = p.old_id"
            " ORDER BY p.i, o.j"
        ).fetchnumpy()
    finally:
        con.execute("DROP TABLE IF EXISTS _pairs")
        con.execute("DROP TABLE IF EXISTS _olds")
    # Each new article against every candidate of the batch at once (one pass over their
    # keys); then, among its own candidates in time order, the first of its best.
    news, js = pairs["i"].tolist(), pairs["j"].tolist()
    scored = sorted(set(news))
    keys = [_key(new[i]) for i in scored]
    table = rule.table([k for k in keys if k is not None], [k for _, k in olds])
    row_of = {i: r for r, i in enumerate(i for i, k in zip(scored, keys, strict=True) if k)}
    found: dict[str, tuple[float, str]] = {}
    start = 0
    while start < len(news):
        i, end = news[start], start
        while end < len(news) and news[end] == i:
            end += 1
        if i in row_of:
            row = table[row_of[i]]
            j = max(js[start:end], key=row.__getitem__)
            found[new[i]["article_id"]] = (row[j], olds[j][0])
        start = end
    return found


def _by_key(con: duckdb.DuckDBPyConnection, new: Sequence[Row], rule: StoryRule) -> dict[str, str]:
    """article id -> cluster id for the articles that have a story key: the story of the
    stored or earlier article in `new` that `rule` matches best, if any (a stored one when
    they score the same)."""
    stored = _stored_best(con, new, rule)
    clusters: dict[str, str] = {}
    by_band: dict[int, list[tuple[str, StoredKey]]] = {}  # `new`'s articles so far
    for a in new:
        key = _key(a)
        if key is None:
            continue
        near = {c: k for b in key.bands for c, k in by_band.get(b, [])}
        best_stored = stored.get(a["article_id"], (0.0, ""))
        best_near = rule.best(key, list(near.items()))
        score, cluster = best_stored if best_stored[0] >= best_near[0] else best_near
        clusters[a["article_id"]] = cluster if score > 0 else a["article_id"]
        for b in key.bands:
            by_band.setdefault(b, []).append((clusters[a["article_id"]], key))
    return clusters


def _bits_set(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """The number of bits set in each of `x`."""
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.asarray(np.bitwise_count(x), dtype=np.uint8)
    by_byte: npt.NDArray[np.uint8] = _BYTE_BITS[x.view(np.uint8)].reshape(-1, 8)
    return np.asarray(by_byte.sum(axis=1), dtype=np.uint8)


_BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def _nearest_stored(
    con: duckdb.DuckDBPyConnection, with_fp: Sequence[Row], near_bits: int, window: timedelta
) -> dict[str, str]:
    """article id -> cluster of the stored article nearest in SimHash (within `near_bits`
    bits, at or after the article's time less `window`, not itself): the first stored of
    the nearest. The stored fingerprints of the window are fetched once as integers and
    compared in numpy; a join of each new article with every stored one compared article
    ids pair by pair (1M articles: 64 x 140k pairs a batch)."""
    with register_rows(con, "_fp", with_fp):
        lows = con.execute(
            "SELECT epoch_us(t - to_days($days)) FROM _fp", {"days": window.days}
        ).fetchnumpy()
    low = np.asarray(lows[next(iter(lows))], dtype=np.int64)
    # coalesce(published_at, fetched_at) >= low, as two filters on plain columns: those reach
    # the scan, whose zone maps skip the older row groups (a filter on the expression read
    # every article's times: 0.06 s of CPU a batch at 1M articles).
    stored = con.execute(
        "SELECT r, f, t FROM ("
        " SELECT rowid AS r, fingerprint AS f, epoch_us(published_at) AS t FROM articles"
        " WHERE fingerprint IS NOT NULL AND published_at >= $low"
        " UNION ALL"
        " SELECT rowid, fingerprint, epoch_us(fetched_at) FROM articles"
        " WHERE fingerprint IS NOT NULL AND published_at IS NULL AND fetched_at >= $low"
        ") ORDER BY r",
        {"low": _EPOCH + timedelta(microseconds=int(low.min()))},
    ).fetchnumpy()
    rowids = np.asarray(stored["r"], dtype=np.int64)
    fps = np.asarray(stored["f"], dtype=np.int64).view(np.uint64)
    times = np.asarray(stored["t"], dtype=np.int64)
    # Per new article: its candidates' row ids, nearest first, then in stored order.
    ranked: list[list[int]] = []
    for a, lo in zip(with_fp, low.tolist(), strict=True):
        bits = _bits_set(fps ^ np.uint64(int(a["fingerprint"]) & (2**64 - 1)))
        near = np.flatnonzero((bits <= near_bits) & (times >= lo))
        order = np.lexsort((near, bits[near]))
        ranked.append(rowids[near[order]].tolist())
    wanted = sorted({r for rs in ranked for r in rs})
    if not wanted:
        return {}
    found = {
        r: (aid, cluster)
        for r, aid, cluster in con.execute(
            "SELECT rowid, article_id, coalesce(cluster_id, article_id) FROM articles"
            " WHERE rowid IN (SELECT unnest($r))",
            {"r": wanted},
        ).fetchall()
    }
    nearest: dict[str, str] = {}
    for a, rs in zip(with_fp, ranked, strict=True):
        first = next((found[r][1] for r in rs if found[r][0] != a["article_id"]), None)
        if first is not None:
            nearest[a["article_id"]] = first
    return nearest


def _near(
    con: duckdb.DuckDBPyConnection, new: Sequence[Row], near_bits: int, window: timedelta
) -> dict[str, str]:
    with_fp = [
        {"article_id": a["article_id"], "fingerprint": a["fingerprint"], "t": a["t"]}
        for a in new
        if a.get("fingerprint") is not None
    ]
    nearest = _nearest_stored(con, with_fp, near_bits, window) if with_fp else {}
    clusters: dict[str, str] = {}
    placed: list[tuple[int, str]] = []  # (fingerprint, cluster) of `new`'s articles so far
    for a in new:
        fp = a.get("fingerprint")
        cluster = nearest.get(a["article_id"])
        if cluster is None and fp is not None:
            near = [(int(fp ^ f).bit_count(), c) for f, c in placed]
            within = [x for x in near if x[0] <= near_bits]
            cluster = min(within)[1] if within else None
        clusters[a["article_id"]] = cluster or a["article_id"]
        if fp is not None:
            placed.append((fp, clusters[a["article_id"]]))
    return clusters


def assign_stories(
    con: duckdb.DuckDBPyConnection, new: Sequence[Row], rule: StoryRule | None, near_bits: int
) -> dict[str, str]:
    """article id -> cluster id for `new` (rows with `article_id`, `t`, `fingerprint` and the
    story fields), taken in order: by story key and `rule` when they have a key; texts too
    short for one (or every text, with no rule) join the cluster of the nearest stored or
    earlier article within `near_bits` bits of SimHash; else their own."""
    clusters = _by_key(con, new, rule) if rule else {}
    short = [a for a in new if a["article_id"] not in clusters]
    return clusters | _near(con, short, near_bits, rule.window if rule else SIMHASH_WINDOW)


def store_keys(con: duckdb.DuckDBPyConnection, new: Sequence[Row], *, fresh: bool = False) -> None:
    """`story_keys` and `story_bands` rows for the rows (with `t`) that have a story key.
    `fresh`: the articles were added in this transaction, so none has a stored key to skip
    (no anti-join: a scan of every stored key)."""
    keys: list[Row] = []
    bands: list[Row] = []
    for a in new:
        if a.get("story_signature"):
            aid, t = a["article_id"], a["t"]
            keys.append(
                {"article_id": aid, "t": t, "shingles": a["story_shingles"],
                 "signature": a["story_signature"]}
            )  # fmt: skip
            bands += [{"band": b, "article_id": aid, "t": t} for b in a["story_bands"]]
    if fresh:
        insert_rows(con, "story_keys", keys, skip_existing=False)
    else:
        insert_new(con, "story_keys", keys, ("article_id",))  # no key index (migration 0014)
    insert_rows(con, "story_bands", bands, skip_existing=False)


def stored_signatures(con: duckdb.DuckDBPyConnection) -> dict[str, bytes]:
    """article id -> stored MinHash signature, for every article that has a story key."""
    rows = con.execute("SELECT article_id, signature FROM story_keys").fetchall()
    return {a: bytes(s) for a, s in rows}


def _follow(moved: dict[str, str], cluster: str) -> str:
    seen = {cluster}
    while cluster in moved and moved[cluster] not in seen:
        cluster = moved[cluster]
        seen.add(cluster)
    return cluster


def refresh_stories(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Row],
    rule: StoryRule | None,
    near_bits: int = DEFAULT_NEAR_BITS,
) -> int:
    """Give stored articles new story keys (rows: `article_id`, `fingerprint` and the story
    fields, None when the text is too short) and place each in its story again, in time
    order, as if it had just arrived. An article that headed a story and now joins another
    takes that story's other articles along (they were placed by its old text, which told
    the same story). Runs inside the caller's transaction; returns how many articles changed
    story."""
    ids = sorted({a["article_id"] for a in articles})
    if not ids:
        return 0
    found = con.execute(
        "SELECT article_id, coalesce(cluster_id, article_id), coalesce(published_at, fetched_at)"
        " FROM articles WHERE article_id IN (SELECT unnest($ids))",
        {"ids": ids},
    ).fetchall()
    before: dict[str, str] = {r[0]: r[1] for r in found}
    when: dict[str, datetime] = {r[0]: r[2] for r in found}
    for table in ("story_keys", "story_bands"):
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT unnest($ids))", {"ids": ids})
    stamped = sorted(
        ({**a, "t": when[a["article_id"]]} for a in articles if a["article_id"] in when),
        key=lambda a: (a["t"], a["article_id"]),
    )
    placed = assign_stories(con, stamped, rule, near_bits)
    moved = {a: c for a, c in placed.items() if before[a] == a and c != a}
    after = {a: _follow(moved, c) for a, c in placed.items()}
    changes: list[dict[str, Any]] = [
        {"article_id": a, "cluster_id": c} for a, c in after.items() if c != before[a]
    ]
    if moved:
        others = con.execute(
            "SELECT article_id, cluster_id FROM articles WHERE cluster_id IN (SELECT unnest($m))"
            " AND article_id NOT IN (SELECT unnest($ids))",
            {"m": sorted(moved), "ids": ids},
        ).fetchall()
        changes += [{"article_id": a, "cluster_id": _follow(moved, c)} for a, c in others]
    if changes:
        with register_rows(con, "_moves", changes):
            con.execute(
                "UPDATE articles SET cluster_id = m.cluster_id FROM _moves m"
                " WHERE articles.article_id = m.article_id"
            )
    store_keys(con, stamped)
    return len(changes)


def update_stories(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Row],
    rule: StoryRule | None,
    near_bits: int = DEFAULT_NEAR_BITS,
) -> int:
    """`refresh_stories` in a transaction of its own."""
    con.execute("BEGIN TRANSACTION")
    try:
        changed = refresh_stories(con, articles, rule, near_bits)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return changed
