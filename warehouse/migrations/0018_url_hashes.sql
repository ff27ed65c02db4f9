-- Issue 19: a batch's URL keys looked up by integer, not by a scan of 1M strings.
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
