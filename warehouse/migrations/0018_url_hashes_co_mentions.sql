-- Issue 19: a batch's URL keys looked up by integer, not by a scan of 1M strings; and
-- v_co_mentions for one week reading that week's rows only (below).
--
-- Every batch the ingest stores looks its URL keys up in `article_urls`, which keeps no key
-- index (0014). A join on `url_key` decompresses every stored key (FSST strings): at 1M
-- articles 0.10-0.15 s of CPU on the fresh connection each batch opens. `url_hashes` holds
-- each stored key's md5_number_lower (an unsigned 64-bit integer, stored uncompressed), one
-- row per `article_urls` row: warehouse/articles.py `articles_for_keys` scans it (8 bytes a
-- row, 0.016 s) and compares strings only when a hash matches, which for the new keys that
-- are most of a batch it never does. A table of its own rather than a column, so the
-- migrations that rebuild `article_urls` from itself (0014) still run again, and no writer
-- of `article_urls` in SQL misses a column: when the two tables' counts differ (a row
-- written without its hash), the lookup compares the strings, as before. Built from
-- `article_urls` each time it runs.
DROP TABLE IF EXISTS url_hashes;
CREATE TABLE url_hashes AS SELECT md5_number_lower(url_key) AS url_hash FROM article_urls;

-- v_co_mentions for one week without reading every article's entities. 0016 took the weeks
-- from an aggregate over all of `article_entities` and joined the rows by quarter hour, an
-- expression no filter reaches: every row was read for one week (0.47-0.57 s of CPU at 10M
-- mentions). Here the weeks come from the quarter hours between the first and last row's
-- time (`range`; the first and last times are one scan of a timestamp column), each week
-- as the time range [lo, hi) of its quarter hours, and rows join their week by time: a
-- filter on iso_week leaves one range, which reaches the scan of `article_entities` (kept
-- in time order), so only that week's rows are read (0.08 s). The same weeks as 0016's,
-- in the session's time zone: every time zone in use has its midnights on quarter hours.
-- Measured on the same 1M/10M warehouse, cold, load 6: one week 0.31-0.32 -> 0.07-0.12 s of
-- CPU (wall 0.57-0.81 -> 0.11-0.28 s); every week at once is slower, 2.15 -> 2.78 s of CPU
-- (a range join where 0016 joined by hash): the view is read by the week.
CREATE OR REPLACE VIEW v_co_mentions AS
WITH span AS (
    SELECT floor(epoch_us(min(t)) / 9e8)::BIGINT AS lo, floor(epoch_us(max(t)) / 9e8)::BIGINT AS hi
    FROM article_entities
),
weeks AS (
    SELECT iso_week, to_timestamp(min(quarter) * 900) AS lo,
           to_timestamp((max(quarter) + 1) * 900) AS hi
    FROM (
        SELECT q.quarter, isoyear(to_timestamp(q.quarter * 900)) || '-W'
                   || lpad(week(to_timestamp(q.quarter * 900))::VARCHAR, 2, '0') AS iso_week
        FROM span, range(span.lo, span.hi + 1) q(quarter)
    )
    GROUP BY iso_week
),
per_article AS (
    SELECT ae.article_id, wk.iso_week, list(ae.entity_id) AS es
    FROM article_entities ae JOIN weeks wk ON ae.t >= wk.lo AND ae.t < wk.hi
    GROUP BY ALL
),
firsts AS (SELECT iso_week, es, unnest(es) AS entity_a FROM per_article),
pairs AS (
    SELECT entity_a, unnest([e FOR e IN es IF e > entity_a]) AS entity_b, iso_week FROM firsts
)
SELECT entity_a, entity_b, iso_week, count(*) AS articles FROM pairs GROUP BY ALL;
