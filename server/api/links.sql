-- The statements of server/api/links.c: accept by link (schema/functions/links.sql). The
-- sender's routes take the actor; the link's routes take the link the attempt resolved.

-- name: link_send
-- params: actor, id, link_hash, link_token, link_days, public_url
SELECT * FROM link_send($1, $2, $3, $4, $5, $6, $7, $8::int, $9);

-- name: link_revoke
-- params: actor, id
SELECT * FROM link_revoke($1, $2, $3, $4, $5);

-- name: link_attempt
-- params: token_hash, client_addr, referral, window_minutes, free_failures, max_delay_s,
--         max_per_token
-- Held back (retry_after, reason), refused (refusal, recorded for the throttle) or let
-- through (link_id, node_id) (link_attempt).
SELECT retry_after, reason, refusal, link_id, node_id
  FROM link_attempt($1, $2, $3::uuid, $4::int, $5::int, $6::int, $7::int);

-- name: link_read
-- params: link, request_id, client_addr
SELECT * FROM link_read($1, $2, $3);

-- name: link_state
-- params: link
-- What a move through the link checks first (against lib/referral.c): status and version.
SELECT x.status, x.version
  FROM referral x JOIN referral_link l ON l.referral_id = x.id
 WHERE l.id = $1;

-- name: link_transition
-- params: link, request_id, client_addr, expected_version, to, reason, outcome,
--         appointment_at, expected_on, note
SELECT * FROM link_transition($1, $2, $3, $4::int, $5, $6, $7, $8, $9, $10);
