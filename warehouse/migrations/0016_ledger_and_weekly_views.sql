-- Issue 19: v_co_mentions and v_mentions_weekly under 1 s at 10M mentions.
--
-- Both read `article_entities` (one row per article and entity, with the article's time and
-- its number of mentions; migration 0012) and take the ISO week once per quarter hour, as
-- 0015 did: every time zone in use has its midnights on quarter hours, so the week of a
-- quarter hour is the week of each of its rows, in the session's time zone.
--
-- 0015's v_co_mentions was slower than 0004's at idle (1.36 s against 0.99 s at 1M
-- articles): a filter on iso_week was pushed below the DISTINCT of quarter hours and the
-- week computed for every row, and the second side of the self-join read the whole table.
-- Here the quarter hours are an aggregate (min(quarter) per quarter), so the filter stays
-- on the few thousand quarter hours, and an article's pairs come from the list of its
-- entities (one scan, no self-join). v_mentions_weekly: each article once per entity it
-- counts for (itself, or an ancestor of an entity it names), then counted per week: no
-- count(DISTINCT), which cost most of the time at 10M mentions; `mentions` sums the kept
-- counts, as 0004 counted the raw mentions. Same columns, types and rows as 0004's definitions
-- (tests/test_views_from_article_entities.py, in three time zones).
CREATE OR REPLACE VIEW v_co_mentions AS
WITH ae AS NOT MATERIALIZED (
    SELECT entity_id, article_id, floor(epoch_us(t) / 9e8)::BIGINT AS quarter
    FROM article_entities
),
weeks AS (
    SELECT quarter, isoyear(to_timestamp(quarter * 900)) || '-W'
               || lpad(week(to_timestamp(quarter * 900))::VARCHAR, 2, '0') AS iso_week
    -- An aggregate, not DISTINCT: a filter on iso_week must not be pushed below it.
    FROM (SELECT min(quarter) AS quarter FROM ae GROUP BY quarter)
),
per_article AS (
    SELECT ae.article_id, wk.iso_week, list(ae.entity_id) AS es
    FROM ae JOIN weeks wk USING (quarter)
    GROUP BY ALL
),
firsts AS (SELECT iso_week, es, unnest(es) AS entity_a FROM per_article),
pairs AS (
    SELECT entity_a, unnest([e FOR e IN es IF e > entity_a]) AS entity_b, iso_week FROM firsts
)
SELECT entity_a, entity_b, iso_week, count(*) AS articles FROM pairs GROUP BY ALL;

CREATE OR REPLACE VIEW v_mentions_weekly AS
WITH ae AS NOT MATERIALIZED (
    SELECT entity_id, article_id, mentions, floor(epoch_us(t) / 9e8)::BIGINT AS quarter
    FROM article_entities
),
weeks AS (
    SELECT quarter, isoyear(to_timestamp(quarter * 900)) || '-W'
               || lpad(week(to_timestamp(quarter * 900))::VARCHAR, 2, '0') AS iso_week
    -- An aggregate, not DISTINCT: a filter on iso_week must not be pushed below it.
    FROM (SELECT min(quarter) AS quarter FROM ae GROUP BY quarter)
),
-- Each article once per entity it counts for (itself, or an ancestor of what it names).
rolled AS (
    SELECT coalesce(r.ancestor_id, ae.entity_id) AS entity_id, wk.iso_week, ae.article_id,
           sum(ae.mentions) FILTER (WHERE ae.entity_id = coalesce(r.ancestor_id, ae.entity_id))
               AS mentions,
           sum(ae.mentions) AS mentions_rollup
    FROM ae JOIN weeks wk USING (quarter)
    LEFT JOIN v_entity_rollup r ON r.entity_id = ae.entity_id
    GROUP BY ALL
)
SELECT x.entity_id, any_value(e.name) AS name, any_value(e.kind) AS kind, x.iso_week,
       coalesce(sum(x.mentions), 0)::BIGINT AS mentions,
       count(x.mentions) AS articles,
       sum(x.mentions_rollup)::BIGINT AS mentions_rollup,
       count(*) AS articles_rollup
FROM rolled x
LEFT JOIN v_entities e ON e.entity_id = x.entity_id
GROUP BY x.entity_id, x.iso_week;

-- The deals ledger's upkeep (0013) per batch, over the touched groups' reports only: they
-- are read once from `deals`, with their times, into `deal_rows_pending` (0013's first
-- step, now in warehouse/deal_ledger.py); 0013's rules give each its deal_id from there
-- (v_pending_deal_reports), and the groups' ledger rows (v_pending_deals) fold those rows
-- with the keys just kept. 0013's views read `deals` three times over and joined every deal
-- with every kept report key (v_deal_reports, 100k x 100k at 1M articles) to keep the
-- touched groups' rows. The table is emptied before the writer commits, as
-- deal_groups_pending (warehouse/deal_ledger.py), so it holds no rows between writes.
CREATE TABLE IF NOT EXISTS deal_rows_pending AS SELECT *, NULL::TIMESTAMPTZ AS t FROM deals LIMIT 0;

