"""Storing articles, one per story.

A batch of analysed articles is resolved against what is stored before anything is written:
an article whose URL (any spelling seen before, or the page's canonical URL) or whose exact
text is already stored becomes a link to that article, not a second copy. New articles join
the story (`cluster_id`) of a stored or earlier-in-the-batch article that tells the same
story: candidates share an LSH band key of their MinHash signatures (`story_bands`, one
join), and the rule the caller hands in decides (warehouse/stories.py; the ingest passes
extractors/stories.py's containment of shingles); texts too short for a signature fall back
to SimHash within `near_bits` bits. Syndicated copies of one wire story, rewritten as wire
desks do, share a `cluster_id`.

An article seen again keeps its identity; its date only ever moves earlier (the earliest
feed that carried it, when its date came from a feed), and a source with no site name of
its own is named after the feed's site, never a host and port.

Only page text long enough to be an article carries a `content_hash` (extractors/analyse.py
`identity_hash`): entries that fell back to a feed summary or a teaser are told apart by their
URL keys alone.

Everything happens in one transaction, so a replayed batch adds nothing twice and a failed
one leaves nothing behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from warehouse import article_entities, deal_ledger, store_checkpoint
from warehouse.append import Row, insert_new, insert_rows, record_watchlist, register_rows
from warehouse.ducklake import is_lake, rollback
from warehouse.ducklake_lease import retried, take_turn
from warehouse.list_param import json_list
from warehouse.retag_staging import SHAPES, staging_attached
from warehouse.stories import (
    DEFAULT_NEAR_BITS,
    STORY_FIELDS,
    StoryRule,
    assign_stories,
    refresh_stories,
    store_keys,
)

# The keys of the article tables, which keep no key index (migration 0014): writers insert
# only rows whose key is not stored (warehouse/append.py `insert_new`).
ARTICLE_KEY = ("article_id",)
URL_KEY = ("url_key",)
FEED_LINK_KEY = ("article_id", "feed_id")
DEAL_KEY = ("article_id", "deal_no")
# Article row fields that are not `articles` columns.
_BATCH_ONLY = ("entry_key", "entry_url", *STORY_FIELDS)


@dataclass(frozen=True)
class BatchCounts:
    articles: int  # new articles stored
    mentions: int
    deals: int
    duplicates: int = 0  # analysed articles that turned out to be stored already


def unseen_keys(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> set[str]:
    """The URL keys that lead to no stored article (one lookup, not a query per key)."""
    wanted = set(keys)
    return wanted - set(articles_for_keys(con, wanted))


def articles_for_keys(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> dict[str, str]:
    """URL key -> article id, for the keys that lead to a stored article. `article_urls`
    keeps no key index (migration 0014), so the keys' hashes are looked for first in
    `url_hashes` (migration 0018: integers, scanned in milliseconds where the strings took
    a tenth of a second), and the strings compared only when a hash is found, or when a
    row of `article_urls` has no hash (the two tables' counts differ): most keys a batch
    brings are new."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    with register_rows(con, "_keys", [{"url_key": k} for k in wanted]):
        hit = con.execute(
            "SELECT (SELECT count(*) FROM url_hashes) <> (SELECT count(*) FROM article_urls)"
            " OR EXISTS (SELECT 1 FROM url_hashes"
            " WHERE url_hash IN (SELECT md5_number_lower(url_key) FROM _keys))"
        ).fetchone()
        if not (hit and hit[0]):
            return {}
        rows = con.execute(
            "SELECT u.url_key, u.article_id FROM _keys k JOIN article_urls u USING (url_key)"
        ).fetchall()
    return dict(rows)


def _by_content(con: duckdb.DuckDBPyConnection, hashes: list[str]) -> dict[str, str]:
    if not hashes:
        return {}
    # A relation, not a list parameter (warehouse/append.py `register_rows`).
    with register_rows(con, "_hashes", [{"h": h} for h in hashes]):
        rows = con.execute(
            "SELECT content_hash, min(article_id) FROM articles "
            "WHERE content_hash IN (SELECT h FROM _hashes) GROUP BY content_hash"
        ).fetchall()
    return dict(rows)


def _resolve(
    con: duckdb.DuckDBPyConnection, articles: Sequence[Row]
) -> tuple[dict[str, str], list[Row], set[str]]:
    """(every key of the batch -> the article it belongs to, the rows that are new, the keys
    of the batch already stored)."""
    keys = [k for a in articles for k in (a["article_id"], a["entry_key"])]
    known = articles_for_keys(con, keys)
    stored = set(known)
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
    return known, new, stored


@retried  # on a lake: after a commit conflict with another worker's batch
def append_batch(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Row],
    article_feeds: Sequence[Row],
    mentions: Sequence[Row],
    deals: Sequence[Row],
    *,
    stories: StoryRule | None = None,
    near_bits: int = DEFAULT_NEAR_BITS,
    defer_ledger: bool = False,
) -> BatchCounts:
    """Store a batch of analysed articles in one transaction.

    `articles` rows are `articles` columns plus `entry_key` (the key of the feed entry's URL),
    `entry_url` and the story key (warehouse/stories.py `STORY_FIELDS`); `article_feeds` rows
    carry the entry key as `article_id`. Mentions and deals are stored only for articles this
    batch actually added. New articles are placed in their stories by `stories` (the ingest
    passes flows/stories.py `STORY_RULE`); without one, by SimHash alone. The checkpoint of
    `con`'s instance then merges row groups only every few stores (warehouse/store_checkpoint.py).
    `defer_ledger`: leave the deals ledger of the batch's deals pending
    (warehouse/deal_ledger.py `defer`) for the caller to `catch_up` once after several stores,
    as the ingest does; ignored on a DuckLake, where workers share the warehouse.
    """
    store_checkpoint.defer_merges(con)
    con.execute("BEGIN TRANSACTION")
    try:
        take_turn(con)  # on a lake: one writer of the batch tables at a time
        owner, new, stored = _resolve(con, articles)
        stamped = [{**a, "t": a.get("published_at") or a["fetched_at"]} for a in new]
        clusters = assign_stories(con, stamped, stories, near_bits)
        sources = _sources(con, new, article_feeds)
        rows = [
            {k: v for k, v in a.items() if k not in _BATCH_ONLY}
            | {"cluster_id": clusters[a["article_id"]], "site_name": sources[a["article_id"]]}
            for a in new
        ]
        # What `_resolve` found new is stored as is, without an anti-join per table (each a
        # scan of 1M strings): an article's id is one of its URL keys, and every stored
        # article's keys are in `article_urls` (written with it, in this transaction); story
        # keys, deals and mentions are of the articles added here; writers take turns.
        insert_rows(con, "articles", rows, skip_existing=False)
        _insert_hashes(con, [r["article_id"] for r in rows])
        added_ids = {r["article_id"] for r in rows}
        store_keys(con, stamped, fresh=True)
        urls = {
            key: {"url_key": key, "article_id": owner[key], "url": url}
            for a in articles
            for key, url in (
                (a["article_id"], a["canonical_url"]),
                (a["entry_key"], a["entry_url"]),
            )
            if key not in stored
        }
        _insert_urls(con, list(urls.values()))
        links = feed_links(article_feeds, owner, keep_unknown=True)
        # Links of the articles added here are new; those of stored articles may be stored.
        fresh = [r for r in links if r["article_id"] in added_ids]
        insert_rows(con, "article_feeds", fresh, skip_existing=False)
        stale = [r for r in links if r["article_id"] not in added_ids]
        insert_new(con, "article_feeds", stale, FEED_LINK_KEY)
        # Mentions and deals only of the articles this transaction added: a replayed batch
        # adds none, so `mentions` needs no key (migration 0012).
        ours = unique_and_ours(mentions, added_ids)
        first_deals: dict[tuple[str, int], Row] = {}  # the first of a key, as insert_new
        for r in deals:
            if r["article_id"] in added_ids:
                first_deals.setdefault((r["article_id"], r["deal_no"]), r)
        our_deals = list(first_deals.values())
        counts = [
            insert_rows(con, "mentions", ours, skip_existing=False),
            insert_rows(con, "deals", our_deals, skip_existing=False),
        ]
        times = {a["article_id"]: a["t"] for a in stamped if a["article_id"] in added_ids}
        article_entities.add(con, ours, times)
        dated = {r["article_id"] for r in our_deals}
        # The ledger of a store's groups is most of its fixed cost once the warehouse is
        # large (issue 19): a run computes it once, at its end, for all its stores.
        defer_ledger = defer_ledger and not is_lake(con)
        ledger = deal_ledger.defer if defer_ledger else deal_ledger.refresh
        dated_times = {a: t for a, t in times.items() if a in dated}
        ledger(con, deal_ledger.groups_of(our_deals), dated_times)
        # After `add`: a move retimes. The new articles' feed links are all in this batch, so
        # their dates are read from it; only stored articles' links are looked up.
        moves = new_article_moves(rows, fresh, _now(con))
        moves += stored_moves(con, {r["article_id"] for r in stale})
        move_dates(con, moves, defer_ledger=defer_ledger)
        con.execute("COMMIT")
    except BaseException:
        rollback(con)  # also after a failed COMMIT (a DuckLake conflict)
        raise
    return BatchCounts(
        articles=len(added_ids),
        mentions=counts[0],
        deals=counts[1],
        duplicates=len(articles) - len(new),
    )


