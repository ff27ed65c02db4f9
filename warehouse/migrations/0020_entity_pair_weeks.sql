-- Issue 17: the entity page's "Named with" under 300 ms at 1M articles. It counted, for the
-- chart's period, the articles an entity shares with each other entity by joining its
-- articles' `article_entities` rows with every other row of theirs: two years of the
-- most-named entity were 0.45-0.6 s. `entity_pair_weeks` holds those counts per ISO week
-- (UTC Monday), kept in step with article_entities by warehouse/entity_pairs.py; a reader
-- adds the weeks within its period and counts the days at its ends from article_entities.
--
-- rollup = false: articles naming entity_id and other_id. rollup = true, for an entity with
-- descendants (the families of `entity_pair_families`, the watchlist's when they were
-- counted): articles naming any member of entity_id's family and other_id, each once.
-- Tables are dropped first so the migration can run again (a lake runs 0017 and later again).

DROP TABLE IF EXISTS entity_pair_weeks;
DROP TABLE IF EXISTS entity_pair_families;

CREATE TABLE entity_pair_families (
    ancestor_id  VARCHAR NOT NULL,   -- an entity with at least one descendant
    entity_id    VARCHAR NOT NULL    -- itself or a descendant
);

INSERT INTO entity_pair_families
SELECT DISTINCT ancestor_id, entity_id FROM v_entity_rollup
WHERE ancestor_id IN (SELECT ancestor_id FROM v_entity_rollup
                      GROUP BY ancestor_id HAVING count(DISTINCT entity_id) > 1);

CREATE TABLE entity_pair_weeks (
    entity_id  VARCHAR NOT NULL,
    other_id   VARCHAR NOT NULL,   -- another entity named in the same articles
    week       DATE NOT NULL,      -- the Monday (UTC) of the articles' time
    rollup     BOOLEAN NOT NULL,   -- true: entity_id with its descendants
    articles   BIGINT NOT NULL
);

-- In week order: a batch's counts touch its few weeks, and the MERGE that adds them skips
-- the rest of the table (the week range of its source reaches the scan).
INSERT INTO entity_pair_weeks
SELECT * FROM (
WITH r AS (
    SELECT article_id, entity_id, date_trunc('week', timezone('UTC', t))::DATE AS week
    FROM article_entities
),
fam AS (
    SELECT DISTINCT r.article_id, r.week, f.ancestor_id
    FROM r JOIN entity_pair_families f USING (entity_id)
)
SELECT a.entity_id, b.entity_id AS other_id, a.week, false AS rollup, count(*) AS articles
FROM r a JOIN r b ON a.article_id = b.article_id AND a.entity_id <> b.entity_id
GROUP BY ALL
UNION ALL
SELECT f.ancestor_id, b.entity_id, f.week, true, count(*)
FROM fam f JOIN r b ON f.article_id = b.article_id AND b.entity_id <> f.ancestor_id
GROUP BY ALL
) ORDER BY week, entity_id, other_id;
