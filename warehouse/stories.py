"""Stories in the warehouse: each article's story key (`story_keys`, `story_bands`), the
candidates an article's LSH bands find (one filtered read of `story_bands` for a batch, a
row per stored candidate with the batch's articles it shares a band with as bits), and the
story (`articles.cluster_id`) each article is placed in.

Whether two candidates tell the same story is not decided here: the caller hands in a
`StoryRule` (flows/stories.py passes extractors/stories.py's), so the warehouse stores keys
and runs joins but holds no text-similarity logic of its own. Texts too short for a key fall
back to SimHash within `near_bits` bits (64-bit words compared in numpy).

Keys are refreshed when an article's text changes (its page replaced the feed's teaser) or
when it has none (stored before keys existed): `refresh_stories` stores the new keys and
places the articles again, in time order, moving along any story an article headed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from warehouse.append import Row, insert_new, insert_rows, insert_unnested, register_rows
from warehouse.list_param import json_list

DEFAULT_NEAR_BITS = 12
_WORD = 2**64 - 1  # a fingerprint's 64 bits, its sign the top one
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
    t: float | None = None  # the article's time (POSIX seconds), for rules that read it


@dataclass(frozen=True)
class StoryRule:
    """How to tell one story: `match` scores two LSH candidates (above 0: the same story,
    higher: closer), `window` is how far apart in time copies of a story may be. `scores`,
    if given, is `match` of many keys against many at once (a row per key), with equal
    results: a batch of wire copies meets thousands of candidates."""

    match: Callable[[StoredKey, StoredKey], float]
    window: timedelta
    scores: Callable[[Sequence[StoredKey], Sequence[StoredKey]], npt.ArrayLike] | None = None
    # The bands of a key that find stored candidates only within `near_window` of its
    # article (a part of the key that matches nothing further apart): fetching the others'
    # keys for the whole `window` would only have them scored 0.
    near: Callable[[StoredKey], Collection[int]] | None = None
    near_window: timedelta = timedelta(0)

    def table(
        self, keys: Sequence[StoredKey], others: Sequence[StoredKey]
    ) -> npt.NDArray[np.float64]:
        """`match` of each of `keys` (a row each) against each of `others`."""
        if self.scores is not None:
            found = self.scores(keys, others)
        else:
            found = [[self.match(key, k) for k in others] for key in keys]
        return np.asarray(found, dtype=np.float64).reshape(len(keys), len(others))


# Keyed articles whose stored candidates are found and scored together: bounds the candidate
# and score tables (rows x candidates) when many articles are placed again at once (retag).
STORED_CHUNK = 1024
_NEAR_BLOCK = 256  # articles of a batch scored at once against the batch's earlier ones
# Scores computed at once at most: a batch of wire copies meets most of the stored articles.
_SCORES_AT_ONCE = 1 << 22


def _key(a: Row) -> StoredKey | None:
    if not a.get("story_signature"):
        return None
    t = a.get("t")
    return StoredKey(
        a["story_signature"],
        int(a["story_shingles"]),
        tuple(a["story_bands"]),
        t.timestamp() if isinstance(t, datetime) else None,
    )


@dataclass(frozen=True)
class _Candidates:
    """The stored articles sharing an LSH band with some of a chunk of new articles, in time
    order (`stories[j]`, `keys[j]`), and which of them each new article may join
    (`allowed[r, j]`: a shared band, within the window, not itself)."""

    stories: list[str]
    keys: list[StoredKey]
    allowed: npt.NDArray[np.bool_]


def _stored_candidates(
    con: duckdb.DuckDBPyConnection,
    new: Sequence[Row],
    chunk: Sequence[tuple[int, StoredKey]],
    rule: StoryRule,
) -> _Candidates | None:
    """The candidates of `chunk` (index in `new`, key with bands). SQL turns the chunk's
    bands into the articles holding each distinct band, as bits (`_ub`, 64 articles a
    column); story_bands, filtered by those bands and the span of the chunk's windows (a
    filter on the plain column: older row groups are skipped), comes back as one row per
    stored article: the OR of its bands' bits, its time. The window and the article itself
    are then checked pair by pair. A join of each new article's bands with story_bands made
    a row per shared band (1.5M for 256 wire copies against 4,600 stored ones), for SQL to
    make distinct and Python to read. The rule's near bands (`StoryRule.near`) count only
    within its `near_window`: their bits come back apart, and rows they alone find
    further from every article of the chunk are not read."""
    window = rule.window
    words = -(-len(chunk) // 64)
    masks = [f"m{w}" for w in range(words)]
    nears = [f"n{w}" for w in range(words)]
    ids = []
    for r, (i, k) in enumerate(chunk):
        near = set(rule.near(k)) if rule.near is not None else set()
        bands = list(k.bands)
        ids.append({"r": r, "t": new[i]["t"], "bands": bands, "near": [b in near for b in bands]})
    # Bit r % 64 of mask r // 64: new article r holds the band.
    holders = ", ".join(
        f"bit_or(CASE WHEN r // 64 = {w} THEN CAST(1::UBIGINT << (r % 64) AS UBIGINT)"
        f" ELSE 0::UBIGINT END) AS m{w}"
        for w in range(words)
    )
    try:
        with register_rows(con, "_ni", ids):
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _ub AS SELECT band, {holders},"
                " bool_or(near) AS near"
                " FROM (SELECT r, unnest(bands) AS band, unnest(near) AS near FROM _ni)"
                " GROUP BY band"
            )
            # Each article's window as a join on the column (TIMESTAMPTZ) compares it.
            span = con.execute(
                "SELECT epoch_us(CAST(t - to_days($days) AS TIMESTAMPTZ)),"
                " epoch_us(CAST(t + to_days($days) AS TIMESTAMPTZ)) FROM _ni ORDER BY r",
                {"days": window.days},
            ).fetchnumpy()
            low, high = (np.asarray(span[c], dtype=np.int64) for c in span)
            # A day's slack: this filter only narrows the scan; each pair is checked below.
            first = _EPOCH + timedelta(microseconds=int(low.min())) - timedelta(days=1)
            last = _EPOCH + timedelta(microseconds=int(high.max())) + timedelta(days=1)
            # The near bands' span: every article's time, give or take the near window.
            mid = (low + high) // 2
            near_us = int(rule.near_window / timedelta(microseconds=1))
            near_low, near_high = mid - near_us, mid + near_us
            near_first = _EPOCH + timedelta(microseconds=int(near_low.min()))
            near_last = _EPOCH + timedelta(microseconds=int(near_high.max()))
            held = ", ".join(
                f"bit_or(CASE WHEN u.near THEN 0::UBIGINT ELSE u.{m} END) AS {m},"
                f" bit_or(CASE WHEN u.near THEN u.{m} ELSE 0::UBIGINT END) AS {n}"
                for m, n in zip(masks, nears, strict=True)
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _met AS SELECT b.article_id, b.t, {held}"
                " FROM story_bands b JOIN _ub u ON u.band = b.band"
                " WHERE b.t >= $first AND b.t <= $last"
                " AND (NOT u.near OR (b.t >= $near_first AND b.t <= $near_last))"
                " GROUP BY b.article_id, b.t",
                {"first": first, "last": last, "near_first": near_first, "near_last": near_last},
            )
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _olds AS
                SELECT row_number() OVER (ORDER BY k.t, k.article_id) - 1 AS j, k.article_id,
                       coalesce(a.cluster_id, a.article_id) AS cluster, k.signature, k.shingles,
                       epoch_us(k.t) AS t
                FROM (SELECT DISTINCT article_id FROM _met) c
                JOIN story_keys k ON k.article_id = c.article_id
                JOIN articles a ON a.article_id = c.article_id
                """
            )
            olds = con.execute(
                "SELECT article_id, cluster, signature, shingles, t FROM _olds ORDER BY j"
            ).fetchall()
            met = con.execute(
                f"SELECT o.j, epoch_us(m.t) AS t, {', '.join(f'm.{m}' for m in masks + nears)}"
                " FROM _met m JOIN _olds o USING (article_id) ORDER BY o.j"
            ).fetchnumpy()
    finally:
        for table in ("_ub", "_met", "_olds"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    if not olds:
        return None
    j = np.asarray(met["j"], dtype=np.int64)
    at = np.asarray(met["t"], dtype=np.int64)[:, None]
    sharing = _bits(met, masks, len(chunk)) & (at >= low[None, :]) & (at <= high[None, :])
    sharing |= (
        _bits(met, nears, len(chunk)) & (at >= near_low[None, :]) & (at <= near_high[None, :])
    )
    # A stored article with bands of several times (not as stored today) has a row each.
    allowed = np.logical_or.reduceat(sharing, np.flatnonzero(np.r_[True, j[1:] != j[:-1]]))
    allowed = np.ascontiguousarray(allowed.T)
    where: dict[str, list[int]] = {}
    for n, (aid, *_) in enumerate(olds):
        where.setdefault(aid, []).append(n)
    for r, (i, _) in enumerate(chunk):
        allowed[r, where.get(new[i]["article_id"], [])] = False
    return _Candidates(
        [cluster for _, cluster, *_ in olds],
        [
            StoredKey(bytes(signature), shingles, (), t / 1e6 if t is not None else None)
            for _, _, signature, shingles, t in olds
        ],
        allowed,
    )


def _bits(met: dict[str, Any], columns: Sequence[str], n: int) -> npt.NDArray[np.bool_]:
    """The columns' 64-bit masks as a row of n booleans per stored article."""
    held = np.stack([np.asarray(met[c], dtype="<u8") for c in columns], axis=1)
    return np.unpackbits(held.view(np.uint8), axis=1, count=n, bitorder="little").astype(bool)


def _stored_best(
    con: duckdb.DuckDBPyConnection,
    new: Sequence[Row],
    keyed: Sequence[tuple[int, StoredKey]],
    rule: StoryRule,
) -> dict[str, tuple[float, str]]:
    """article id -> (score, cluster id) of the stored article `rule` matches best among
    those sharing an LSH band with it within the time window (the first of equals in time
    order). `keyed`: the index in `new` and key of the articles that have one. Each
    candidate's key is fetched once, and a chunk of new articles is scored against all its
    chunk's candidates at once; the pairs that are not candidates are masked out."""
    with_bands = [(i, k) for i, k in keyed if k.bands]
    found: dict[str, tuple[float, str]] = {}
    for c in range(0, len(with_bands), STORED_CHUNK):
        chunk = with_bands[c : c + STORED_CHUNK]
        met = _stored_candidates(con, new, chunk, rule)
        if met is None:
            continue
        rows = np.flatnonzero(met.allowed.any(axis=1))
        step = max(1, _SCORES_AT_ONCE // len(met.keys))
        for s in range(0, len(rows), step):
            part = rows[s : s + step]
            table = rule.table([chunk[r][1] for r in part], met.keys)
            best = np.where(met.allowed[part], table, -np.inf).argmax(axis=1)
            for r, n, j in zip(part.tolist(), range(len(part)), best.tolist(), strict=True):
                found[new[chunk[r][0]]["article_id"]] = (float(table[n, j]), met.stories[j])
    return found


def _by_key(con: duckdb.DuckDBPyConnection, new: Sequence[Row], rule: StoryRule) -> dict[str, str]:
    """article id -> cluster id for the articles that have a story key: the story of the
    stored or earlier article in `new` that `rule` matches best, if any (a stored one when
    they score the same). Of the earlier ones, each story offers one: its last article on
    the new one's bands (in the order of its bands)."""
    keyed = [(i, k) for i, a in enumerate(new) if (k := _key(a)) is not None]
    stored = _stored_best(con, new, keyed, rule)
    clusters: dict[str, str] = {}
    # band -> {story: its last article (`keyed` position) on the band}, in the order the
    # stories first came: what a list of every article on the band gave, read in order
    # into a dict, without reading every article.
    by_band: dict[int, dict[str, int]] = {}
    members: dict[int, set[int]] = {}  # band -> `keyed` positions on it, before the block
    for start in range(0, len(keyed), _NEAR_BLOCK):
        block = range(start, min(start + _NEAR_BLOCK, len(keyed)))
        bands = {b for p in block for b in keyed[p][1].bands}
        # Every earlier article a block's article may meet, scored against the block at once.
        near = sorted(set(block).union(*(members.get(b, ()) for b in bands)))
        column = {q: n for n, q in enumerate(near)}
        table = rule.table([keyed[p][1] for p in block], [keyed[q][1] for q in near])
        for p in block:
            i, key = keyed[p]
            aid = new[i]["article_id"]
            options = {c: q for b in key.bands for c, q in by_band.get(b, {}).items()}
            best_stored = stored.get(aid, (0.0, ""))
            best_near = (0.0, "")
            if options:
                found = table[p - start, [column[q] for q in options.values()]]
                top = int(found.argmax())
                best_near = (float(found[top]), list(options)[top])
            score, cluster = best_stored if best_stored[0] >= best_near[0] else best_near
            clusters[aid] = cluster if score > 0 else aid
            for b in key.bands:
                by_band.setdefault(b, {})[clusters[aid]] = p
        if block.stop < len(keyed):
            for p in block:
                for b in keyed[p][1].bands:
                    members.setdefault(b, set()).add(p)
    return clusters


def _bits_set(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """The number of bits set in each of `x`."""
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.asarray(np.bitwise_count(x), dtype=np.uint8)
    words = np.ascontiguousarray(x)  # a slice's bytes are viewed as its words' only if packed
    by_byte: npt.NDArray[np.uint8] = _BYTE_BITS[words.view(np.uint8)].reshape(-1, 8)
    return np.asarray(by_byte.sum(axis=1), dtype=np.uint8)


_BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def _nearest_stored(
    con: duckdb.DuckDBPyConnection,
    with_fp: Sequence[Row],
    near_bits: int,
    window: timedelta,
    placing: frozenset[str] = frozenset(),
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
        bits = _bits_set(fps ^ np.uint64(int(a["fingerprint"]) & _WORD))
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
            " WHERE rowid IN (SELECT unnest($r::JSON::BIGINT[]))",
            {"r": json_list(wanted)},
        ).fetchall()
    }
    nearest: dict[str, str] = {}
    for a, rs in zip(with_fp, ranked, strict=True):
        # (not an article being placed again: its stored story is the one being decided)
        first = next(
            (
                found[r][1]
                for r in rs
                if found[r][0] != a["article_id"] and found[r][0] not in placing
            ),
            None,
        )
        if first is not None:
            nearest[a["article_id"]] = first
    return nearest


def _near(
    con: duckdb.DuckDBPyConnection,
    new: Sequence[Row],
    near_bits: int,
    window: timedelta,
    placing: frozenset[str] = frozenset(),
) -> dict[str, str]:
    with_fp = [
        {"article_id": a["article_id"], "fingerprint": a["fingerprint"], "t": a["t"]}
        for a in new
        if a.get("fingerprint") is not None
    ]
    nearest = _nearest_stored(con, with_fp, near_bits, window, placing) if with_fp else {}
    clusters: dict[str, str] = {}
    # The fingerprints of `new`'s articles placed so far, as 64-bit words (a BIGINT's sign
    # is its top bit: Python's bit_count of a negative XOR counted the bits of its
    # magnitude, and missed copies differing in that bit), and their clusters.
    placed = np.empty(len(with_fp), dtype=np.uint64)
    placed_clusters: list[str] = []
    for a in new:
        fp = a.get("fingerprint")
        cluster = nearest.get(a["article_id"])
        if cluster is None and fp is not None and placed_clusters:
            bits = _bits_set(placed[: len(placed_clusters)] ^ np.uint64(int(fp) & _WORD))
            within = np.flatnonzero(bits <= near_bits)
            if within.size:  # the nearest; of those as near, the least cluster id
                closest = within[bits[within] == bits[within].min()]
                cluster = min(placed_clusters[i] for i in closest.tolist())
        clusters[a["article_id"]] = cluster or a["article_id"]
        if fp is not None:
            placed[len(placed_clusters)] = int(fp) & _WORD
            placed_clusters.append(clusters[a["article_id"]])
    return clusters


def assign_stories(
    con: duckdb.DuckDBPyConnection,
    new: Sequence[Row],
    rule: StoryRule | None,
    near_bits: int,
    placing: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """article id -> cluster id for `new` (rows with `article_id`, `t`, `fingerprint` and the
    story fields), taken in order: by story key and `rule` when they have a key; texts too
    short for one (or every text, with no rule) join the cluster of the nearest stored or
    earlier article within `near_bits` bits of SimHash; else their own. `placing`: stored
    articles placed again (`refresh_stories`), which SimHash meets as articles of `new`, in
    order, not by the stories they are leaving."""
    clusters = _by_key(con, new, rule) if rule else {}
    short = [a for a in new if a["article_id"] not in clusters]
    window = rule.window if rule else SIMHASH_WINDOW
    return clusters | _near(con, short, near_bits, window, placing)


def store_keys(con: duckdb.DuckDBPyConnection, new: Sequence[Row], *, fresh: bool = False) -> None:
    """`story_keys` and `story_bands` rows for the rows (with `t`) that have a story key.
    `fresh`: the articles were added in this transaction, so none has a stored key to skip
    (no anti-join: a scan of every stored key)."""
    keys: list[Row] = []
    bands: list[Row] = []  # an article's bands as one list, a row each in SQL
    for a in new:
        if a.get("story_signature"):
            aid, t = a["article_id"], a["t"]
            keys.append(
                {"article_id": aid, "t": t, "shingles": a["story_shingles"],
                 "signature": a["story_signature"]}
            )  # fmt: skip
            if a["story_bands"]:
                bands.append({"article_id": aid, "t": t, "bands": list(a["story_bands"])})
    if fresh:
        insert_rows(con, "story_keys", keys, skip_existing=False)
    else:
        insert_new(con, "story_keys", keys, ("article_id",))  # no key index (migration 0014)
    # A row an article, its bands unnested by SQL: a store's 26k band rows (100-127 an
    # article) were as many dicts for Python to build and take apart again.
    insert_unnested(con, "story_bands", bands, "bands", "band")


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
        " FROM articles WHERE article_id IN (SELECT unnest($ids::JSON::VARCHAR[]))",
        {"ids": json_list(ids)},
    ).fetchall()
    before: dict[str, str] = {r[0]: r[1] for r in found}
    when: dict[str, datetime] = {r[0]: r[2] for r in found}
    for table in ("story_keys", "story_bands"):
        con.execute(
            f"DELETE FROM {table} WHERE article_id IN (SELECT unnest($ids::JSON::VARCHAR[]))",
            {"ids": json_list(ids)},
        )
    stamped = sorted(
        ({**a, "t": when[a["article_id"]]} for a in articles if a["article_id"] in when),
        key=lambda a: (a["t"], a["article_id"]),
    )
    placed = assign_stories(con, stamped, rule, near_bits, frozenset(ids))
    moved = {a: c for a, c in placed.items() if before[a] == a and c != a}
    after = {a: _follow(moved, c) for a, c in placed.items()}
    changes: list[dict[str, Any]] = [
        {"article_id": a, "cluster_id": c} for a, c in after.items() if c != before[a]
    ]
    if moved:
        others = con.execute(
            "SELECT article_id, cluster_id FROM articles WHERE cluster_id IN"
            " (SELECT unnest($m::JSON::VARCHAR[])) AND article_id NOT IN"
            " (SELECT unnest($ids::JSON::VARCHAR[]))",
            {"m": json_list(sorted(moved)), "ids": json_list(ids)},
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
