"""(6) The warehouse: bulk appends, and the digest's queries over a large synthetic warehouse.

Appends go through the ingest's own path: articles analysed by `extractors.analyse` (from
generated texts), turned into rows by `flows.rows`, stored by `warehouse.articles.append_batch`
in batches of the ingest's size, into a fresh warehouse made by `open_warehouse` (migrations
applied). A raw `warehouse.append.insert_rows` of mention rows is timed too.

"Rows" in the append figures are the rows a batch stored in `articles`, `mentions` and
`deals` (`BatchCounts`: new articles + their mentions + their deals; a store of 256 generated
articles is about 256 + 16,000 + 2,400 rows). The rows of the tables kept alongside (URLs, story
keys, article_entities, the deals ledger) are not counted, and the time is each batch's
whole store: at size, opening the warehouse, `append_batch` and closing it (its checkpoint),
as the ingest opens it once per store.

The large warehouse (1M articles, 10M mentions by default) is generated inside DuckDB with SQL
(`range`), over two years of ISO weeks, with the watchlist's entities mentioned with a skew
(the top few dominate, as in real news) and a few entities per article. Every query is then
timed on a fresh read-only connection (cold: DuckDB's buffer pool empty, the OS cache warm,
as when the digest runs once a week) and once more on the same connection (warm).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import random
import re
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, cast

import duckdb

from benchmarks.measure import MeasurementError
from benchmarks.textgen import TextGenerator
from extractors.analyse import AnalysedArticle, analyse
from extractors.entities import Tagger
from extractors.records import FeedEntry, PageInput, Watchlist
from extractors.urls import url_key
from flows import rows
from flows.held_signals import pandas_known_absent
from flows.settings import Settings
from warehouse import deal_ledger, entity_days, entity_pairs, web_queries
from warehouse.append import insert_rows, record_watchlist
from warehouse.articles import append_batch, articles_for_keys, unseen_keys
from warehouse.database import migrations, open_warehouse
from warehouse.list_param import json_list
from warehouse.named_query import named_queries, run_named
from warehouse.queries import deals_ledger, newest_article_week, totals
from warehouse.store_checkpoint import MERGE_AT

# Articles per append_batch: the ingest's default store size (analysed batches are stored
# together, flows/store_groups.py).
BATCH: int = Settings.model_fields["store_size"].default
SPAN_WEEKS = 104  # ending this week, so queries relative to today find data
# Batches appended to the large warehouse: the last one merges the small row groups the
# others left (warehouse/store_checkpoint.py), so the rows/s are those of stores on average.
AT_SIZE_BATCHES = MERGE_AT + 1
UNIQUE_TEXTS = 200  # analysed once each, then copied under new keys
# What `generate`'s texts hold besides the sentence every one repeats: a word in 5% of them
# and one in 1%, as a lab's name is in a real warehouse, so that a search for a word in
# thousands of articles but not in most is timed too (benchmarks/web.py). Part of the kept
# warehouse's label: a warehouse generated with other texts is generated again.
TEXTS = "frontier 5%, sovereign 1%"


def digest_data() -> Callable[[duckdb.DuckDBPyConnection, str], object]:
    """The digest's queries, wherever they live (issue 7 moves them to their own module)."""
    for module in ("warehouse.digest_queries", "warehouse.queries"):
        found = getattr(importlib.import_module(module), "digest_data", None)
        if found is not None:
            return cast(Callable[[duckdb.DuckDBPyConnection, str], object], found)
    raise ImportError("no digest_data in warehouse.digest_queries or warehouse.queries")


def analysed_articles(watchlist: Watchlist, n: int, seed: int = 9) -> list[AnalysedArticle]:
    """`n` analysed articles: UNIQUE_TEXTS generated texts, copied under new URLs."""
    gen = TextGenerator(watchlist, random.Random(seed))
    tagger = Tagger(watchlist)
    base = []
    now = datetime.now(UTC)
    for k in range(min(n, UNIQUE_TEXTS)):
        g = gen.article()
        entry = FeedEntry(
            f"https://bench{k % 20}.example/news/{k}", g.title, f"g{k}", now, g.author, "", g.text
        )
        base.append(analyse(PageInput(entry), tagger))
    out = []
    rng = random.Random(seed)
    for k in range(n):
        a = base[k % len(base)]
        url = f"https://bench{k % 20}.example/news/{k}"
        out.append(
            replace(
                a,
                article_id=url_key(url),
                entry_key=url_key(url),
                url=url,
                canonical_url=url,
                content_hash=f"{k:032x}",
                fingerprint=rng.getrandbits(63),
            )
        )
    return out