def _insert_urls(con: duckdb.DuckDBPyConnection, urls: Sequence[Row]) -> None:
    """Insert `article_urls` rows (keys not stored), and their hashes (`articles_for_keys`)."""
    if urls:
        with register_rows(con, "_urls", urls):
            con.execute("INSERT INTO article_urls BY NAME SELECT * FROM _urls")
            con.execute("INSERT INTO url_hashes SELECT md5_number_lower(url_key) FROM _urls")


def _insert_hashes(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Append the articles' hashes to `article_hashes` in the order they were appended to
    `articles` (migration 0021: a hash's position there is its article's position)."""
    if article_ids:
        with register_rows(con, "_ids", [{"article_id": a} for a in article_ids]):
            con.execute("INSERT INTO article_hashes SELECT md5_number_lower(article_id) FROM _ids")


def unique_and_ours(mentions: Iterable[Row], article_ids: set[str]) -> list[Row]:
    """The mentions of `article_ids`, each (article, title or text, offset) once."""
    return article_entities.unique_mentions(m for m in mentions if m["article_id"] in article_ids)


@retried
def link_entries(con: duckdb.DuckDBPyConnection, links: Sequence[Row]) -> int:
    """Record feeds carrying articles stored earlier: `links` are `article_feeds` rows whose
    `article_id` is an entry's URL key; those that lead to a stored article are added."""
    con.execute("BEGIN TRANSACTION")
    try:
        take_turn(con)
        owner = articles_for_keys(con, (r["article_id"] for r in links))
        rows = feed_links(links, owner, keep_unknown=False)
        added = len(insert_new(con, "article_feeds", rows, FEED_LINK_KEY))
        earliest_dates(con, {r["article_id"] for r in rows})
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return added


def feed_links(links: Sequence[Row], owner: Mapping[str, str], *, keep_unknown: bool) -> list[Row]:
    """`article_feeds` rows keyed by an entry's URL key, moved to the article that key leads
    to (`owner`), one per (article, feed). When one feed carries an article under several
    entries (a copy of a page under its own URL), the entry that is the article's own URL
    is kept, else the first in feed order: the same row whether the entries arrive in one
    batch or several, so which entry a feed is linked by never depends on timing."""
    rows: dict[tuple[str, str], Row] = {}
    for r in links:
        article = owner.get(r["article_id"], r["article_id"] if keep_unknown else None)
        if article is None:
            continue
        at = (article, r["feed_id"])
        if at not in rows or r["article_id"] == article:
            rows[at] = {**r, "article_id": article}
    return list(rows.values())


def earliest_dates(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> None:
    """An article seen again in another feed keeps the earliest trustworthy date: a date
    from the page's metadata stays; a date that came from a feed entry (or none) becomes the
    earliest plausible date a feed gave it, so an aggregator's later entry never makes the
    original look newer than its copies."""
    move_dates(con, stored_moves(con, article_ids))


# The plausible dates of a feed entry, as `stored_moves` has them: from the web's first day
# to a day ahead of now.
_FIRST_PLAUSIBLE = datetime(1991, 8, 6, tzinfo=UTC)
_AHEAD = timedelta(days=1)


def stored_moves(
    con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]
) -> list[tuple[str, datetime]]:
    """(article, its earliest date) of the stored articles among `article_ids` whose date
    moves (`earliest_dates`), from their stored feed links."""
    ids = sorted(article_ids)
    if not ids:
        return []
    # The moves found first, then made: a DuckLake has no UPDATE ... RETURNING.
    with register_rows(con, "_ids", [{"article_id": a} for a in ids]):
        moves: list[tuple[str, datetime]] = con.execute(
            """
            SELECT a.article_id, f.first
            FROM articles a JOIN (
                SELECT article_id, min(entry_published_at) AS first,
                       list(entry_published_at) AS dates
                FROM article_feeds
                WHERE article_id IN (SELECT article_id FROM _ids)
                  AND entry_published_at >= TIMESTAMPTZ '1991-08-06'
                  AND entry_published_at <= now() + INTERVAL 1 DAY
                GROUP BY article_id
            ) f ON a.article_id = f.article_id
            WHERE a.published_at IS NULL
               OR (f.first < a.published_at AND list_contains(f.dates, a.published_at))
            """
        ).fetchall()
    return moves


def new_article_moves(
    articles: Sequence[Row], links: Sequence[Row], now: datetime
) -> list[tuple[str, datetime]]:
    """`stored_moves` of articles just stored whose feed links are all in `links`, read from
    the rows in hand (no lookup in 1M articles): the same moves by the same rule, `now`
    being the transaction's time as SQL's now()."""
    dates: dict[str, list[datetime]] = {}
    for r in links:
        d = _aware(r.get("entry_published_at"))
        if d is not None and _FIRST_PLAUSIBLE <= d <= now + _AHEAD:
            dates.setdefault(r["article_id"], []).append(d)
    moves = []
    for a in articles:
        given = dates.get(a["article_id"])
        if not given:
            continue
        first, published = min(given), _aware(a.get("published_at"))
        if published is None or (first < published and published in given):
            moves.append((a["article_id"], first))
    return moves


def _aware(d: datetime | None) -> datetime | None:
    """`d` as the warehouse reads it: a time without a zone is UTC (the session's zone)."""
    return d.replace(tzinfo=UTC) if d is not None and d.tzinfo is None else d


def _now(con: duckdb.DuckDBPyConnection) -> datetime:
    """The transaction's now(): the same clock `stored_moves` compares with."""
    row = con.execute("SELECT now()").fetchone()
    assert row is not None  # a select without FROM gives one row
    return _aware(row[0]) or datetime.now(UTC)


def move_dates(
    con: duckdb.DuckDBPyConnection,
    changed: Sequence[tuple[str, datetime]],
    *,
    defer_ledger: bool = False,
) -> None:
    """Give these articles their earliest date, and their entity counts and deals with it
    (the deals' ledger left pending if `defer_ledger`, as `append_batch` takes it)."""
    if changed:
        with register_rows(con, "_moved", [{"article_id": a, "first": t} for a, t in changed]):
            con.execute(
                "UPDATE articles SET published_at = m.first FROM _moved m"
                " WHERE articles.article_id = m.article_id"
            )
    moved = [r[0] for r in changed]
    article_entities.retime(con, moved)
    ledger = deal_ledger.defer if defer_ledger else deal_ledger.refresh
    ledger(con, deal_ledger.groups_of_articles(con, moved), dict(changed))


def publisher(site_name: str, url: str, feed_name: str) -> str:
    """An article's source as a reader names it: the page's site name, unless that is only
    the host (trafilatura falls back to it, port and all); then the feed's name for its site;
    the host without port or "www." as the last resort."""
    host = url.split("/")[2].lower() if url.count("/") >= 2 else ""
    bare = re.sub(r"^www\.|:\d+$", "", host)
    name = (site_name or "").strip()
    if name and name.lower() not in (host, bare, "www." + bare):
        return name
    return (feed_name or "").strip() or name.split(":")[0] or bare


def _sources(
    con: duckdb.DuckDBPyConnection, new: Sequence[Row], article_feeds: Sequence[Row]
) -> dict[str, str]:
    """article id -> publisher (see `publisher`) of the new articles; `article_feeds` rows
    carry the feed entry's URL key as `article_id`."""
    feed_of: dict[str, str] = {}
    for r in article_feeds:
        feed_of.setdefault(r["article_id"], r["feed_id"])
    names: dict[str, str] = {}
    if feed_of:
        with register_rows(con, "_feed_ids", [{"f": f} for f in sorted(set(feed_of.values()))]):
            names = dict(
                con.execute(
                    "SELECT feed_id, coalesce(nullif(title, ''), nullif(name, ''), '') FROM feeds "
                    "WHERE feed_id IN (SELECT f FROM _feed_ids)"
                ).fetchall()
            )
    out = {}
    for a in new:
        feed = feed_of.get(a["entry_key"]) or feed_of.get(a["article_id"], "")
        out[a["article_id"]] = publisher(a.get("site_name") or "", a["url"], names.get(feed, ""))
    return out


def article_texts(
    con: duckdb.DuckDBPyConnection, batch: int = 1000
) -> Iterator[list[tuple[str, str, str, int | None, datetime | None, bytes | None]]]:
    """Every stored article as (article_id, title, text, fingerprint, published_at, its
    stored story signature or None), in batches, in the order stored. A scan, not a sort
    (sorting a million texts held them all), read through a cursor of its own so `con` is
    free between batches: it looks up each batch's signatures (a join would hold every
    article's)."""
    cursor = con.cursor()  # a connection of its own: on a lake, set to the lake as `con` is
    row = con.execute("SELECT current_database()").fetchone()
    if row:
        cursor.execute(f'USE "{str(row[0]).replace(chr(34), chr(34) * 2)}"')
    cursor.execute(
        "SELECT article_id, coalesce(title, ''), coalesce(text, ''), fingerprint, published_at"
        " FROM articles"
    )
    try:
        while rows := cursor.fetchmany(batch):
            signatures = dict(
                con.execute(
                    "SELECT article_id, signature FROM story_keys"
                    " WHERE article_id IN (SELECT unnest($ids::JSON::VARCHAR[]))",
                    {"ids": json_list(r[0] for r in rows)},
                ).fetchall()
            )
            yield [(*r, signatures.get(r[0])) for r in rows]
    finally:
        cursor.close()


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
    unique, first = tag_rows(mentions, deals)
    given: dict[str, Sequence[Row]] = {
        "mentions": unique, "deals": first, "fingerprints": fingerprints,
    }  # fmt: skip
    names: dict[str, str] = {}
    with ExitStack() as relations:
        for table, given_rows in given.items():
            if given_rows:
                names[table] = f"_new_{table}"
                relations.enter_context(register_rows(con, names[table], given_rows))
            else:  # a relation of the table's own shape, and none of its rows
                names[table] = f"({SHAPES[table]} LIMIT 0)"
        return _swap_tags(
            con, names["mentions"], names["deals"], names["fingerprints"], entities, version
        )


def tag_rows(mentions: Iterable[Row], deals: Iterable[Row]) -> tuple[list[Row], list[Row]]:
    """The mention and deal rows a retag stores: each mention key once, each deal key
    (article, deal number) once, the first of each kept, in the order given. Both keys
    hold the article id, so the rows of a few articles at a time come out the same as
    of all at once."""
    first: dict[tuple[Any, Any], Row] = {}
    for d in deals:
        first.setdefault((d.get("article_id"), d.get("deal_no")), d)
    return article_entities.unique_mentions(mentions), list(first.values())


def replace_staged_tags(
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    entities: Sequence[Row],
    version: str,
) -> tuple[int, int]:
    """`replace_tags` from the tables `mentions`, `deals` and `fingerprints` of the DuckDB
    file `staging` (rows as `tag_rows` gives them, written by a retag as it tagged), read
    from there in the one transaction: a warehouse's tags never go through this process.
    Only the articles of its table `articles` (those the retag read) have their tags
    replaced: on a DuckLake, where no lock keeps other workers out, an article another
    ingest stored meanwhile keeps its own."""
    with staging_attached(con, staging, read_only=True):
        return _swap_tags(
            con, "_retag.mentions", "_retag.deals", "_retag.fingerprints", entities, version,
            articles="_retag.articles",
        )  # fmt: skip


def _swap_tags(
    con: duckdb.DuckDBPyConnection,
    mentions: str,
    deals: str,
    fingerprints: str,
    entities: Sequence[Row],
    version: str,
    *,
    articles: str | None = None,
) -> tuple[int, int]:
    """Every mention and deal (or those of the articles in the relation `articles`) replaced
    by the rows of the relations `mentions` and `deals`, the fingerprints of `fingerprints`
    filled in, the watchlist recorded and every kept count computed again, in one
    transaction; returns the mentions and deals stored then."""
    of = f" WHERE article_id IN (SELECT article_id FROM {articles})" if articles else ""
    con.execute("BEGIN TRANSACTION")
    try:
        take_turn(con)  # on a lake: one writer of the batch tables at a time
        con.execute("DELETE FROM mentions" + of)
        con.execute("DELETE FROM deals" + of)
        for table, source in (("mentions", mentions), ("deals", deals)):
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")
        record_watchlist(con, entities)
        con.execute("UPDATE articles SET watchlist_version = ?" + of, [version])
        con.execute(
            "UPDATE articles SET fingerprint = f.fingerprint"
            f" FROM {fingerprints} f"
            " WHERE articles.article_id = f.article_id"
        )
        article_entities.rebuild(con)
        deal_ledger.rebuild(con)
        stored = tag_counts(con)
        con.execute("COMMIT")
    except BaseException:
        rollback(con)  # also after a failed COMMIT (a DuckLake conflict)
        raise
    return stored


# Columns a page's text brings when it replaces the feed's text of a stored article.
_UPGRADED = (
    "text", "text_source", "extractor", "content_hash", "fingerprint", "site_name", "language",
    "page_canonical_url", "watchlist_version",
)  # fmt: skip


@retried
def upgrade_articles(
    con: duckdb.DuckDBPyConnection,
    articles: Sequence[Row],
    mentions: Sequence[Row],
    deals: Sequence[Row],
    *,
    stories: StoryRule | None = None,
    near_bits: int = DEFAULT_NEAR_BITS,
) -> int:
    """Replace the feed text of stored articles with their page's text, in place, in one
    transaction: the same article_id, its text, extractor and text source updated, page_error
    cleared, its mentions and deals replaced by those of the new text, its story key replaced
    by the new text's and its story chosen again (warehouse/stories.py `refresh_stories`, by
    `stories`). Title, author and date are filled in only where the article had none. Only
    articles still without page text are touched; returns how many were upgraded."""
    if not articles:
        return 0
    columns = [{k: v for k, v in a.items() if k not in STORY_FIELDS} for a in articles]
    con.execute("BEGIN TRANSACTION")
    try:
        take_turn(con)  # on a lake: one writer of the batch tables at a time
        with register_rows(con, "_up", columns):
            given = {k for a in columns for k in a}
            sets = "".join(f"{c} = u.{c}, " for c in _UPGRADED if c in given)
            # The articles to upgrade found first (a DuckLake has no UPDATE ... RETURNING).
            upgraded_at = dict(
                con.execute(
                    """
                    SELECT a.article_id,
                           coalesce(a.published_at, u.published_at, a.fetched_at)
                    FROM articles a JOIN _up u ON a.article_id = u.article_id
                    WHERE a.text_source <> 'page'
                    """
                ).fetchall()
            )
            con.execute(
                f"""
                UPDATE articles SET {sets}
                    title = coalesce(nullif(articles.title, ''), u.title),
                    author = coalesce(nullif(articles.author, ''), u.author),
                    published_at = coalesce(articles.published_at, u.published_at),
                    page_error = NULL, page_outcome = NULL
                FROM _up u
                WHERE articles.article_id = u.article_id AND articles.text_source <> 'page'
                """
            )
        upgraded = list(upgraded_at)
        done = set(upgraded)
        # The groups of the deals replaced, and of those whose article's time was filled in.
        touched = deal_ledger.groups_of_articles(con, upgraded)
        for table in ("mentions", "deals"):
            con.execute(
                f"DELETE FROM {table} WHERE article_id IN (SELECT unnest($ids::JSON::VARCHAR[]))",
                {"ids": json_list(upgraded)},
            )
        ours = unique_and_ours(mentions, done)
        insert_rows(con, "mentions", ours, skip_existing=False)
        our_deals = [r for r in deals if r["article_id"] in done]
        insert_new(con, "deals", our_deals, DEAL_KEY)
        article_entities.forget(con, upgraded)
        article_entities.add(con, ours, upgraded_at)
        deal_ledger.refresh(con, touched + deal_ledger.groups_of(our_deals), upgraded_at)
        refresh_stories(con, [a for a in articles if a["article_id"] in done], stories, near_bits)
        con.execute("COMMIT")
    except BaseException:
        rollback(con)  # also after a failed COMMIT (a DuckLake conflict)
        raise
    return len(upgraded)


def tag_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """How many mentions and deals are stored (what a retag replaces)."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM mentions), (SELECT count(*) FROM deals)"
    ).fetchone()
    assert row is not None  # a scalar subquery select always gives one row
    return int(row[0]), int(row[1])
