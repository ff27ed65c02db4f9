-- Issue 19: the deals ledger kept as tables, not computed on every read.
--
-- v_deals (0009) folded every deal report of the warehouse into the ledger each time it was
-- read: a window over all reports, joined with every article for its time, 5 s at 100k
-- deals, and the digest read it two or three times. The ledger depends on the reports of one
-- kind and pair of parties (a group: `kind`, `investor_id`, `target_id`) and on their
-- articles' times only, so it is now kept per group: every writer of deals or of an
-- article's time (warehouse/articles.py) computes again the groups it touched, with the
-- views below, which hold 0009's rules unchanged (warehouse/deal_ledger.py `refresh`).
--
-- A writer puts the groups to compute in `deal_groups_pending`, and the new time of each
-- article whose deals are new or whose time changed in `deal_times_pending` (the other
-- reports keep the time kept with them: no join with every article), inside its
-- transaction, and empties both before it commits. `v_pending_deal_reports`: each report of
-- those groups with its deal_id and time, as v_deal_reports was; `v_pending_deals`: their
-- ledger rows, as v_deals was, from the kept reports. tests/test_deal_ledger.py checks the
-- kept tables equal both computed from scratch after appends, replays, date changes,
-- upgrades and retags.

DROP VIEW IF EXISTS v_deals;
DROP VIEW IF EXISTS v_deal_reports;

CREATE TABLE deal_groups_pending (
    kind         VARCHAR NOT NULL,
    investor_id  VARCHAR NOT NULL,
    target_id    VARCHAR NOT NULL
);
CREATE TABLE deal_times_pending (
    article_id   VARCHAR NOT NULL,
    t            TIMESTAMPTZ NOT NULL
);

-- The deal each report belongs to, and its article's time (published, else fetched).
CREATE TABLE deal_report_keys (
    article_id   VARCHAR NOT NULL,
    deal_no      INTEGER NOT NULL,
    deal_id      VARCHAR NOT NULL,
    t            TIMESTAMPTZ NOT NULL,
    kind         VARCHAR NOT NULL,
    investor_id  VARCHAR NOT NULL,
    target_id    VARCHAR NOT NULL
);

CREATE VIEW v_pending_deal_reports AS
WITH d AS (
    SELECT d.*, coalesce(n.t, k.t) AS t
    FROM deals d
    SEMI JOIN deal_groups_pending USING (kind, investor_id, target_id)
    LEFT JOIN deal_times_pending n USING (article_id)
    LEFT JOIN deal_report_keys k USING (article_id, deal_no)
),
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

-- Every group, with the time of every article that reports a deal.
INSERT INTO deal_groups_pending SELECT DISTINCT kind, investor_id, target_id FROM deals;
INSERT INTO deal_times_pending
SELECT a.article_id, coalesce(a.published_at, a.fetched_at) FROM articles a
SEMI JOIN deals USING (article_id);

INSERT INTO deal_report_keys
SELECT article_id, deal_no, deal_id, t, kind, investor_id, target_id
FROM v_pending_deal_reports
ORDER BY t;

-- Every deal report with the ledger row (deal_id) it belongs to (0009's rules).
CREATE VIEW v_deal_reports AS
SELECT k.deal_id, d.*, k.t
FROM deals d JOIN deal_report_keys k USING (article_id, deal_no);

CREATE VIEW v_pending_deals AS
WITH reports AS (
    SELECT * FROM v_deal_reports
    SEMI JOIN deal_groups_pending USING (kind, investor_id, target_id)
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

CREATE TABLE deal_ledger AS SELECT * FROM v_pending_deals ORDER BY first_reported;
DELETE FROM deal_groups_pending;
DELETE FROM deal_times_pending;

-- The deals ledger: one row per deal, however many articles reported it (0009's rules).
CREATE VIEW v_deals AS SELECT * FROM deal_ledger;