def feed_links(analysed: Sequence[AnalysedArticle], now: datetime) -> list[dict[str, Any]]:
    """The `article_feeds` rows of these articles' feed entries, as the ingest passes them to
    `append_batch` (flows/ingest.py `FeedLinks.rows`), each from one of the synthetic
    warehouse's feeds (`generate`)."""
    return [
        rows.article_feed_row(
            a.entry_key,
            hashlib.md5(f"feed{k % 200}".encode()).hexdigest(),
            FeedEntry(a.url, a.title, a.url, a.published, a.author, "", ""),
            now,
        )
        for k, a in enumerate(analysed)
    ]


def bench_append(path: Path, watchlist: Watchlist, articles: int) -> dict[str, Any]:
    for old in (path, path.with_name(path.name + ".wal")):
        old.unlink(missing_ok=True)  # a fixed --workdir's last run stored these articles
    analysed = analysed_articles(watchlist, articles)
    now = datetime.now(UTC)
    batches = [
        rows.article_rows(analysed[i : i + BATCH], "bench", now, watchlist.version)
        for i in range(0, len(analysed), BATCH)
    ]
    stored = [0, 0, 0]
    # As the ingest's run (flows/ingest.py): pandas recorded absent, so DuckDB does not look
    # for it at each statement with parameters.
    with pandas_known_absent(), open_warehouse(path) as con:
        record_watchlist(con, rows.entity_rows(watchlist))
        started = time.perf_counter()
        for arts, mentions, deals in batches:
            # As the ingest stores (flows/ingest.py): the deals ledger left pending by each
            # store and computed once after them, its time counted in the stores'.
            c = append_batch(con, arts, [], mentions, deals, defer_ledger=True)
            stored = [s + n for s, n in zip(stored, (c.articles, c.mentions, c.deals), strict=True)]
        ledger_started = time.perf_counter()
        deal_ledger.catch_up(con)
        batch_wall = time.perf_counter() - started
        ledger_wall = time.perf_counter() - ledger_started
        if deal_ledger.is_pending(con):  # then the stores measured are not the ingest's
            raise MeasurementError("append_batch left deals pending after the ledger's catch-up")
        # The same mentions again under other article ids, in one call.
        raw = [{**m, "article_id": "raw-" + m["article_id"]} for _, ms, _ in batches for m in ms]
        started = time.perf_counter()
        inserted = insert_rows(con, "mentions", raw, skip_existing=False)
        raw_wall = time.perf_counter() - started
    total = sum(stored)
    return {
        "batch_size": BATCH,
        "articles": stored[0],
        "mentions": stored[1],
        "deals": stored[2],
        "rows": total,
        "wall_s": round(batch_wall, 3),
        "ledger_catch_up_s": round(ledger_wall, 3),
        "rows_per_s": round(total / batch_wall) if batch_wall else 0,
        "articles_per_s": round(stored[0] / batch_wall) if batch_wall else 0,
        "insert_rows": {
            "rows": inserted,
            "wall_s": round(raw_wall, 3),
            "rows_per_s": round(inserted / raw_wall) if raw_wall else 0,
        },
    }


def _zipf_ids(watchlist: Watchlist) -> list[str]:
    """Entity ids repeated by a Zipf-like weight: the top few dominate, as in real news."""
    ids = [e.id for e in watchlist.entities]
    return [i for rank, i in enumerate(ids, 1) for _ in range(max(1, round(48 / rank)))]


