-- The deals ledger: deals first reported since a date, largest first, with status and roles.
-- status: reported, in_talks, background or denied; roles: a round's backers, a venture's
-- partners ("lead:iconiq, participant:nvidia").
-- param: since = 2000-01-01
SELECT kind, investor, target, amount_usd, amount_max_usd, qualifier, year, status,
       array_to_string(list_transform(roles, r -> r.role || ':' || r.entity_id), ', ') AS roles,
       sources, first_reported, evidence
FROM v_deals
WHERE first_reported >= $since::TIMESTAMPTZ
ORDER BY amount_usd DESC NULLS LAST, sources DESC;
