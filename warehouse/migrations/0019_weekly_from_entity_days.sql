-- Issue 19: v_mentions_weekly under 1 s at 10M mentions, all weeks or one.
--
-- 0016 counted every `article_entities` row (3.5M at 1M articles) per article and week: about
-- 5 s for all weeks, cold. `entity_days` (0017, kept in step on every change by
-- warehouse/entity_days.py) holds the same counts per entity and UTC day, its own
-- (`rollup` false) and, for an ancestor with descendants, its family's (each article once):
-- a week is the sum of its days. Weeks are in the session's time zone and days in UTC, so a
-- UTC day is read from `entity_days` only when it lies wholly inside one local week (in UTC
-- every day does); of a day that a local Monday midnight cuts in two, the smaller part is
-- counted from its `article_entities` rows, grouped as entity_days.py `_COUNTS` groups
-- them, and the larger is the day's entity_days counts less the smaller. Every midnight
-- of the zones in use falls on a quarter hour (as 0015 and 0016 rely on), and the week
-- changes at most once in a day whose clocks are not changed (summer time), so such a day
-- is whole when its first and last quarter hours are in one week; a day the clocks change
-- in is taken as cut (a few a year).

-- One row: whether entity_days gives exactly what 0016 counts from article_entities. Not
-- when:
-- * its families (`entity_days_families`) are not the watchlist's: the watchlist changed,
--   or a retag recorded a new one, and nothing has been stored since (entity_days.py
--   `sync_families` counts them again at the next change);
-- * a parent link runs in a cycle: v_entity_rollup gives a pair more than once, and 0016
--   counts its rows as often;
-- * an ancestor not in the watchlist (a dangling parent) is named itself: its articles
--   and its children's, each once, are in no entity_days row;
-- * its totals are out of step with article_entities: rows, mentions, and both weighted by
--   the day (rows written, dropped or moved to another day by a writer that does not go
--   through warehouse/article_entities.py; one scan of two narrow columns), or a family's
--   mentions on a day are not its members' (a few thousand rows of entity_days itself).
CREATE OR REPLACE VIEW v_entity_days_kept AS
WITH rollup_pairs AS (SELECT DISTINCT entity_id, ancestor_id FROM v_entity_rollup),
families AS (
    SELECT ancestor_id, entity_id FROM rollup_pairs
    WHERE ancestor_id IN (SELECT ancestor_id FROM rollup_pairs
                          GROUP BY ancestor_id HAVING count(*) > 1)
),
-- Each family's mentions per day as its members' own rows give them.
members_days AS (
    SELECT f.ancestor_id AS entity_id, d.day, sum(d.mentions) AS mentions
    FROM entity_days d JOIN entity_days_families f USING (entity_id)
    WHERE NOT d.rollup
    GROUP BY ALL
)
SELECT coalesce(
    NOT EXISTS (SELECT ancestor_id, entity_id FROM entity_days_families
                EXCEPT SELECT ancestor_id, entity_id FROM families)
    AND NOT EXISTS (SELECT ancestor_id, entity_id FROM families
                    EXCEPT SELECT ancestor_id, entity_id FROM entity_days_families)
    AND (SELECT count(*) FROM v_entity_rollup) = (SELECT count(*) FROM rollup_pairs)
    AND NOT EXISTS (SELECT 1 FROM entity_days
                    WHERE NOT rollup
                      AND entity_id IN (SELECT ancestor_id FROM rollup_pairs)
                      AND entity_id NOT IN (SELECT entity_id FROM v_entities))
    AND NOT EXISTS (SELECT 1 FROM members_days m
                    FULL JOIN (SELECT * FROM entity_days WHERE rollup) r USING (entity_id, day)
                    WHERE m.mentions IS DISTINCT FROM r.mentions)
    AND (SELECT [count(*), coalesce(sum(mentions), 0), coalesce(sum(n), 0),
                 coalesce(sum(n * mentions), 0)]
         FROM (SELECT mentions, floor(epoch_us(t) / 864e8)::BIGINT AS n FROM article_entities))
        = (SELECT [coalesce(sum(articles), 0), coalesce(sum(mentions), 0),
                   coalesce(sum(n * articles), 0), coalesce(sum(n * mentions), 0)]
           FROM (SELECT articles, mentions, day - DATE '1970-01-01' AS n
                 FROM entity_days WHERE NOT rollup)),
    false) AS kept_exact;

