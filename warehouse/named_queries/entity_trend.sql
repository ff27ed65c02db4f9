-- One entity's mentions and articles per ISO week, with its descendants rolled up.
-- param: entity = anthropic
SELECT iso_week, mentions, mentions_rollup, articles_rollup
FROM v_mentions_weekly
WHERE entity_id = $entity
ORDER BY iso_week;
