-- Entities by mentions over the last weeks, their own and with their descendants rolled up.
-- param: weeks = 4
-- Same figures as summing v_mentions_weekly from that ISO week on, but the articles are
-- picked first, so only their mentions are joined (3 s -> well under 1 s at 10M mentions).
WITH recent AS (
    SELECT article_id FROM articles
    WHERE coalesce(published_at, fetched_at)
          >= date_trunc('week', current_date - to_weeks($weeks::INTEGER))
),
m AS (
    SELECT entity_id, article_id FROM mentions SEMI JOIN recent USING (article_id)
)
SELECT coalesce(r.ancestor_id, m.entity_id) AS entity_id, any_value(e.name) AS name,
       any_value(e.kind) AS kind,
       count(*) FILTER (WHERE m.entity_id = coalesce(r.ancestor_id, m.entity_id)) AS mentions,
       count(*) AS mentions_rollup,
       count(DISTINCT m.article_id) AS articles
FROM m
LEFT JOIN v_entity_rollup r ON r.entity_id = m.entity_id
LEFT JOIN v_entities e ON e.entity_id = coalesce(r.ancestor_id, m.entity_id)
GROUP BY coalesce(r.ancestor_id, m.entity_id)
ORDER BY mentions_rollup DESC, entity_id;