-- Same columns, types and rows as 0016's definition, which it keeps below the UNION ALL
-- for when v_entity_days_kept says no (its filter sits on the scan: on the grouped rows it
-- would not skip the scan). tests/test_weekly_from_entity_days.py compares the two in UTC
-- and other zones, after watchlist changes, a retag, with dangling parents and cycles,
-- with counts out of step, and on a DuckLake.
CREATE OR REPLACE VIEW v_mentions_weekly AS
WITH rollup_pairs AS MATERIALIZED (
    SELECT DISTINCT entity_id, ancestor_id FROM v_entity_rollup
),
kept AS MATERIALIZED (SELECT kept_exact FROM v_entity_days_kept),
-- Each UTC day stored, its local ISO week, and whether the whole day lies in it: its last
-- quarter hour is in that week too, 23:45 later by the local clock (not changed that day).
days AS (
    SELECT day, n, iso_week,
           iso_week = isoyear(to_timestamp(n * 86400 + 85500)) || '-W'
               || lpad(week(to_timestamp(n * 86400 + 85500))::VARCHAR, 2, '0')
           AND epoch(to_timestamp(n * 86400 + 85500)::TIMESTAMP)
               - epoch(to_timestamp(n * 86400)::TIMESTAMP) = 85500 AS whole
    FROM (
        SELECT day, n, isoyear(to_timestamp(n * 86400)) || '-W'
                   || lpad(week(to_timestamp(n * 86400))::VARCHAR, 2, '0') AS iso_week
        FROM (SELECT DISTINCT day, day - DATE '1970-01-01' AS n FROM entity_days)
    )
),
-- The quarter hours of the days cut in two, each with its local week. A cut day's rows
-- in its largest part (the most quarter hours in one week) are not read: that part is the
-- day's entity_days counts less those of the other parts (an article lies in one part).
cut_quarters AS (
    SELECT d.day, q.q AS quarter, isoyear(to_timestamp(q.q * 900)) || '-W'
               || lpad(week(to_timestamp(q.q * 900))::VARCHAR, 2, '0') AS iso_week
    FROM days d, range(d.n * 96, d.n * 96 + 96) q(q)
    WHERE NOT d.whole
),
largest AS (
    SELECT day, arg_max(iso_week, quarters) AS iso_week
    FROM (SELECT day, iso_week, count(*) AS quarters FROM cut_quarters GROUP BY ALL)
    GROUP BY day
),
cut AS (
    SELECT ae.article_id, ae.entity_id, ae.mentions, p.day, p.iso_week
    FROM article_entities ae
    JOIN (SELECT * FROM cut_quarters ANTI JOIN largest USING (day, iso_week)) p
        ON p.quarter = floor(epoch_us(ae.t) / 9e8)::BIGINT
),
-- The other parts' counts as entity_days counts a day (entity_days.py `_COUNTS`).
cut_counts AS (
    SELECT entity_id, day, iso_week, false AS rollup, count(*) AS articles,
           sum(mentions) AS mentions
    FROM cut GROUP BY ALL
    UNION ALL
    SELECT f.ancestor_id, c.day, c.iso_week, true, count(DISTINCT c.article_id), sum(c.mentions)
    FROM cut c JOIN entity_days_families f USING (entity_id)
    GROUP BY ALL
),
-- Counts per entity and week: whole days' and cut days' entity_days rows in their (largest)
-- week, the other parts' counts in their week and taken from the largest part's.
week_counts AS (
    SELECT d.entity_id, w.iso_week, d.rollup, d.articles, d.mentions
    FROM entity_days d JOIN days w USING (day)
    WHERE w.whole
    UNION ALL
    SELECT d.entity_id, l.iso_week, d.rollup, d.articles, d.mentions
    FROM entity_days d JOIN largest l USING (day)
    UNION ALL
    SELECT entity_id, iso_week, rollup, articles, mentions FROM cut_counts
    UNION ALL
    SELECT c.entity_id, l.iso_week, c.rollup, -c.articles, -c.mentions
    FROM cut_counts c JOIN largest l USING (day)
),
-- What each count is for: its own entity's columns (own counts), and the rolled-up
-- columns of the entity it rolls up to, from the family's counts where it has one (each
-- article once), else from the one member's own counts (an entity alone, or a dangling
-- parent of one child).
counted AS (
    SELECT entity_id, iso_week, true AS own, articles, mentions
    FROM week_counts WHERE NOT rollup
    UNION ALL
    SELECT entity_id, iso_week, false, articles, mentions FROM week_counts WHERE rollup
    UNION ALL
    SELECT coalesce(r.ancestor_id, c.entity_id), c.iso_week, false, c.articles, c.mentions
    FROM week_counts c LEFT JOIN rollup_pairs r ON r.entity_id = c.entity_id
    WHERE NOT c.rollup
      AND coalesce(r.ancestor_id, c.entity_id)
          NOT IN (SELECT ancestor_id FROM entity_days_families)
),
-- 0016's definition, read only when entity_days cannot be trusted.
ae AS NOT MATERIALIZED (
    SELECT entity_id, article_id, mentions, floor(epoch_us(t) / 9e8)::BIGINT AS quarter
    FROM article_entities
    WHERE NOT (SELECT kept_exact FROM kept)
),
weeks AS (
    SELECT quarter, isoyear(to_timestamp(quarter * 900)) || '-W'
               || lpad(week(to_timestamp(quarter * 900))::VARCHAR, 2, '0') AS iso_week
    FROM (SELECT min(quarter) AS quarter FROM ae GROUP BY quarter)
),
rolled_0016 AS (
    SELECT coalesce(r.ancestor_id, ae.entity_id) AS entity_id, wk.iso_week, ae.article_id,
           sum(ae.mentions) FILTER (WHERE ae.entity_id = coalesce(r.ancestor_id, ae.entity_id))
               AS mentions,
           sum(ae.mentions) AS mentions_rollup
    FROM ae JOIN weeks wk USING (quarter)
    LEFT JOIN v_entity_rollup r ON r.entity_id = ae.entity_id
    GROUP BY ALL
)
SELECT x.entity_id, any_value(e.name) AS name, any_value(e.kind) AS kind, x.iso_week,
       coalesce(sum(x.mentions) FILTER (WHERE x.own), 0)::BIGINT AS mentions,
       coalesce(sum(x.articles) FILTER (WHERE x.own), 0)::BIGINT AS articles,
       sum(x.mentions) FILTER (WHERE NOT x.own)::BIGINT AS mentions_rollup,
       sum(x.articles) FILTER (WHERE NOT x.own)::BIGINT AS articles_rollup
FROM counted x
LEFT JOIN v_entities e ON e.entity_id = x.entity_id
WHERE (SELECT kept_exact FROM kept)
GROUP BY x.entity_id, x.iso_week
-- A part's counts taken from the largest part's can leave none there.
HAVING sum(x.articles) FILTER (WHERE NOT x.own) > 0
UNION ALL
SELECT x.entity_id, any_value(e.name) AS name, any_value(e.kind) AS kind, x.iso_week,
       coalesce(sum(x.mentions), 0)::BIGINT AS mentions,
       count(x.mentions) AS articles,
       sum(x.mentions_rollup)::BIGINT AS mentions_rollup,
       count(*) AS articles_rollup
FROM rolled_0016 x
LEFT JOIN v_entities e ON e.entity_id = x.entity_id
GROUP BY x.entity_id, x.iso_week;
