-- Which reader found each deal: `found_by` is 'rules' (extractors/deal_rules.py and the
-- finder around them) or 'model' (extractors/deal_model.py, with the setting `deal_model`).
-- The model's deals are right less often than the rules' (docs/deals.md, "A model beside
-- the rules"), so an analyst can keep or leave them: `WHERE found_by = 'rules'`. A report
-- of `deals` is the model's when the model read it; a deal of the ledger is the rules'
-- when any of its reports is, else the model's. Deals stored before this migration count as
-- the rules' (a warehouse that stored with the setting on marks them after `labwatch retag`).
--
-- Columns are added, not tables rebuilt, and only when missing, so the migration can run
-- again. deal_rows_pending gets the column after `t`: warehouse/deal_ledger.py fills it
-- by name. Views that read the tables with `*` are made again so that every backend binds
-- the new column.
ALTER TABLE deals ADD COLUMN IF NOT EXISTS found_by VARCHAR DEFAULT 'rules';
ALTER TABLE deal_rows_pending ADD COLUMN IF NOT EXISTS found_by VARCHAR;
ALTER TABLE deal_ledger ADD COLUMN IF NOT EXISTS found_by VARCHAR DEFAULT 'rules';

CREATE OR REPLACE VIEW v_deal_reports AS
SELECT k.deal_id, d.*, k.t
FROM deals d JOIN deal_report_keys k USING (article_id, deal_no);

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
           max(t) AS last_reported,
           CASE WHEN bool_or(coalesce(found_by, 'rules') = 'rules') THEN 'rules'
                ELSE 'model' END AS found_by
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
       END AS follows,
       l.found_by
FROM ledger l LEFT JOIN roles r USING (deal_id);

CREATE OR REPLACE VIEW v_deals AS SELECT * FROM deal_ledger;
