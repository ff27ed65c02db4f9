-- Entities by mentions over the last weeks, their own and with their descendants rolled up.
-- param: weeks = 4
SELECT entity_id, any_value(name) AS name, any_value(kind) AS kind,
       sum(mentions) AS mentions, sum(mentions_rollup) AS mentions_rollup,
       sum(articles_rollup) AS articles
FROM v_mentions_weekly
WHERE iso_week >= (SELECT isoyear(d) || '-W' || lpad(week(d)::VARCHAR, 2, '0')
                   FROM (SELECT current_date - to_weeks($weeks::INTEGER) AS d))
GROUP BY entity_id
ORDER BY mentions_rollup DESC, entity_id;
