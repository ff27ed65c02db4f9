-- Issue 17: the web's charts under 300 ms at 1M articles. An entity's series over two years
-- per day counted millions of `article_entities` rows at every request; `entity_days` holds
-- the same counts per UTC day (warehouse/entity_days.py keeps it in step with
-- article_entities on every change; tests/test_entity_days.py checks kept == rebuilt).
--
-- rollup = false: the entity's own articles and mentions that day. rollup = true, for an
-- entity with descendants: the articles naming it or any of them (each once) and all their
-- mentions, counted with the families of `entity_days_families` (the watchlist's when they
-- were counted; readers use a family's rows only while the watchlist still has them).
-- Tables are dropped first so the migration can run again (a test re-applies 0012 on).

DROP TABLE IF EXISTS entity_days;
DROP TABLE IF EXISTS entity_days_families;

CREATE TABLE entity_days_families (
    ancestor_id  VARCHAR NOT NULL,   -- an entity with at least one descendant
    entity_id    VARCHAR NOT NULL    -- itself or a descendant
);

INSERT INTO entity_days_families
SELECT DISTINCT ancestor_id, entity_id FROM v_entity_rollup
WHERE ancestor_id IN (SELECT ancestor_id FROM v_entity_rollup
                      GROUP BY ancestor_id HAVING count(DISTINCT entity_id) > 1);

CREATE TABLE entity_days (
    entity_id  VARCHAR NOT NULL,
    day        DATE NOT NULL,      -- of the article's time (published, else fetched), UTC
    rollup     BOOLEAN NOT NULL,   -- true: with its descendants (each article once)
    articles   BIGINT NOT NULL,
    mentions   BIGINT NOT NULL
);

INSERT INTO entity_days
WITH r AS (
    SELECT article_id, entity_id, timezone('UTC', t)::DATE AS day, mentions
    FROM article_entities
)
SELECT entity_id, day, false AS rollup, count(*) AS articles, sum(mentions) AS mentions
FROM r GROUP BY entity_id, day
UNION ALL
SELECT f.ancestor_id, r.day, true, count(DISTINCT r.article_id), sum(r.mentions)
FROM r JOIN entity_days_families f USING (entity_id)
GROUP BY f.ancestor_id, r.day;
