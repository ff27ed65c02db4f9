-- Stories: the MinHash signature and LSH band keys of each article (extractors/stories.py), so
-- that an arriving article finds the articles that may tell its story with one join on the
-- band keys; and v_stories, one row per story (cluster) with its first article, its sources
-- and its size.

CREATE TABLE story_keys (
    article_id  VARCHAR PRIMARY KEY,
    t           TIMESTAMPTZ NOT NULL,   -- the article's time (published, else fetched)
    shingles    INTEGER NOT NULL,       -- distinct 3-word shingles of its text
    signature   BLOB NOT NULL           -- 128 MinHash minima, unsigned 32-bit little-endian
);

CREATE TABLE story_bands (
    band        BIGINT NOT NULL,        -- hash of one band of the signature
    article_id  VARCHAR NOT NULL,
    t           TIMESTAMPTZ NOT NULL
);

-- A source is a publisher: the page's site name, else the feed's name for the site. Articles
-- stored before this migration without one, or with only a host (and port) as their site
-- name, take the title of the first feed that carried them.
UPDATE articles SET site_name = f.name
FROM (
    SELECT af.article_id, arg_min(coalesce(nullif(fd.title, ''), nullif(fd.name, '')), af.first_seen_at) AS name
    FROM article_feeds af JOIN feeds fd USING (feed_id)
    GROUP BY af.article_id
) f
WHERE articles.article_id = f.article_id AND f.name IS NOT NULL
  AND (coalesce(articles.site_name, '') = ''
       OR lower(articles.site_name) = lower(split_part(articles.url, '/', 3))
       OR lower(articles.site_name) = regexp_replace(lower(split_part(articles.url, '/', 3)), '^www\.|:\d+$', '', 'g'));

CREATE VIEW v_stories AS
WITH a AS (
    SELECT a.article_id, coalesce(a.cluster_id, a.article_id) AS story_id, a.title,
           a.canonical_url, coalesce(a.published_at, a.fetched_at) AS t,
           coalesce(nullif(a.site_name, ''),
                    regexp_replace(split_part(a.url, '/', 3), '^www\.|:\d+$', '', 'g')) AS source
    FROM articles a
)
SELECT story_id,
       arg_min(article_id, t) AS first_article_id,
       arg_min(title, t) AS title,
       arg_min(canonical_url, t) AS url,
       arg_min(source, t) AS first_source,
       min(t) AS first_seen,
       max(t) AS last_seen,
       count(*) AS articles,
       count(DISTINCT source) AS sources,
       list(DISTINCT source ORDER BY source) AS source_names
FROM a
GROUP BY story_id;
