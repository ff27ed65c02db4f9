-- One entity's mentions and articles per ISO week, with its descendants rolled up.
-- param: entity = anthropic
-- Same rows as v_mentions_weekly for the entity, but only the article-entity rows of the
-- entity's family are read and grouped (the view groups every entity, then filters).
WITH family AS (
    SELECT entity_id FROM v_entity_rollup WHERE ancestor_id = $entity
    UNION ALL  -- an entity no longer in the watchlist counts for itself only
    SELECT $entity WHERE NOT EXISTS (SELECT 1 FROM v_entity_rollup WHERE entity_id = $entity)
)
SELECT isoyear(ae.t) || '-W' || lpad(week(ae.t)::VARCHAR, 2, '0') AS iso_week,
       coalesce(sum(ae.mentions) FILTER (WHERE ae.entity_id = $entity), 0)::BIGINT AS mentions,
       sum(ae.mentions)::BIGINT AS mentions_rollup,
       count(DISTINCT ae.article_id) AS articles_rollup
FROM article_entities ae JOIN family f ON f.entity_id = ae.entity_id
GROUP BY isoyear(ae.t), week(ae.t)
ORDER BY iso_week;
