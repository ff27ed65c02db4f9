-- Issue 19: appends that do not slow down as the warehouse grows, and digest queries that do
-- not join every mention with every article.
--
-- 1. `mentions` without its primary key. Opening the warehouse and inserting a batch loaded
--    the key's ART index (10M mentions: most of a batch's store time, paid again by every
--    batch since each opens the warehouse). Mentions are written only for articles the same
--    transaction has just added (warehouse/articles.py), or after deleting an article's old
--    ones, so the key never caught anything; rows are deduplicated on (article_id, in_title,
--    start_offset) before they are written instead.
-- 2. `article_entities`: one row per article and entity it names, with the article's time
--    and its number of mentions, kept in step with `mentions` and the article's time by
--    every writer in warehouse/articles.py. The digest reads weeks of it by time instead of
--    joining 10M mentions with articles (tests/test_article_entities.py checks it equals
--    the aggregate of the raw mentions).

CREATE TABLE mentions_0012 (
    article_id         VARCHAR NOT NULL,
    entity_id          VARCHAR NOT NULL,
    surface            VARCHAR NOT NULL,   -- the text as it appears
    start_offset       INTEGER NOT NULL,   -- in the title when in_title, else in the text
    end_offset         INTEGER NOT NULL,
    sentence           VARCHAR,
    in_title           BOOLEAN NOT NULL,
    watchlist_version  VARCHAR NOT NULL
);
INSERT INTO mentions_0012 SELECT * FROM mentions;
DROP TABLE mentions;
ALTER TABLE mentions_0012 RENAME TO mentions;

CREATE TABLE article_entities (
    article_id  VARCHAR NOT NULL,
    entity_id   VARCHAR NOT NULL,
    t           TIMESTAMPTZ NOT NULL,   -- the article's time: published, else fetched
    mentions    INTEGER NOT NULL        -- of the entity in the article (title and text)
);

-- In time order, so that a week's rows sit together and a scan by time skips the rest.
INSERT INTO article_entities
SELECT m.article_id, m.entity_id, coalesce(a.published_at, a.fetched_at) AS t, count(*)
FROM mentions m JOIN articles a USING (article_id)
GROUP BY ALL
ORDER BY t, m.article_id, m.entity_id;