def generate(
    con: duckdb.DuckDBPyConnection, watchlist: Watchlist, articles: int, mentions: int
) -> None:
    """Fill a fresh warehouse with synthetic feeds, articles, URLs, mentions and deals."""
    record_watchlist(con, rows.entity_rows(watchlist))
    per_article = max(1, mentions // max(1, articles))
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=today.weekday(), weeks=SPAN_WEEKS - 1)
    params = {
        "n": articles,
        "m": mentions,
        "per": per_article,
        "ids": json_list(_zipf_ids(watchlist)),
        "start": start,
        "span": int((datetime.now(UTC) - start).total_seconds()),  # the last article: now
        "version": watchlist.version,
    }
    con.execute(
        """
        INSERT INTO feeds (feed_id, url, name, added_at, consecutive_failures, last_fetched_at,
                           last_outcome, last_error, last_success_at, next_due_at)
        SELECT md5('feed' || f), 'https://site' || f || '.example/feed.xml', 'Site ' || f,
               $start, CASE WHEN f % 25 = 0 THEN 3 ELSE 0 END, now(),
               CASE WHEN f % 25 = 0 THEN 'soft' ELSE 'ok' END,
               CASE WHEN f % 25 = 0 THEN 'HTTP 503' END, now(), now() + INTERVAL 30 MINUTE
        FROM range(200) t(f)
        """,
        {"start": start},
    )
    con.execute(
        """
        INSERT INTO feed_fetches (run_id, feed_id, url, fetched_at, http_status, outcome, bytes,
                                  duration_ms, entries, new_entries)
        SELECT 'run' || (i // 200), md5('feed' || (i % 200)),
               'https://site' || (i % 200) || '.example/feed.xml',
               now() - to_minutes((i // 200) * 30), 200, 'ok', 50000, 120.0, 30, 1
        FROM range(200 * 48 * 14) t(i)
        """
    )
    con.execute(
        """
        INSERT INTO articles (article_id, url, canonical_url, title, published_at, site_name,
            language, text, text_source, extractor, content_hash, fetched_at, run_id,
            watchlist_version, fingerprint, cluster_id)
        SELECT md5(i::VARCHAR), 'https://site' || (i % 200) || '.example/news/' || i,
               'https://site' || (i % 200) || '.example/news/' || i,
               'Synthetic story ' || i || ' on the AI industry',
               $start + to_seconds((i * $span // $n)::BIGINT), 'Site ' || (i % 200), 'en',
               repeat('Synthetic article text about AI labs and their cloud providers. ', 8)
               || CASE WHEN i % 20 = 0 THEN 'Frontier training runs. ' ELSE '' END
               || CASE WHEN i % 100 = 7 THEN 'A sovereign fund invested. ' ELSE '' END,
               'page', 'synthetic', md5('text' || i),
               $start + to_seconds((i * $span // $n)::BIGINT) + INTERVAL 1 HOUR, 'bench',
               $version, (hash(i) >> 1)::BIGINT, md5((i - i % 3)::VARCHAR)
        FROM range($n) t(i)
        """,
        {k: params[k] for k in ("n", "start", "span", "version")},
    )
    con.execute("INSERT INTO article_urls SELECT article_id, article_id, url FROM articles")
    con.execute("INSERT INTO url_hashes SELECT md5_number_lower(url_key) FROM article_urls")
    con.execute("INSERT INTO article_hashes SELECT md5_number_lower(article_id) FROM articles")
    con.execute(
        """
        INSERT INTO article_feeds (article_id, feed_id, entry_guid, first_seen_at)
        SELECT article_id, md5('feed' || (hash(article_id) % 200)), article_id, fetched_at
        FROM articles
        """
    )
    # Mention k of article a names one of at most four entities of that article.
    con.execute(
        """
        INSERT INTO mentions
        SELECT md5((i // $per)::VARCHAR),
               ($ids::JSON::VARCHAR[])[
                   1 + (hash(i // $per, (i % $per) % 4) % len($ids::JSON::VARCHAR[]))::INTEGER],
               'Name', (i % $per) * 97, (i % $per) * 97 + 4,
               'A sentence naming an entity of the watchlist.', false,
               $version
        FROM range($m) t(i)
        """,
        {k: params[k] for k in ("m", "per", "ids", "version")},
    )
    # Each article's entities with its time, as append_batch keeps them (migration 0012).
    con.execute(
        """
        INSERT INTO article_entities
        SELECT m.article_id, m.entity_id, coalesce(a.published_at, a.fetched_at) AS t, count(*)
        FROM mentions m JOIN articles a USING (article_id)
        GROUP BY ALL ORDER BY t, m.article_id, m.entity_id
        """
    )
    entity_days.rebuild(con)  # and their counts per day, as append_batch keeps them (0017)
    entity_pairs.rebuild(con)  # and the articles entities share per week (0020)
    con.execute(
        """
        INSERT INTO deals (article_id, kind, investor_id, target_id, amount_usd,
                           amount_max_usd, qualifier, year, evidence)
        SELECT md5((a * 10)::VARCHAR), (['investment', 'acquisition', 'partnership',
               'compute'])[1 + (a % 4)::INTEGER],
               ($ids::JSON::VARCHAR[])[1 + (hash(a, 1) % len($ids::JSON::VARCHAR[]))::INTEGER],
               ($ids::JSON::VARCHAR[])[1 + (hash(a, 2) % len($ids::JSON::VARCHAR[]))::INTEGER],
               CASE WHEN a % 3 = 0 THEN NULL ELSE (1 + a % 50) * 1e8 END, NULL,
               CASE WHEN a % 5 = 0 THEN 'up to' ELSE '' END, 2020 + (a % 6)::INTEGER,
               'Evidence sentence for the deal.'
        FROM range($n // 10) t(a)
        """,
        {"n": articles, "ids": params["ids"]},
    )
    deal_ledger.rebuild(con)  # the ledger kept as append_batch keeps it (migration 0013)


