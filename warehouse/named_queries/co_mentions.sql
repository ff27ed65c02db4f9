-- Pairs of entities named in the same articles in one ISO week, most frequent first.
-- param: week = 2024-W20
SELECT entity_a, entity_b, articles
FROM v_co_mentions
WHERE iso_week = $week
ORDER BY articles DESC, entity_a, entity_b;
