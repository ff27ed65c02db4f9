-- Deals as the press writes them (issue 14). Each deal report gets a status (reported,
-- in_talks, background, denied), the roles of a round's backers or a venture's partners, its
-- amount as written with its currency (amount_usd stays the converted figure) and a tranche
-- flag; an article may report several deals of the same parties (a deal and its tranche), so
-- the key is the deal's place in its article. The ledger folds one deal's reports from every
-- outlet into one row, and links a tranche to the deal before it.

DROP VIEW IF EXISTS v_deals;

-- The new columns come after the old ones; a writer that names no deal_no (one written before
-- this migration) still gets a key of its own from the sequence.
CREATE SEQUENCE deal_nos START 1000000;
CREATE TABLE deals_0009 (
    article_id      VARCHAR NOT NULL,
    -- investment | acquisition | merger | partnership | compute | distribution | licensing
    -- | acquihire | joint_venture (docs/deals.md)
    kind            VARCHAR NOT NULL,
    investor_id     VARCHAR NOT NULL,   -- investor, acquirer, provider, platform, licensee, hirer
    target_id       VARCHAR NOT NULL,
    amount_usd      DOUBLE,             -- in US dollars: the amount, or the low end of a range
    amount_max_usd  DOUBLE,
    qualifier       VARCHAR,            -- up to, at least, more than, about, reportedly
    year            INTEGER,
    evidence        VARCHAR,
    deal_no         INTEGER NOT NULL DEFAULT nextval('deal_nos'),  -- its place in its article
    status          VARCHAR NOT NULL DEFAULT 'reported',
    roles           STRUCT(entity_id VARCHAR, role VARCHAR)[] NOT NULL DEFAULT [],
    currency        VARCHAR NOT NULL DEFAULT 'USD',   -- of the amount as written
    amount          DOUBLE,             -- as written, in `currency`
    amount_max      DOUBLE,
    tranche         BOOLEAN NOT NULL DEFAULT false,   -- money on top of an earlier deal
    PRIMARY KEY (article_id, deal_no)
);

INSERT INTO deals_0009 (article_id, deal_no, kind, investor_id, target_id, amount_usd,
                        amount_max_usd, qualifier, year, evidence, amount, amount_max)
SELECT article_id,
       (row_number() OVER (PARTITION BY article_id ORDER BY kind, investor_id, target_id) - 1)::INTEGER,
       kind, investor_id, target_id, amount_usd, amount_max_usd, qualifier, year, evidence,
       amount_usd, amount_max_usd
FROM deals;

DROP TABLE deals;
ALTER TABLE deals_0009 RENAME TO deals;

-- Every deal report with the ledger row (deal_id) it belongs to. Reports of one kind and pair
-- of parties are one deal when their amounts are within 15 % of the next smaller one (outlets
-- round differently: $14 billion, $14.2 billion); a tranche ("an additional $4 billion") is a
-- deal of its own; a report without an amount belongs to the parties' first-reported deal.
CREATE VIEW v_deal_reports AS
WITH d AS (
    SELECT d.*, coalesce(a.published_at, a.fetched_at) AS t
    FROM deals d JOIN articles a USING (article_id)
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

-- The deals ledger: one row per deal, however many articles reported it. status is the latest
-- report's (a background mention does not change it), and background when a report dates the
-- deal to a year before its first report; roles are every report's backers or partners (a
-- lead stays a lead); follows is the deal a tranche adds to.
CREATE VIEW v_deals AS
WITH role_rows AS (
    SELECT deal_id, r.entity_id, r.role, t, pos
    FROM (SELECT deal_id, t, unnest(roles) AS r, unnest(range(len(roles))) AS pos
          FROM v_deal_reports)
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
    FROM v_deal_reports
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
