-- The first schema: feeds and their fetch log, articles with their mentions and deals,
-- runs and digests. Timestamps are TIMESTAMPTZ and written in UTC.

CREATE TABLE feeds (
    feed_id              VARCHAR PRIMARY KEY,     -- hash of the canonical feed URL
    url                  VARCHAR NOT NULL,
    name                 VARCHAR,
    title                VARCHAR,                 -- as the feed names itself
    added_at             TIMESTAMPTZ NOT NULL,
    etag                 VARCHAR,
    last_modified        VARCHAR,
    body_hash            VARCHAR,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_fetched_at      TIMESTAMPTZ,
    last_outcome         VARCHAR,
    last_error           VARCHAR
);

-- Append-only: one row per fetch of a feed.
CREATE SEQUENCE feed_fetch_ids;
CREATE TABLE feed_fetches (
    fetch_id     BIGINT PRIMARY KEY DEFAULT nextval('feed_fetch_ids'),
    run_id       VARCHAR NOT NULL,
    feed_id      VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    final_url    VARCHAR,
    fetched_at   TIMESTAMPTZ NOT NULL,
    http_status  INTEGER,
    outcome      VARCHAR NOT NULL,   -- ok | not_modified | hard | soft | rate_limited
    bytes        BIGINT,
    duration_ms  DOUBLE,
    entries      INTEGER,
    new_entries  INTEGER,
    feed_title   VARCHAR,
    error        VARCHAR
);

CREATE TABLE articles (
    article_id          VARCHAR PRIMARY KEY,  -- hash of the canonical URL
    url                 VARCHAR NOT NULL,     -- as the feed gave it
    canonical_url       VARCHAR NOT NULL,
    page_canonical_url  VARCHAR,              -- the page's own rel=canonical, if any
    title               VARCHAR,
    author              VARCHAR,
    published_at        TIMESTAMPTZ,
    site_name           VARCHAR,
    language            VARCHAR,
    text                VARCHAR,
    text_source         VARCHAR NOT NULL,     -- page | feed_content | feed_summary | none
    extractor           VARCHAR,
    content_hash        VARCHAR,
    page_error          VARCHAR,              -- why the page gave no text, when it did not
    fetched_at          TIMESTAMPTZ NOT NULL,
    run_id              VARCHAR NOT NULL,
    watchlist_version   VARCHAR
);

-- The same story seen in several feeds.
CREATE TABLE article_feeds (
    article_id          VARCHAR NOT NULL,
    feed_id             VARCHAR NOT NULL,
    entry_guid          VARCHAR,
    entry_title         VARCHAR,
    entry_published_at  TIMESTAMPTZ,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, feed_id)
);

-- The watchlist as loaded, per version.
CREATE TABLE entities (
    entity_id          VARCHAR NOT NULL,
    watchlist_version  VARCHAR NOT NULL,
    name               VARCHAR NOT NULL,
    kind               VARCHAR NOT NULL,
    parent_id          VARCHAR,
    aliases            VARCHAR[],
    PRIMARY KEY (entity_id, watchlist_version)
);

CREATE TABLE mentions (
    article_id         VARCHAR NOT NULL,
    entity_id          VARCHAR NOT NULL,
    surface            VARCHAR NOT NULL,   -- the text as it appears
    start_offset       INTEGER NOT NULL,   -- in the title when in_title, else in the text
    end_offset         INTEGER NOT NULL,
    sentence           VARCHAR,
    in_title           BOOLEAN NOT NULL,
    watchlist_version  VARCHAR NOT NULL,
    PRIMARY KEY (article_id, in_title, start_offset)
);

CREATE TABLE deals (
    article_id      VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,   -- investment | acquisition
    investor_id     VARCHAR NOT NULL,   -- investor or acquirer
    target_id       VARCHAR NOT NULL,
    amount_usd      DOUBLE,             -- the amount, or the low end of a range
    amount_max_usd  DOUBLE,
    qualifier       VARCHAR,
    year            INTEGER,
    evidence        VARCHAR,
    PRIMARY KEY (article_id, kind, investor_id, target_id)
);

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,
    flow            VARCHAR NOT NULL,
    prefect_run_id  VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    ended_at        TIMESTAMPTZ,
    status          VARCHAR NOT NULL,   -- running | completed | failed
    feeds_total     INTEGER,
    feeds_fetched   INTEGER,
    feeds_failed    INTEGER,
    entries         INTEGER,
    entries_new     INTEGER,
    pages_fetched   INTEGER,
    pages_failed    INTEGER,
    articles_new    INTEGER,
    mentions        INTEGER,
    deals           INTEGER,
    error           VARCHAR
);

CREATE TABLE digests (
    week        VARCHAR PRIMARY KEY,    -- ISO week, 2026-W47
    created_at  TIMESTAMPTZ NOT NULL,
    path_md     VARCHAR NOT NULL,
    path_html   VARCHAR NOT NULL,
    articles    INTEGER NOT NULL,
    mentions    INTEGER NOT NULL,
    deals       INTEGER NOT NULL
);
