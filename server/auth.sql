-- The statements of server/auth.c and server/token_use.c.

-- name: auth_token
-- params: token_hash
-- The token and its account, when the token is valid: a pure read, so that it may run on a
-- standby; whether its last use is older than a minute (token_use.c writes it in batches);
-- when it expires (Unix time: how long token_cache.c may keep the check).
SELECT a.id, a.login, a.role, coalesce(a.node_id::text, '') AS node_id, a.network_ids::text,
       t.id, t.kind, t.scopes::text,
       t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute' AS use_to_record,
       a.must_change_password, floor(extract(epoch FROM t.expires_at))::bigint
  FROM api_token t
  JOIN account a ON a.id = t.account_id
 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
   AND NOT a.disabled;

-- name: auth_token_used
-- params: token_ids
-- The last use of a batch of tokens, at most once a minute each.
UPDATE api_token SET last_used_at = now()
 WHERE id = ANY ($1::uuid[])
   AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');
