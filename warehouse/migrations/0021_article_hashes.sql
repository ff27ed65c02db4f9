-- Issue 17: an article found by its key without a scan of every key. The web's article page
-- reads an article by `article_id`, which keeps no index (0014): a filter on it decompresses
-- every stored key (1M strings: 40-60 ms under load, against 6 ms). `article_hashes` holds
-- each article's md5_number_lower(article_id) (an unsigned 64-bit integer, stored
-- uncompressed), one row per `articles` row and in its order: the writers append both in
-- one transaction (warehouse/articles.py), so a hash's position here is its article's
-- position (rowid) there. warehouse/positions.py `articles_by_key` scans these integers
-- (a few ms), reads the rows at the positions found and checks each against its key; a key
-- not found where expected (a table out of step, a row written without its hash) is read
-- by a scan, as before. A table of its own, as `url_hashes` (0018). Built from `articles`,
-- in its order, each time it runs.
DROP TABLE IF EXISTS article_hashes;
CREATE TABLE article_hashes AS SELECT md5_number_lower(article_id) AS article_hash FROM articles;
