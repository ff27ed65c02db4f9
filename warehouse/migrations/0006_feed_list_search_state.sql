-- The feed list is the feeds marked `listed`: a URL given once with `ingest --feed` keeps a
-- row (its fetch log, validators and articles point at it) but is not fetched again by later
-- runs unless it was saved (`--save`, `feeds add`). Feeds known before this migration were
-- all in the list, and stay there.
ALTER TABLE feeds ADD COLUMN listed BOOLEAN DEFAULT true;
UPDATE feeds SET listed = true;

-- What the full-text index was built over: a fingerprint of the articles (their keys, titles,
-- text sources and content hashes). The index is stale when the articles' fingerprint differs,
-- and missing after a run killed before it was built; both are rebuilt (warehouse/search.py).
CREATE TABLE search_index_state (
    id           INTEGER PRIMARY KEY,      -- always 1: one row
    articles     BIGINT NOT NULL,
    fingerprint  UBIGINT NOT NULL,
    built_at     TIMESTAMPTZ NOT NULL
);
