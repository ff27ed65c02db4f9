-- What the page an article's link led to was: 'article', or 'index' (a home page, a section,
-- tag, author or search page), 'products' (a product grid) or 'consent' (a cookie-consent
-- wall), whose text is not stored as the article's (the feed's own text is, when it has
-- some). NULL when no page text was seen: the page failed, or the article predates this.
ALTER TABLE articles ADD COLUMN page_kind VARCHAR;

-- v_articles as before, with page_kind last.
CREATE OR REPLACE VIEW v_articles AS
SELECT a.article_id, a.title, a.canonical_url AS url,
       coalesce(nullif(a.site_name, ''), split_part(a.url, '/', 3)) AS site,
       a.author, a.published_at, a.fetched_at,
       isoyear(coalesce(a.published_at, a.fetched_at)) || '-W'
           || lpad(week(coalesce(a.published_at, a.fetched_at))::VARCHAR, 2, '0') AS iso_week,
       a.language, a.text_source, a.extractor, a.cluster_id, length(a.text) AS chars,
       a.page_kind
FROM articles a;