CREATE OR REPLACE VIEW v_pending_deal_reports AS
WITH d AS (SELECT * FROM deal_rows_pending),
steps AS (
    SELECT article_id, deal_no,
           coalesce(amount_usd > 1.15 * lag(amount_usd) OVER w, true) AS new_deal
    FROM d WHERE amount_usd IS NOT NULL
    WINDOW w AS (PARTITION BY kind, investor_id, target_id, tranche ORDER BY amount_usd, t)
),
priced AS (
    SELECT d.*, sum(s.new_deal::INTEGER) OVER (
               PARTITION BY d.kind, d.investor_id, d.target_id, d.tranche
               ORDER BY d.amount_usd, d.t ROWS UNBOUNDED PRECEDING) AS cluster
    FROM d JOIN steps s USING (article_id, deal_no)
),
clusters AS (
    SELECT kind, investor_id, target_id, tranche, cluster,
           min(t) AS first_t, min(amount_usd) AS low_usd
    FROM priced GROUP BY ALL
),
first_cluster AS (
    SELECT kind, investor_id, target_id,
           arg_min(tranche, first_t) AS tranche, arg_min(cluster, first_t) AS cluster
    FROM clusters GROUP BY ALL
),
keyed AS (
    SELECT p.*, c.low_usd, c.tranche AS key_tranche
    FROM priced p JOIN clusters c USING (kind, investor_id, target_id, tranche, cluster)
    UNION ALL BY NAME
    SELECT d.*, f.cluster, c.low_usd, coalesce(f.tranche, false) AS key_tranche
    FROM d
    LEFT JOIN first_cluster f USING (kind, investor_id, target_id)
    LEFT JOIN clusters c ON c.kind = d.kind AND c.investor_id = d.investor_id
         AND c.target_id = d.target_id AND c.tranche = f.tranche AND c.cluster = f.cluster
    WHERE d.amount_usd IS NULL
)
SELECT left(md5(concat_ws('|', kind, investor_id, target_id, key_tranche::VARCHAR,
                          coalesce(low_usd::VARCHAR, '-'))), 16) AS deal_id,
       * EXCLUDE (cluster, low_usd, key_tranche)
FROM keyed;

CREATE OR REPLACE VIEW v_pending_deals AS
WITH reports AS (
    SELECT k.deal_id, d.*
    FROM deal_rows_pending d JOIN deal_report_keys k USING (article_id, deal_no)
),
role_rows AS (
    SELECT deal_id, r.entity_id, r.role, t, pos
    FROM (SELECT deal_id, t, unnest(roles) AS r, unnest(range(len(roles))) AS pos
          FROM reports)
),
roles AS (
    SELECT deal_id,
           list({'entity_id': entity_id, 'role': role} ORDER BY role <> 'lead', first_t, pos)
               AS roles
    FROM (
        SELECT deal_id, entity_id, min(t) AS first_t, min(pos) AS pos,
               CASE WHEN bool_or(role = 'lead') THEN 'lead'
                    WHEN bool_or(role = 'partner') THEN 'partner'
                    ELSE 'participant' END AS role
        FROM role_rows GROUP BY ALL
    )
    GROUP BY deal_id
),
ledger AS (
    SELECT deal_id, kind, investor_id AS investor, target_id AS target,
           arg_min(amount_usd, t) FILTER (WHERE amount_usd IS NOT NULL) AS amount_usd,
           arg_min(amount_max_usd, t) FILTER (WHERE amount_usd IS NOT NULL) AS amount_max_usd,
           coalesce(arg_min(currency, t) FILTER (WHERE amount IS NOT NULL), 'USD') AS currency,
           arg_min(amount, t) FILTER (WHERE amount IS NOT NULL) AS amount,
           arg_min(amount_max, t) FILTER (WHERE amount IS NOT NULL) AS amount_max,
           coalesce(arg_min(qualifier, t) FILTER (WHERE qualifier <> ''), '') AS qualifier,
           max(year) AS year,
           coalesce(arg_max(status, t) FILTER (WHERE status <> 'background'), 'background')
               AS status,
           bool_or(tranche) AS tranche,
           coalesce(arg_min(evidence, t) FILTER (WHERE amount_usd IS NOT NULL),
                    arg_min(evidence, t)) AS evidence,
           arg_min(article_id, t) AS article_id,
           count(DISTINCT article_id) AS sources,
           min(t) AS first_reported,
           max(t) AS last_reported
    FROM reports
    GROUP BY deal_id, kind, investor_id, target_id
)
SELECT l.deal_id, l.kind, l.investor, l.target, l.amount_usd, l.amount_max_usd,
       l.qualifier, l.year, l.evidence, l.article_id, l.sources, l.first_reported,
       l.last_reported,
       CASE WHEN l.status = 'reported' AND l.year < year(l.first_reported) THEN 'background'
            ELSE l.status END AS status,
       coalesce(r.roles, []) AS roles, l.currency, l.amount,
       l.amount_max, l.tranche,
       CASE WHEN l.tranche THEN lag(l.deal_id) OVER (
           PARTITION BY l.kind, l.investor, l.target ORDER BY l.first_reported, l.deal_id)
       END AS follows
FROM ledger l LEFT JOIN roles r USING (deal_id);