def _timed(fn: Callable[[], object]) -> tuple[float, int]:
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    size = len(result) if isinstance(result, Sequence) else 1
    return elapsed, size


# The views' definitions before migration 0015 (0004's, over the raw mentions joined with
# v_articles): timed in the same run as the views that replaced them, and the oracle of
# tests/test_views_from_article_entities.py.
VIEWS_BEFORE_0015 = {
    "v_mentions_weekly": """
        SELECT coalesce(r.ancestor_id, m.entity_id) AS entity_id,
               any_value(e.name) AS name, any_value(e.kind) AS kind, a.iso_week,
               count(*) FILTER (WHERE m.entity_id = coalesce(r.ancestor_id, m.entity_id))
                   AS mentions,
               count(DISTINCT m.article_id)
                   FILTER (WHERE m.entity_id = coalesce(r.ancestor_id, m.entity_id)) AS articles,
               count(*) AS mentions_rollup,
               count(DISTINCT m.article_id) AS articles_rollup
        FROM mentions m
        LEFT JOIN v_entity_rollup r ON r.entity_id = m.entity_id
        JOIN v_articles a ON a.article_id = m.article_id
        LEFT JOIN v_entities e ON e.entity_id = coalesce(r.ancestor_id, m.entity_id)
        GROUP BY coalesce(r.ancestor_id, m.entity_id), a.iso_week
    """,
    "v_co_mentions": """
        WITH am AS (SELECT DISTINCT article_id, entity_id FROM mentions)
        SELECT x.entity_id AS entity_a, y.entity_id AS entity_b, a.iso_week,
               count(*) AS articles
        FROM am x
        JOIN am y ON x.article_id = y.article_id AND x.entity_id < y.entity_id
        JOIN v_articles a ON a.article_id = x.article_id
        GROUP BY ALL
    """,
}
# The named queries that read those views, as they were before 0015.
NAMED_BEFORE_0015 = {
    "entity_trend": """
        SELECT iso_week, mentions, mentions_rollup, articles_rollup
        FROM ({v_mentions_weekly}) WHERE entity_id = $entity ORDER BY iso_week
    """,
    "co_mentions": """
        SELECT entity_a, entity_b, articles FROM ({v_co_mentions})
        WHERE iso_week = $week ORDER BY articles DESC, entity_a, entity_b
    """,
}


def before_0015(sql: str) -> str:
    """`sql` with the views of VIEWS_BEFORE_0015 in place of those of 0015."""
    return sql.format(**VIEWS_BEFORE_0015)


def _view_of_migration(version: int, view: str) -> str:
    """The query of `view` as migration `version` defined it."""
    sql = next(text for number, _, text in migrations() if number == version)
    found = re.search(rf"CREATE OR REPLACE VIEW {view} AS\n(.*?);", sql, re.S)
    assert found is not None, (version, view)
    return found.group(1)


# The views as they were before migration 0016 (v_co_mentions: 0015's; v_mentions_weekly:
# still 0004's), timed in the same run as 0016's.
VIEWS_BEFORE_0016 = {
    "v_mentions_weekly": VIEWS_BEFORE_0015["v_mentions_weekly"],
    "v_co_mentions": _view_of_migration(15, "v_co_mentions"),
}


