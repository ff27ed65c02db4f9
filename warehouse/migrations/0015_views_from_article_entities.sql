-- Issue 19: v_mentions_weekly and v_co_mentions read `article_entities` (one row per article
-- and entity it names, with the article's time and its number of mentions; migration 0012)
-- instead of joining every raw mention with its article: 10M mentions are a few million
-- article-entity rows. Same columns, same rows (tests/test_views_from_article_entities.py
-- compares them with the 0004 definitions). An article-entity row stands for all of its
-- mentions: `mentions` sums them where the old view counted them.
--
-- The ISO week is of the article's time (published, else fetched) in the session's time
-- zone, as v_articles gives it. Taking it with isoyear()/week() on every row was most of the
-- time (time zone arithmetic per row), so each row gets its quarter hour by integer
-- arithmetic and the week is taken once per quarter hour: every time zone in use has its
-- midnights on quarter hours, so a quarter hour lies in one week.

-- The week is joined to the rows before they are grouped by it, so a filter on iso_week
-- reaches the (small) table of quarter hours and only those weeks' rows are grouped.

CREATE OR REPLACE VIEW v_mentions_weekly AS
WITH ae AS (
    SELECT entity_id, article_id, mentions, floor(epoch_us(t) / 9e8)::BIGINT AS quarter
    FROM article_entities
),
weeks AS (
    SELECT quarter, isoyear(to_timestamp(quarter * 900)) || '-W'
               || lpad(week(to_timestamp(quarter * 900))::VARCHAR, 2, '0') AS iso_week
    FROM (SELECT DISTINCT quarter FROM ae)
),
rolled AS (
    SELECT coalesce(r.ancestor_id, ae.entity_id) AS entity_id, ae.entity_id AS own_id,
           ae.article_id, ae.mentions, wk.iso_week
    FROM ae JOIN weeks wk USING (quarter)
    LEFT JOIN v_entity_rollup r ON r.entity_id = ae.entity_id
),
counted AS (
    SELECT entity_id, iso_week,
           coalesce(sum(mentions) FILTER (WHERE own_id = entity_id), 0)::BIGINT AS mentions,
           count(*) FILTER (WHERE own_id = entity_id) AS articles,
           sum(mentions)::BIGINT AS mentions_rollup,
           count(DISTINCT article_id) AS articles_rollup
    FROM rolled
    GROUP BY entity_id, iso_week
)
SELECT c.entity_id, e.name, e.kind, c.iso_week,
       c.mentions, c.articles, c.mentions_rollup, c.articles_rollup
FROM counted c
LEFT JOIN v_entities e ON e.entity_id = c.entity_id;

-- Pairs of entities named in the same article, per ISO week (entity_a < entity_b).
CREATE OR REPLACE VIEW v_co_mentions AS
WITH ae AS (
    SELECT entity_id, article_id, floor(epoch_us(t) / 9e8)::BIGINT AS quarter
    FROM article_entities
),
weeks AS (
    SELECT quarter, isoyear(to_timestamp(quarter * 900)) || '-W'
               || lpad(week(to_timestamp(quarter * 900))::VARCHAR, 2, '0') AS iso_week
    FROM (SELECT DISTINCT quarter FROM ae)
),
x AS (SELECT ae.article_id, ae.entity_id, wk.iso_week FROM ae JOIN weeks wk USING (quarter))
SELECT x.entity_id AS entity_a, y.entity_id AS entity_b, x.iso_week, count(*) AS articles
FROM x
JOIN article_entities y ON x.article_id = y.article_id AND x.entity_id < y.entity_id
GROUP BY ALL;
