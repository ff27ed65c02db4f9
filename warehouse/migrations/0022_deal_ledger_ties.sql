-- Issue 19 (equivalence): the deals ledger no longer depends on the order its reports are
-- read in. 0009's rules (kept by 0013 and 0016) chose between a deal's reports by time alone
-- (arg_min(..., t)); reports of one time (copies of one wire story published at the same
-- minute, undated articles fetched together) then tied, and whichever DuckDB read first gave
-- the deal its amounts, evidence, article and status, and a tranche-less report its deal_id:
-- the ledger kept batch by batch differed from a rebuild (tests/test_deal_ledger_ties.py).
-- Ties are now broken by article_id, then deal_no (the report key); clusters of one first
-- time by tranche, then cluster; roles of one first time and position by entity_id.
-- Otherwise 0016's views unchanged. Then the ledger is computed again under these rules, as
-- warehouse/deal_ledger.py `rebuild` does. (Its inserts are by name, so that it can run
-- again once 0023 has added a column.)

CREATE OR REPLACE VIEW v_pending_deal_reports AS
WITH d AS (SELECT * FROM deal_rows_pending),
steps AS (
    SELECT article_id, deal_no,
           coalesce(amount_usd > 1.15 * lag(amount_usd) OVER w, true) AS new_deal
    FROM d WHERE amount_usd IS NOT NULL
    WINDOW w AS (PARTITION BY kind, investor_id, target_id, tranche
                 ORDER BY amount_usd, t, article_id, deal_no)
),
priced AS (
    SELECT d.*, sum(s.new_deal::INTEGER) OVER (
               PARTITION BY d.kind, d.investor_id, d.target_id, d.tranche
               ORDER BY d.amount_usd, d.t, d.article_id, d.deal_no ROWS UNBOUNDED PRECEDING)
               AS cluster
    FROM d JOIN steps s USING (article_id, deal_no)
),
clusters AS (
    SELECT kind, investor_id, target_id, tranche, cluster,
           min(t) AS first_t, min(amount_usd) AS low_usd
    FROM priced GROUP BY ALL
),
first_cluster AS (
    SELECT kind, investor_id, target_id,
           arg_min(tranche, (first_t, tranche, cluster)) AS tranche,
           arg_min(cluster, (first_t, tranche, cluster)) AS cluster
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
    SELECT k.deal_id, d.*, (d.t, d.article_id, d.deal_no) AS o
    FROM deal_rows_pending d JOIN deal_report_keys k USING (article_id, deal_no)
),
role_rows AS (
    SELECT deal_id, r.entity_id, r.role, t, pos
    FROM (SELECT deal_id, t, unnest(roles) AS r, unnest(range(len(roles))) AS pos
          FROM reports)
),
roles AS (
    SELECT deal_id,
           list({'entity_id': entity_id, 'role': role}
                ORDER BY role <> 'lead', first_t, pos, entity_id)
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
           arg_min(amount_usd, o) FILTER (WHERE amount_usd IS NOT NULL) AS amount_usd,
           arg_min(amount_max_usd, o) FILTER (WHERE amount_usd IS NOT NULL) AS amount_max_usd,
           coalesce(arg_min(currency, o) FILTER (WHERE amount IS NOT NULL), 'USD') AS currency,
           arg_min(amount, o) FILTER (WHERE amount IS NOT NULL) AS amount,
           arg_min(amount_max, o) FILTER (WHERE amount IS NOT NULL) AS amount_max,
           coalesce(arg_min(qualifier, o) FILTER (WHERE qualifier <> ''), '') AS qualifier,
           max(year) AS year,
           coalesce(arg_max(status, o) FILTER (WHERE status <> 'background'), 'background')
               AS status,
           bool_or(tranche) AS tranche,
           coalesce(arg_min(evidence, o) FILTER (WHERE amount_usd IS NOT NULL),
                    arg_min(evidence, o)) AS evidence,
           arg_min(article_id, o) AS article_id,
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

-- The kept ledger, computed again (deal_ledger.rebuild, in SQL).
DELETE FROM deal_report_keys;
DELETE FROM deal_ledger;
DELETE FROM deal_groups_pending;
DELETE FROM deal_times_pending;
DELETE FROM deal_rows_pending;
INSERT INTO deal_groups_pending SELECT DISTINCT kind, investor_id, target_id FROM deals;
INSERT INTO deal_times_pending
SELECT a.article_id, coalesce(a.published_at, a.fetched_at)
FROM articles a SEMI JOIN deals USING (article_id);
INSERT INTO deal_rows_pending BY NAME
SELECT d.*, n.t FROM deals d LEFT JOIN deal_times_pending n USING (article_id);
INSERT INTO deal_report_keys (article_id, deal_no, deal_id, t, kind, investor_id, target_id)
SELECT article_id, deal_no, deal_id, t, kind, investor_id, target_id
FROM v_pending_deal_reports ORDER BY t;
INSERT INTO deal_ledger BY NAME SELECT * FROM v_pending_deals ORDER BY first_reported;
DELETE FROM deal_groups_pending;
DELETE FROM deal_times_pending;
DELETE FROM deal_rows_pending;
