-- Failures that heal or are at least seen: feed items that could not become articles, and
-- pages retried until their text arrives.

-- One row per item a feed carried that cannot become an article (a missing link, a port out
-- of range, javascript:, spaces...), updated each time the feed is parsed again.
CREATE TABLE entry_failures (
    feed_id        VARCHAR NOT NULL,
    entry_key      VARCHAR NOT NULL,   -- hash of the item's URL, guid and title as given
    url            VARCHAR,            -- as the feed gave it, any password redacted
    title          VARCHAR,
    guid           VARCHAR,
    reason         VARCHAR NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    run_id         VARCHAR NOT NULL,   -- the last run that saw it
    PRIMARY KEY (feed_id, entry_key)
);

CREATE VIEW v_entry_failures AS
SELECT coalesce(nullif(f.name, ''), f.title, e.feed_id) AS feed, e.url, e.title, e.reason,
       e.first_seen_at, e.last_seen_at, e.run_id, e.feed_id, e.guid
FROM entry_failures e LEFT JOIN feeds f USING (feed_id);

-- Articles stored without their page's text (the page failed), and how fetching it again
-- went. An article with a failed page and no row here was tried once, when it was stored.
CREATE TABLE page_retries (
    article_id     VARCHAR PRIMARY KEY,
    attempts       INTEGER NOT NULL,   -- runs that fetched the page, the first included
    outcome        VARCHAR NOT NULL,   -- of the last try: soft | rate_limited | blocked | hard | no_text | page
    error          VARCHAR,
    allowed_hosts  VARCHAR[],          -- allowed_private_hosts when it was last tried
    last_tried_at  TIMESTAMPTZ NOT NULL,
    upgraded_at    TIMESTAMPTZ         -- when the page's text replaced the feed's
);

ALTER TABLE runs ADD COLUMN entries_rejected INTEGER;   -- items that could not become articles
ALTER TABLE runs ADD COLUMN pages_retried INTEGER;      -- failed pages fetched again
ALTER TABLE runs ADD COLUMN articles_upgraded INTEGER;  -- feed text replaced by page text
