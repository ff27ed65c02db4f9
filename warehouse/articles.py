"""Storing articles, one per story.

A batch of analysed articles is resolved against what is stored before anything is written:
an article whose URL (any spelling seen before, or the page's canonical URL) or whose exact
text is already stored becomes a link to that article, not a second copy. New articles join
the cluster of a stored (or earlier in the batch) article whose SimHash fingerprint is within
`near_bits` bits: syndicated copies of one wire story share a `cluster_id`.

Everything happens in one transaction, so a replayed batch adds nothing twice and a failed
one leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from warehouse.append import Row, insert_rows, record_watchlist, register_rows

DEFAULT_NEAR_BITS = 12
CLUSTER_WINDOW = timedelta(days=30)  # copies of a story appear within days, not months

_BATCH_ONLY = ("entry_key", "entry_url")  # article row fields that are not columns


@dataclass(frozen=True)
class BatchCounts:
    articles: int  # new articles stored
    mentions: int
    deals: int
    duplicates: int = 0  # analysed articles that turned out to be stored already


def unseen_keys(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> set[str]:
    """The URL keys that lead to no stored article, in one anti-join (not a query per key)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    with register_rows(con, "_keys", [{"url_key": k} for k in wanted]):
        found = con.execute(
            "SELECT k.url_key FROM _keys k ANTI JOIN article_urls u USING (url_key)"
        ).fetchall()
    return {r[0] for r in found}