# v_co_mentions as migration 0016 defined it (0018 replaced it), timed in the same run.
VIEWS_BEFORE_0018 = {"v_co_mentions": _view_of_migration(16, "v_co_mentions")}

# v_mentions_weekly as migration 0016 defined it (0019 replaced it), timed in the same run,
# and the oracle of tests/test_weekly_from_entity_days.py.
VIEWS_BEFORE_0019 = {"v_mentions_weekly": _view_of_migration(16, "v_mentions_weekly")}


def queries(week: str) -> dict[str, Callable[[duckdb.DuckDBPyConnection], object]]:
    """The digest's queries and the views, by name: each returns its fetched rows."""

    digest = digest_data()

    def sql(text: str, **params: object) -> Callable[[duckdb.DuckDBPyConnection], object]:
        return lambda con: con.execute(text, params or None).fetchall()

    def zoned(zone: str, text: str) -> Callable[[duckdb.DuckDBPyConnection], object]:
        """`text` in a session time zone other than UTC (the connection is the query's own)."""
        return lambda con: con.execute(f"SET TimeZone = '{zone}'").execute(text).fetchall()

    weekly_0016 = VIEWS_BEFORE_0019["v_mentions_weekly"]

    found: dict[str, Callable[[duckdb.DuckDBPyConnection], object]] = {
        "digest_data (whole digest)": lambda con: digest(con, week),
        "totals": totals,
        "v_mentions_weekly, one week": sql(
            "SELECT * FROM v_mentions_weekly WHERE iso_week = $w ORDER BY mentions_rollup DESC",
            w=week,
        ),
        "v_mentions_weekly, all weeks": sql(
            "SELECT entity_id, iso_week, mentions_rollup FROM v_mentions_weekly"
        ),
        "v_co_mentions, one week": sql(
            "SELECT * FROM v_co_mentions WHERE iso_week = $w ORDER BY articles DESC", w=week
        ),
        "v_co_mentions, one week (before 0015)": sql(
            before_0015(
                "SELECT * FROM ({v_co_mentions}) WHERE iso_week = $w ORDER BY articles DESC"
            ),
            w=week,
        ),
        "v_mentions_weekly, one week (before 0016)": sql(
            f"SELECT * FROM ({VIEWS_BEFORE_0016['v_mentions_weekly']}) WHERE iso_week = $w"
            " ORDER BY mentions_rollup DESC",
            w=week,
        ),
        "v_mentions_weekly, all weeks, every column": sql("SELECT * FROM v_mentions_weekly"),
        "v_mentions_weekly, all weeks, every column (before 0016)": sql(
            f"SELECT * FROM ({VIEWS_BEFORE_0016['v_mentions_weekly']})"
        ),
        "v_mentions_weekly, all weeks (before 0016)": sql(
            "SELECT entity_id, iso_week, mentions_rollup"
            f" FROM ({VIEWS_BEFORE_0016['v_mentions_weekly']})"
        ),
        "v_co_mentions, one week (before 0016)": sql(
            f"SELECT * FROM ({VIEWS_BEFORE_0016['v_co_mentions']}) WHERE iso_week = $w"
            " ORDER BY articles DESC",
            w=week,
        ),
        "v_co_mentions, one week (before 0018)": sql(
            f"SELECT * FROM ({VIEWS_BEFORE_0018['v_co_mentions']}) WHERE iso_week = $w"
            " ORDER BY articles DESC",
            w=week,
        ),
        "v_mentions_weekly, one week (before 0019)": sql(
            f"SELECT * FROM ({weekly_0016}) WHERE iso_week = $w ORDER BY mentions_rollup DESC",
            w=week,
        ),
        "v_mentions_weekly, all weeks (before 0019)": sql(
            f"SELECT entity_id, iso_week, mentions_rollup FROM ({weekly_0016})"
        ),
        "v_mentions_weekly, all weeks, every column (before 0019)": sql(
            f"SELECT * FROM ({weekly_0016})"
        ),
        # Off UTC, the days a local Monday midnight cuts in two are counted from their rows.
        "v_mentions_weekly, all weeks, every column, Asia/Kolkata": zoned(
            "Asia/Kolkata", "SELECT * FROM v_mentions_weekly"
        ),
        "v_mentions_weekly, all weeks, every column, Asia/Kolkata (before 0019)": zoned(
            "Asia/Kolkata", f"SELECT * FROM ({weekly_0016})"
        ),
        "v_deals (deals ledger)": deals_ledger,
        "v_feed_health": sql("SELECT * FROM v_feed_health"),
    }
    for name, q in named_queries().items():
        params = {"week": week} if "week" in q.params else {}
        found[f"named query {name}"] = partial(_named, name=name, params=params)
        if name in NAMED_BEFORE_0015:
            values = {**q.params, **params}
            found[f"named query {name} (before 0015)"] = sql(
                before_0015(NAMED_BEFORE_0015[name]), **values
            )
    return found


