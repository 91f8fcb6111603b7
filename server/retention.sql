-- The statement of server/retention.c and `pnetd purge` (server/tools/purge.c).

-- name: retention_purge
-- params: days, request_id, client_addr
-- One purge run (schema/functions/retention.sql): whether this caller did it (locked) and
-- what it deleted.
SELECT locked, cases, consents, referrals, events, archived, idempotency_keys, login_failures,
       link_failures, outbox_events
  FROM retention_purge($1::int, $2, $3);
