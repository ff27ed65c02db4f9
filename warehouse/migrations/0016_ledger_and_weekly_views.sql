-- Issue 19: v_co_mentions and v_mentions_weekly under 1 s at 10M mentions.
--
-- Both read `article_entities` (one row per article and entity, with the article's time and
-- its number of mentions; migration 0012) and take the ISO week once per quarter hour, as
-- 0015 did: every time zone in use has its midnights on quarter hours, so the week of a
-- quarter hour is the week of each of its rows, in the session's time zone.
--
-- 0015's v_co_mentions was slower than 0004's at idle (1.36 s against 0.99 s at 1M
-- articles): a filter on iso_week was pushed below the DISTINCT of quarter hours and the
-- week computed for every row, and the second side of the self-join read the whole table.
-- Here the quarter hours are an aggregate (min(quarter) per quarter), so the filter stays
-- on the few thousand quarter hours, and an article's pairs come from the list of its
-- entities (one scan, no self-join). v_mentions_weekly: `mentions` is the sum of the kept
-- counts, `articles` a count of rows (one per article and entity), `articles_rollup` the
-- distinct articles of the entity and its descendants, as 0004 counted them from the raw
-- mentions. Same columns, types and rows as 0004's definitions
-- (tests/test_views_from_article_entities.py, in three time zones).
CREATE OR REPLACE VIEW v_co_mentions AS
WITH ae AS NOT MATERIALIZED (
    SELECT entity_id, article_id, floor(epoch_us(t) / 9e8)::BIGINT AS quarter
    FROM article_entities
),
weeks AS (
    SELECT quarter, isoyear(to_timestamp(quarter * 900)) || '-W'
               || lpad(week(to_timestamp(quarter * 900))::VARCHAR, 2, '0') AS iso_week
    -- An aggregate, not DISTINCT: a filter on iso_week must not be pushed below it.
    FROM (SELECT min(quarter) AS quarter FROM ae GROUP BY quarter)
),
per_article AS (
    SELECT ae.article_id, wk.iso_week, list(ae.entity_id) AS es
    FROM ae JOIN weeks wk USING (quarter)
    GROUP BY ALL
),
firsts AS (SELECT iso_week, es, unnest(es) AS entity_a FROM per_article),
pairs AS (
    SELECT entity_a, unnest([e FOR e IN es IF e > entity_a]) AS entity_b, iso_week FROM firsts
)
SELECT entity_a, entity_b, iso_week, count(*) AS articles FROM pairs GROUP BY ALL;

CREATE OR REPLACE VIEW v_mentions_weekly AS
WITH ae AS NOT MATERIALIZED (
    SELECT entity_id, article_id, mentions, floor(epoch_us(t) / 9e8)::BIGINT AS quarter
    FROM article_entities
),
weeks AS (
    SELECT quarter, isoyear(to_timestamp(quarter * 900)) || '-W'
               || lpad(week(to_timestamp(quarter * 900))::VARCHAR, 2, '0') AS iso_week
    -- An aggregate, not DISTINCT: a filter on iso_week must not be pushed below it.
    FROM (SELECT min(quarter) AS quarter FROM ae GROUP BY quarter)
),
x AS (
    SELECT ae.article_id, ae.entity_id, ae.mentions, wk.iso_week,
           coalesce(r.ancestor_id, ae.entity_id) AS rolled
    FROM ae JOIN weeks wk USING (quarter)
    LEFT JOIN v_entity_rollup r ON r.entity_id = ae.entity_id
)
SELECT x.rolled AS entity_id, any_value(e.name) AS name, any_value(e.kind) AS kind, x.iso_week,
       coalesce(sum(x.mentions) FILTER (WHERE x.entity_id = x.rolled), 0)::BIGINT AS mentions,
       count(*) FILTER (WHERE x.entity_id = x.rolled) AS articles,
       sum(x.mentions)::BIGINT AS mentions_rollup,
       count(DISTINCT x.article_id) AS articles_rollup
FROM x
LEFT JOIN v_entities e ON e.entity_id = x.rolled
GROUP BY x.rolled, x.iso_week;