def articles_for_keys(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> dict[str, str]:
    """URL key -> article id, for the keys that lead to a stored article."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = con.execute(
        "SELECT url_key, article_id FROM article_urls WHERE url_key IN (SELECT unnest($k))",
        {"k": wanted},
    ).fetchall()
    return dict(rows)


def _by_content(con: duckdb.DuckDBPyConnection, hashes: list[str]) -> dict[str, str]:
    if not hashes:
        return {}
    rows = con.execute(
        "SELECT content_hash, min(article_id) FROM articles "
        "WHERE content_hash IN (SELECT unnest($h)) GROUP BY content_hash",
        {"h": hashes},
    ).fetchall()
    return dict(rows)


def _resolve(
    con: duckdb.DuckDBPyConnection, articles: Sequence[Row]
) -> tuple[dict[str, str], list[Row]]:
    """(every key of the batch -> the article it belongs to, the rows that are new)."""
    keys = [k for a in articles for k in (a["article_id"], a["entry_key"])]
    known = articles_for_keys(con, keys)
    hashes = {str(a.get("content_hash") or "") for a in articles} - {""}
    by_hash = _by_content(con, sorted(hashes))
    new: list[Row] = []
    for a in articles:
        text_hash = str(a.get("content_hash") or "")
        found = known.get(a["article_id"]) or known.get(a["entry_key"])
        if found is None and text_hash:
            found = by_hash.get(text_hash)
        if found is None:
            found = a["article_id"]
            new.append(a)
            if text_hash:
                by_hash[text_hash] = found
        known[a["article_id"]] = known[a["entry_key"]] = found
    return known, new


def _clusters(con: duckdb.DuckDBPyConnection, new: Sequence[Row], near_bits: int) -> dict[str, str]:
    """article id -> cluster id for the new articles: the cluster of the nearest stored or
    earlier new article within `near_bits`, else their own."""
    with_fp = [
        {"article_id": a["article_id"], "fingerprint": a["fingerprint"], "t": a["t"]}
        for a in new
        if a.get("fingerprint") is not None
    ]
    nearest: dict[str, str] = {}
    if with_fp:
        with register_rows(con, "_fp", with_fp):
            nearest = dict(
                con.execute(
                    """
                    SELECT n.article_id,
                           arg_min(a.cluster_id, bit_count(xor(n.fingerprint, a.fingerprint)))
                    FROM _fp n JOIN articles a
                      ON bit_count(xor(n.fingerprint, a.fingerprint)) <= $bits
                     AND coalesce(a.published_at, a.fetched_at) >= n.t - to_days($days)
                    GROUP BY n.article_id
                    """,
                    {"bits": near_bits, "days": CLUSTER_WINDOW.days},
                ).fetchall()
            )
    clusters: dict[str, str] = {}
    placed: list[tuple[int, str]] = []  # (fingerprint, cluster) of this batch's new articles
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


def append_batch(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Row],
    article_feeds: Sequence[Row],
    mentions: Sequence[Row],
    deals: Sequence[Row],
    *,
    near_bits: int = DEFAULT_NEAR_BITS,
) -> BatchCounts:
    """Store a batch of analysed articles in one transaction.

    `articles` rows are `articles` columns plus `entry_key` (the key of the feed entry's URL)
    and `entry_url`; `article_feeds` rows carry the entry key as `article_id`. Mentions and
    deals are stored only for articles this batch actually added.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        owner, new = _resolve(con, articles)
        stamped = [{**a, "t": a.get("published_at") or a["fetched_at"]} for a in new]
        clusters = _clusters(con, stamped, near_bits)
        rows = [
            {k: v for k, v in a.items() if k not in _BATCH_ONLY}
            | {"cluster_id": clusters[a["article_id"]]}
            for a in new
        ]
        added = insert_rows(con, "articles", rows)
        urls = [
            {"url_key": key, "article_id": owner[key], "url": url}
            for a in articles
            for key, url in (
                (a["article_id"], a["canonical_url"]),
                (a["entry_key"], a["entry_url"]),
            )
        ]
        insert_rows(con, "article_urls", list({u["url_key"]: u for u in urls}.values()))
        links = [
            {**r, "article_id": owner.get(r["article_id"], r["article_id"])} for r in article_feeds
        ]
        insert_rows(
            con, "article_feeds", list({(r["article_id"], r["feed_id"]): r for r in links}.values())
        )
        new_ids = {a["article_id"] for a in new}
        counts = [
            insert_rows(con, table, [r for r in rows if r["article_id"] in new_ids])
            for table, rows in (("mentions", mentions), ("deals", deals))
        ]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return BatchCounts(
        articles=added, mentions=counts[0], deals=counts[1], duplicates=len(articles) - len(new)
    )


def link_entries(con: duckdb.DuckDBPyConnection, links: Sequence[Row]) -> int:
    """Record feeds carrying articles stored earlier: `links` are `article_feeds` rows whose
    `article_id` is an entry's URL key; those that lead to a stored article are added."""
    owner = articles_for_keys(con, (r["article_id"] for r in links))
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in links:
        if r["article_id"] in owner:
            row = {**r, "article_id": owner[r["article_id"]]}
            rows[(row["article_id"], row["feed_id"])] = row
    return insert_rows(con, "article_feeds", list(rows.values()))


def article_texts(
    con: duckdb.DuckDBPyConnection, batch: int = 1000
) -> Iterator[list[tuple[str, str, str, int | None, datetime | None]]]:
    """Every stored article as (article_id, title, text, fingerprint, published_at), in
    batches."""
    cursor = con.execute(
        "SELECT article_id, coalesce(title, ''), coalesce(text, ''), fingerprint, published_at "
        "FROM articles ORDER BY article_id"
    )
    while rows := cursor.fetchmany(batch):
        yield rows


def replace_tags(
    con: duckdb.DuckDBPyConnection,
    mentions: Sequence[Row],
    deals: Sequence[Row],
    entities: Sequence[Row],
    version: str,
    fingerprints: Sequence[Row] = (),
) -> tuple[int, int]:
    """Swap every article's mentions and deals for new ones, in one transaction: readers see
    the old tags or the new, never a mix. `fingerprints` (article_id, fingerprint) fill in
    those missing. Returns (mentions, deals) stored."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM mentions")
        con.execute("DELETE FROM deals")
        stored = (insert_rows(con, "mentions", mentions), insert_rows(con, "deals", deals))
        record_watchlist(con, entities)
        con.execute("UPDATE articles SET watchlist_version = ?", [version])
        if fingerprints:
            with register_rows(con, "_fp", fingerprints):
                con.execute(
                    "UPDATE articles SET fingerprint = f.fingerprint FROM _fp f "
                    "WHERE articles.article_id = f.article_id"
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return stored