def _named(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, str]) -> object:
    return run_named(con, name, params)


def bench_queries(path: Path, week: str) -> dict[str, dict[str, Any]]:
    timings: dict[str, dict[str, Any]] = {}
    for name, run in queries(week).items():
        with open_warehouse(path, read_only=True) as con:
            cold, size = _timed(partial(run, con))
            warm, _ = _timed(partial(run, con))
        timings[name] = {"cold_s": round(cold, 3), "warm_s": round(warm, 3), "rows": size}
    return timings


def lookups(
    con: duckdb.DuckDBPyConnection,
) -> dict[str, Callable[[duckdb.DuckDBPyConnection], object]]:
    """Lookups by key that a key index served before migration 0014, by name: the ingest's
    checks of a batch's URL keys (half stored, half new) and the web's article page."""
    stored = [r[0] for r in con.execute("SELECT url_key FROM article_urls LIMIT 64").fetchall()]
    keys = stored + [f"{k:032x}" for k in range(BATCH)]
    found = con.execute("SELECT * FROM articles WHERE article_id = ?", [stored[0]]).fetchone()
    assert found is not None
    aid = stored[0]

    def page(con: duckdb.DuckDBPyConnection) -> object:
        a = web_queries.article(con, aid)
        assert a is not None
        return [
            a, web_queries.article_mentions(con, aid), web_queries.article_deals(con, aid),
            web_queries.fetch_history(con, aid), web_queries.same_story(con, a),
        ]  # fmt: skip

    return {
        "unseen_keys, 128 URL keys": lambda con: sorted(unseen_keys(con, keys)),
        "articles_for_keys, 128 URL keys": lambda con: sorted(articles_for_keys(con, keys)),
        "article by id": lambda con: web_queries.article(con, aid),
        "web article page (article, mentions, deals, feeds, story)": page,
    }


def bench_lookups(path: Path) -> dict[str, dict[str, Any]]:
    with open_warehouse(path, read_only=True) as con:
        found = lookups(con)
    timings: dict[str, dict[str, Any]] = {}
    for name, run in found.items():
        with open_warehouse(path, read_only=True) as con:
            cold, size = _timed(partial(run, con))
            warm = min(_timed(partial(run, con))[0] for _ in range(3))
        timings[name] = {"cold_s": round(cold, 3), "warm_s": round(warm, 3), "rows": size}
    return timings


def kept_copy(path: Path) -> Path:
    """Where `large_warehouse` keeps the warehouse it generated for `path`."""
    return path.with_name(path.stem + "-generated.duckdb")


def large_warehouse(path: Path, watchlist: Watchlist, articles: int, mentions: int) -> float:
    """A fresh large warehouse at `path`: generated (returns the seconds it took), or copied
    from the one generated earlier the same day with the same sizes, kept beside it (a fixed
    `--workdir` runs again without the minutes of generation; returns 0.0). Copied, it is
    migrated to the current schema before anything is timed."""
    kept = kept_copy(path)
    label = path.with_name(path.stem + "-generated.json")
    wanted = {
        "articles": articles, "mentions": mentions, "watchlist": watchlist.version,
        "day": datetime.now(UTC).date().isoformat(),  # the data ends today
        "texts": TEXTS,
    }  # fmt: skip
    for old in (path, path.with_name(path.name + ".wal")):
        old.unlink(missing_ok=True)  # a run's appended batches are not the next one's start
    if kept.exists() and label.exists() and json.loads(label.read_text()) == wanted:
        shutil.copyfile(kept, path)
        with open_warehouse(path):
            pass
        return 0.0
    started = time.perf_counter()
    with open_warehouse(path) as con:
        generate(con, watchlist, articles, mentions)
    generation = time.perf_counter() - started
    shutil.copyfile(path, kept)
    label.write_text(json.dumps(wanted))
    return generation


