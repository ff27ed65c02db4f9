-- Pairs of entities named in the same articles in one ISO week, most frequent first.
-- param: week = 2024-W20
-- Same rows as v_co_mentions for the week, but only the article-entity rows of the days
-- around it are read (an article's rows all have its time; the week's own test is exact).
WITH days AS (
    SELECT try_strptime($week || '-1', '%G-W%V-%u') - INTERVAL 2 DAY AS lo,
           try_strptime($week || '-1', '%G-W%V-%u') + INTERVAL 9 DAY AS hi
),
ae AS (
    SELECT article_id, entity_id, t FROM article_entities
    WHERE t >= (SELECT lo FROM days) AND t < (SELECT hi FROM days)
)
SELECT x.entity_id AS entity_a, y.entity_id AS entity_b, count(*) AS articles
FROM ae x JOIN ae y ON x.article_id = y.article_id AND x.entity_id < y.entity_id
WHERE isoyear(x.t) || '-W' || lpad(week(x.t)::VARCHAR, 2, '0') = $week
GROUP BY ALL
ORDER BY articles DESC, entity_a, entity_b;
