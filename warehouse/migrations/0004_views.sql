-- Views for the questions people ask. Weeks are ISO weeks ("2026-W47") of the publication
-- time, or of the fetch time for articles without a date.

ALTER TABLE entities ADD COLUMN loaded_at TIMESTAMPTZ;
UPDATE entities SET loaded_at = now();

-- The watchlist in use: the version loaded last.
CREATE VIEW v_entities AS
SELECT * EXCLUDE (loaded_at) FROM entities
WHERE watchlist_version = (
    SELECT watchlist_version FROM entities ORDER BY loaded_at DESC NULLS LAST LIMIT 1
);

-- Each entity with itself and every ancestor (bedrock: bedrock, aws, amazon).
CREATE VIEW v_entity_rollup AS
WITH RECURSIVE up(entity_id, ancestor_id, depth) AS (
    SELECT entity_id, entity_id, 0 FROM v_entities
    UNION ALL
    SELECT up.entity_id, e.parent_id, up.depth + 1
    FROM up JOIN v_entities e ON e.entity_id = up.ancestor_id
    WHERE e.parent_id IS NOT NULL AND up.depth < 16
)
SELECT entity_id, ancestor_id, depth FROM up;

CREATE VIEW v_articles AS
SELECT a.article_id, a.title, a.canonical_url AS url,
       coalesce(nullif(a.site_name, ''), split_part(a.url, '/', 3)) AS site,
       a.author, a.published_at, a.fetched_at,
       isoyear(coalesce(a.published_at, a.fetched_at)) || '-W'
           || lpad(week(coalesce(a.published_at, a.fetched_at))::VARCHAR, 2, '0') AS iso_week,
       a.language, a.text_source, a.extractor, a.cluster_id, length(a.text) AS chars
FROM articles a;

-- Entity x ISO week. `mentions`/`articles` count the entity's own mentions; the `_rollup`
-- columns add those of its descendants (aws and bedrock count for amazon).
CREATE VIEW v_mentions_weekly AS
SELECT coalesce(r.ancestor_id, m.entity_id) AS entity_id,
       any_value(e.name) AS name, any_value(e.kind) AS kind, a.iso_week,
       count(*) FILTER (WHERE m.entity_id = coalesce(r.ancestor_id, m.entity_id)) AS mentions,
       count(DISTINCT m.article_id)
           FILTER (WHERE m.entity_id = coalesce(r.ancestor_id, m.entity_id)) AS articles,
       count(*) AS mentions_rollup,
       count(DISTINCT m.article_id) AS articles_rollup
FROM mentions m
LEFT JOIN v_entity_rollup r ON r.entity_id = m.entity_id
JOIN v_articles a ON a.article_id = m.article_id
LEFT JOIN v_entities e ON e.entity_id = coalesce(r.ancestor_id, m.entity_id)
GROUP BY coalesce(r.ancestor_id, m.entity_id), a.iso_week;

-- Pairs of entities named in the same article, per ISO week (entity_a < entity_b).
CREATE VIEW v_co_mentions AS
WITH am AS (SELECT DISTINCT article_id, entity_id FROM mentions)
SELECT x.entity_id AS entity_a, y.entity_id AS entity_b, a.iso_week,
       count(*) AS articles
FROM am x
JOIN am y ON x.article_id = y.article_id AND x.entity_id < y.entity_id
JOIN v_articles a ON a.article_id = x.article_id
GROUP BY ALL;

-- The deals ledger: one row per deal, however many articles reported it. Reports of one
-- (kind, investor, target) are one deal when they state the same amount, or no amount while
-- only one amount was ever reported for it.
CREATE VIEW v_deals AS
WITH d AS (
    SELECT d.*, coalesce(a.published_at, a.fetched_at) AS t
    FROM deals d JOIN articles a USING (article_id)
),
amounts AS (
    SELECT kind, investor_id, target_id,
           count(DISTINCT amount_usd) AS n, max(amount_usd) AS only_amount
    FROM d GROUP BY ALL
),
keyed AS (
    SELECT d.*,
           CASE WHEN d.amount_usd IS NULL AND am.n = 1 THEN am.only_amount
                ELSE d.amount_usd END AS amount_key
    FROM d JOIN amounts am USING (kind, investor_id, target_id)
)
SELECT kind, investor_id AS investor, target_id AS target,
       amount_key AS amount_usd,
       coalesce(max(amount_max_usd), amount_key) AS amount_max_usd,
       coalesce(arg_min(qualifier, t) FILTER (WHERE qualifier <> ''), '') AS qualifier,
       max(year) AS year,
       coalesce(arg_min(evidence, t) FILTER (WHERE amount_usd IS NOT NULL),
                arg_min(evidence, t)) AS evidence,
       arg_min(article_id, t) AS article_id,
       count(DISTINCT article_id) AS sources,
       min(t) AS first_reported,
       max(t) AS last_reported
FROM keyed
GROUP BY kind, investor_id, target_id, amount_key;

CREATE VIEW v_feed_health AS
SELECT f.feed_id, f.url, coalesce(nullif(f.name, ''), f.title, f.url) AS name,
       f.last_fetched_at, f.last_success_at, f.last_outcome, f.last_error,
       f.consecutive_failures, f.next_due_at,
       (SELECT count(*) FROM feed_fetches x
         WHERE x.feed_id = f.feed_id AND x.fetched_at >= now() - INTERVAL 7 DAY) AS fetches_7d,
       (SELECT count(*) FROM feed_fetches x
         WHERE x.feed_id = f.feed_id AND x.fetched_at >= now() - INTERVAL 7 DAY
           AND x.outcome NOT IN ('ok', 'not_modified')) AS failures_7d,
       (SELECT count(*) FROM article_feeds af WHERE af.feed_id = f.feed_id) AS articles
FROM feeds f;
