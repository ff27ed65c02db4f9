-- Incremental, polite fetching: when each feed is next due, how each fetch went, and why a
-- page was not used.

ALTER TABLE feeds ADD COLUMN next_due_at TIMESTAMPTZ;
ALTER TABLE feeds ADD COLUMN last_success_at TIMESTAMPTZ;

ALTER TABLE feed_fetches ADD COLUMN attempts INTEGER;       -- tries within the run
ALTER TABLE feed_fetches ADD COLUMN retry_after DOUBLE;     -- seconds the server asked for
ALTER TABLE feed_fetches ADD COLUMN note VARCHAR;           -- e.g. "304 Not Modified"

ALTER TABLE articles ADD COLUMN page_outcome VARCHAR;       -- NULL when the page was fetched

ALTER TABLE runs ADD COLUMN feeds_not_modified INTEGER;
ALTER TABLE runs ADD COLUMN feeds_skipped INTEGER;          -- not due yet (backing off)
ALTER TABLE runs ADD COLUMN pages_blocked INTEGER;          -- private address or robots.txt