def bench_large(path: Path, watchlist: Watchlist, articles: int, mentions: int) -> dict[str, Any]:
    generation = large_warehouse(path, watchlist, articles, mentions)
    with open_warehouse(path) as con:
        figures = totals(con)
        week = newest_article_week(con)
    assert week is not None
    # The newest week is partly filled; the digest reports a whole week.
    week = (datetime.strptime(week + "-1", "%G-W%V-%u") - timedelta(weeks=1)).strftime("%G-W%V")
    timings = bench_queries(path, week)
    by_key = bench_lookups(path)
    # The deals ledger as every read of v_deals computed it before migration 0013 (0009's
    # rules over every report), against reading the kept one: the same rows, fetched alike.
    ledger_sql = "SELECT * FROM v_deals ORDER BY deal_id"
    with open_warehouse(path) as con:
        started = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        deal_ledger.rebuild(con)
        computed = con.execute(ledger_sql).fetchall()
        con.execute("ROLLBACK")
        from_scratch = time.perf_counter() - started
        started = time.perf_counter()
        kept = con.execute(ledger_sql).fetchall()
        read_kept = time.perf_counter() - started
    if computed != kept:
        raise MeasurementError("the kept deals ledger differs from the one computed from scratch")
    # Ingest batches appended to the large warehouse, each on a fresh connection as the
    # ingest opens one per batch (open, append, close with its checkpoint), with the feed
    # links of its entries as the ingest passes them, the deals ledger left pending as the
    # ingest's stores leave it; then, timed with them, the opening that computes it as the
    # run's closing step does (once for the run's stores): the cost of storing as the
    # warehouse grows.
    analysed = analysed_articles(watchlist, BATCH * AT_SIZE_BATCHES, seed=11)
    now = datetime.now(UTC)
    walls: list[float] = []
    cpus: list[float] = []  # this process's CPU (DuckDB's threads included): the load's share
    stored: list[int] = []
    for i in range(0, len(analysed), BATCH):
        part = analysed[i : i + BATCH]
        batch = rows.article_rows(part, "bench", now, watchlist.version)
        links = feed_links(part, now)
        started, cpu = time.perf_counter(), time.process_time()
        with pandas_known_absent(), open_warehouse(path) as con:
            c = append_batch(con, batch[0], links, batch[1], batch[2], defer_ledger=True)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        stored.append(c.articles + c.mentions + c.deals)
    append_wall = statistics.median(walls)
    started, cpu = time.perf_counter(), time.process_time()
    with open_warehouse(path) as con:
        if not deal_ledger.catch_up(con):
            raise MeasurementError("the stores left no deals pending: the bench stores no deal")
    catch_up_wall, catch_up_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "deals_ledger": {
            "ledger_rows": len(kept),
            "computed_s": round(from_scratch, 3),
            "kept_s": round(read_kept, 3),
        },
        "append_batches_at_size_s": [round(w, 3) for w in walls],
        "append_ledger_catch_up_s": round(catch_up_wall, 3),
        "append_rows_per_s_at_size": round(sum(stored) / (sum(walls) + catch_up_wall)),
        "append_batches_at_size_cpu_s": [round(c, 3) for c in cpus],
        "append_rows_per_cpu_s_at_size": round(sum(stored) / cpu_s)
        if (cpu_s := sum(cpus) + catch_up_cpu)
        else 0,
        **figures,
        "week": week,
        "generate_s": round(generation, 1),
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "queries": timings,
        "lookups": by_key,
        "append_batch_at_size_s": round(append_wall, 3),
    }


def bench_warehouse(
    workdir: Path, watchlist: Watchlist, append_articles: int, articles: int, mentions: int
) -> dict[str, Any]:
    from benchmarks.search_index import bench_index  # it takes this module's articles

    large = workdir / "large.duckdb"
    return {
        "append": bench_append(workdir / "append.duckdb", watchlist, append_articles),
        "large": bench_large(large, watchlist, articles, mentions),
        # The run's closing step at that size: the search index after a run's stores.
        "index": bench_index(kept_copy(large), workdir / "index.duckdb", watchlist),
    }
