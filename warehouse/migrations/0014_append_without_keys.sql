-- Issue 19: appends whose cost does not grow with the warehouse.
--
-- `articles`, `article_urls`, `article_feeds`, `story_keys` and `deals` without their primary
-- keys. Every batch the ingest stores opens the warehouse, and inserting into a table with a
-- key loads the key's ART index and the checkpoint at close writes it again: at 1M articles,
-- most of a batch's store time (1.8-3.4 s of insert and 2.7-5.5 s of close, against 0.5-0.9 s
-- and 0.3-0.4 s without them). The keys never reject anything the writers let through:
-- warehouse/articles.py resolves every URL key of a batch against `article_urls` before
-- writing, and now inserts only rows whose key is not stored yet (an anti-join, as 0012 did
-- for `mentions`; warehouse/append.py `insert_new`), one writer at a time (the warehouse file
-- admits one writer process, and the ingest writes batches in turn). Story keys and deals
-- are written only for articles the same transaction added, or after deleting the old ones. tests/test_append_keys.py checks replays, a URL in two feeds, re-fetches
-- and upgrades store each key once, and that a warehouse migrated here keeps every row.
--
-- DuckDB cannot drop a key in place: each table is built again with the same columns in the
-- same order, their NOT NULL constraints and defaults (deals' sequence and values), and
-- its rows copied. Views read the tables by name and are bound when read, so every view
-- (v_articles, v_feed_health, v_stories, v_mentions_weekly, v_co_mentions, v_deal_reports,
-- v_pending_deal_reports, v_pending_deals) sees the new tables unchanged.

CREATE TABLE articles_0014 (
    article_id          VARCHAR NOT NULL,     -- hash of the canonical URL, one row per id
    url                 VARCHAR NOT NULL,
    canonical_url       VARCHAR NOT NULL,
    page_canonical_url  VARCHAR,
    title               VARCHAR,
    author              VARCHAR,
    published_at        TIMESTAMPTZ,
    site_name           VARCHAR,
    language            VARCHAR,
    text                VARCHAR,
    text_source         VARCHAR NOT NULL,
    extractor           VARCHAR,
    content_hash        VARCHAR,
    page_error          VARCHAR,
    fetched_at          TIMESTAMPTZ NOT NULL,
    run_id              VARCHAR NOT NULL,
    watchlist_version   VARCHAR,
    page_outcome        VARCHAR,
    fingerprint         BIGINT,
    cluster_id          VARCHAR,
    published_source    VARCHAR,
    analysis_note       VARCHAR,
    page_kind           VARCHAR
);
INSERT INTO articles_0014 SELECT * FROM articles;
DROP TABLE articles;
ALTER TABLE articles_0014 RENAME TO articles;

CREATE TABLE article_urls_0014 (
    url_key     VARCHAR NOT NULL,   -- one row per key
    article_id  VARCHAR NOT NULL,
    url         VARCHAR NOT NULL
);
INSERT INTO article_urls_0014 SELECT * FROM article_urls;
DROP TABLE article_urls;
ALTER TABLE article_urls_0014 RENAME TO article_urls;

CREATE TABLE article_feeds_0014 (
    article_id          VARCHAR NOT NULL,   -- one row per (article_id, feed_id)
    feed_id             VARCHAR NOT NULL,
    entry_guid          VARCHAR,
    entry_title         VARCHAR,
    entry_published_at  TIMESTAMPTZ,
    first_seen_at       TIMESTAMPTZ NOT NULL
);
INSERT INTO article_feeds_0014 SELECT * FROM article_feeds;
DROP TABLE article_feeds;
ALTER TABLE article_feeds_0014 RENAME TO article_feeds;

CREATE TABLE story_keys_0014 (
    article_id  VARCHAR NOT NULL,       -- one row per article
    t           TIMESTAMPTZ NOT NULL,
    shingles    INTEGER NOT NULL,
    signature   BLOB NOT NULL
);
INSERT INTO story_keys_0014 SELECT * FROM story_keys;
DROP TABLE story_keys;
ALTER TABLE story_keys_0014 RENAME TO story_keys;

CREATE TABLE deals_0014 (
    article_id      VARCHAR NOT NULL,   -- one row per (article_id, deal_no)
    kind            VARCHAR NOT NULL,
    investor_id     VARCHAR NOT NULL,
    target_id       VARCHAR NOT NULL,
    amount_usd      DOUBLE,
    amount_max_usd  DOUBLE,
    qualifier       VARCHAR,
    year            INTEGER,
    evidence        VARCHAR,
    deal_no         INTEGER NOT NULL DEFAULT nextval('deal_nos'),
    status          VARCHAR NOT NULL DEFAULT 'reported',
    roles           STRUCT(entity_id VARCHAR, role VARCHAR)[] NOT NULL DEFAULT [],
    currency        VARCHAR NOT NULL DEFAULT 'USD',
    amount          DOUBLE,
    amount_max      DOUBLE,
    tranche         BOOLEAN NOT NULL DEFAULT false
);
-- (Its columns named: a column a later migration adds is not one of these; 0023 adds it
-- back when this migration is run again by hand.)
INSERT INTO deals_0014
SELECT article_id, kind, investor_id, target_id, amount_usd, amount_max_usd, qualifier, year,
       evidence, deal_no, status, roles, currency, amount, amount_max, tranche
FROM deals;
DROP TABLE deals;
ALTER TABLE deals_0014 RENAME TO deals;
