-- The deals ledger: deals first reported since a date, largest first.
-- param: since = 2000-01-01
SELECT kind, investor, target, amount_usd, amount_max_usd, qualifier, year, sources,
       first_reported, evidence
FROM v_deals
WHERE first_reported >= $since::TIMESTAMPTZ
ORDER BY amount_usd DESC NULLS LAST, sources DESC;
