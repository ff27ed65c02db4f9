-- One entity's mentions and articles per ISO week, with its descendants rolled up.
-- param: entity = anthropic
-- Same rows as v_mentions_weekly for the entity, but only the article-entity rows of the
-- entity's family are read, and counted per quarter hour before the weeks are taken (see
-- migration 0015: an article's rows share its time, so its articles add up).
WITH family AS (
    SELECT entity_id FROM v_entity_rollup WHERE ancestor_id = $entity
    UNION ALL  -- an entity no longer in the watchlist counts for itself only
    SELECT $entity WHERE NOT EXISTS (SELECT 1 FROM v_entity_rollup WHERE entity_id = $entity)
),
quarters AS (
    SELECT floor(epoch_us(ae.t) / 9e8)::BIGINT AS quarter,
           coalesce(sum(ae.mentions) FILTER (WHERE ae.entity_id = $entity), 0) AS mentions,
           sum(ae.mentions) AS mentions_rollup,
           count(DISTINCT ae.article_id) AS articles_rollup
    FROM article_entities ae JOIN family f ON f.entity_id = ae.entity_id
    GROUP BY quarter
)
SELECT isoyear(to_timestamp(quarter * 900)) || '-W'
           || lpad(week(to_timestamp(quarter * 900))::VARCHAR, 2, '0') AS iso_week,
       sum(mentions)::BIGINT AS mentions, sum(mentions_rollup)::BIGINT AS mentions_rollup,
       sum(articles_rollup)::BIGINT AS articles_rollup
FROM quarters
GROUP BY iso_week
ORDER BY iso_week;
