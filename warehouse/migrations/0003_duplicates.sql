-- One article per story: every URL that led to an article, exact duplicates by content hash,
-- and clusters of syndicated copies by a near-duplicate fingerprint.

-- Every URL key (hash of a canonical URL) that led to an article: the feed entry's URL in
-- each spelling seen, and the page's own canonical URL.
CREATE TABLE article_urls (
    url_key     VARCHAR PRIMARY KEY,
    article_id  VARCHAR NOT NULL,
    url         VARCHAR NOT NULL
);
INSERT INTO article_urls SELECT article_id, article_id, url FROM articles;

ALTER TABLE articles ADD COLUMN fingerprint BIGINT;    -- 64-bit SimHash of the text, signed
ALTER TABLE articles ADD COLUMN cluster_id VARCHAR;    -- the first article of its story
UPDATE articles SET cluster_id = article_id;
