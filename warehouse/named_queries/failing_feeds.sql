-- Feeds whose last fetch failed, with their last error and when they are next tried.
-- A password in a feed's URL is shown as *** (as `labwatch feeds list` does).
SELECT regexp_replace(url, '^([a-z]+://[^/@:]*:)[^/@]*@', '\1***@') AS url,
       name, last_outcome, last_error, consecutive_failures, last_success_at, next_due_at
FROM v_feed_health
WHERE last_outcome NOT IN ('ok', 'not_modified')
ORDER BY consecutive_failures DESC, url;
