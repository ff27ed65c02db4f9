-- Issue 19: v_mentions_weekly and v_co_mentions read `article_entities` (one row per article
-- and entity it names, with the article's time and its number of mentions; migration 0012)
-- instead of joining every raw mention with its article: 10M mentions are a few million
-- article-entity rows. Same columns, same rows (tests/test_views_0015.py compares them with
-- the 0004 definitions). An article-entity row stands for all of its mentions: `mentions`
-- sums them where the old view counted them; an article counts once per entity either way.

-- The ISO week is taken of the article's time as v_articles does (published, else fetched,
-- in the session's time zone): the year and week of the Monday the time falls in.
CREATE OR REPLACE VIEW v_mentions_weekly AS
WITH ae AS (
    SELECT coalesce(r.ancestor_id, ae.entity_id) AS entity_id, ae.entity_id AS own_id,
           ae.article_id, ae.mentions, isoyear(ae.t) AS y, week(ae.t) AS w
    FROM article_entities ae
    LEFT JOIN v_entity_rollup r ON r.entity_id = ae.entity_id
),
counted AS (
    SELECT entity_id, y, w,
           coalesce(sum(mentions) FILTER (WHERE own_id = entity_id), 0)::BIGINT AS mentions,
           count(*) FILTER (WHERE own_id = entity_id) AS articles,
           sum(mentions)::BIGINT AS mentions_rollup,
           count(DISTINCT article_id) AS articles_rollup
    FROM ae
    GROUP BY entity_id, y, w
)
SELECT c.entity_id, e.name, e.kind, c.y || '-W' || lpad(c.w::VARCHAR, 2, '0') AS iso_week,
       c.mentions, c.articles, c.mentions_rollup, c.articles_rollup
FROM counted c
LEFT JOIN v_entities e ON e.entity_id = c.entity_id;

-- Pairs of entities named in the same article, per ISO week (entity_a < entity_b).
CREATE OR REPLACE VIEW v_co_mentions AS
SELECT x.entity_id AS entity_a, y.entity_id AS entity_b,
       isoyear(x.t) || '-W' || lpad(week(x.t)::VARCHAR, 2, '0') AS iso_week,
       count(*) AS articles
FROM article_entities x
JOIN article_entities y ON x.article_id = y.article_id AND x.entity_id < y.entity_id
GROUP BY ALL;
