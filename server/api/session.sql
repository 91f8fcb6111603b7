-- The statements of server/api/session.c: logging in and out, and "who am I".

-- name: session_lookup
-- params: login, client_addr, window_minutes, failures_per_login, failures_per_address
-- The seconds until the throttle per login and per address lifts (NULL when not
-- throttled), and the account with its password hash, when there is one.
SELECT (SELECT greatest(1, ceil(extract(epoch FROM f.at + make_interval(mins => $3::int)
                                                 - now())))::int
          FROM login_failure f
         WHERE f.login = $1 AND f.at > now() - make_interval(mins => $3::int)
         ORDER BY f.at DESC
        OFFSET $4::int - 1
         LIMIT 1) AS login_retry_after,
       (SELECT greatest(1, ceil(extract(epoch FROM f.at + make_interval(mins => $3::int)
                                                 - now())))::int
          FROM login_failure f
         WHERE f.client_addr = $2 AND f.at > now() - make_interval(mins => $3::int)
         ORDER BY f.at DESC
        OFFSET $5::int - 1
         LIMIT 1) AS address_retry_after,
       a.id, a.password_hash, a.disabled
  FROM (SELECT 1) one
  LEFT JOIN account a ON a.login = $1;

-- name: session_create
-- params: actor, token_hash, hours, login
-- A session token of the account (the actor); the login's failures are forgotten.
WITH t AS (
    INSERT INTO api_token (account_id, token_hash, kind, expires_at)
    VALUES ($1, $5, 'session', now() + make_interval(hours => $6::int))
    RETURNING id, expires_at),
cleared AS (DELETE FROM login_failure WHERE login = $7),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'auth.login', 'api_token', t.id, $3, $4 FROM t)
SELECT to_json(t.expires_at)#>>'{}' AS expires_at, account_json(a)::text AS account
  FROM t, account a
 WHERE a.id = $1;

-- name: session_failed
-- params: actor, login
-- A failed login (the actor's account is the login's, when it exists); failures older than
-- a day of the same login or address go.
WITH f AS (INSERT INTO login_failure (login, client_addr) VALUES ($5, $4)),
old AS (
    DELETE FROM login_failure
     WHERE (login = $5 OR client_addr = $4) AND at < now() - interval '1 day')
INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                       client_addr, detail)
VALUES ($1::uuid, $2::uuid, 'auth.login_failed', 'account', $1::uuid, $3, $4,
        jsonb_build_object('login', $5::text));

-- name: session_revoke
-- params: actor, token
-- Log out: the session token ends.
WITH t AS (
    UPDATE api_token SET revoked_at = now()
     WHERE id = $5 AND revoked_at IS NULL
    RETURNING id),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'auth.logout', 'api_token', t.id, $3, $4 FROM t)
SELECT count(*) FROM t;

-- name: session_me
-- params: token
-- The account and the token in use.
SELECT json_build_object(
           'account', account_json(a),
           'token', json_build_object('id', t.id, 'kind', t.kind, 'label', t.label,
                                      'scopes', t.scopes, 'created_at', t.created_at,
                                      'expires_at', t.expires_at))::text AS body
  FROM api_token t
  JOIN account a ON a.id = t.account_id
 WHERE t.id = $1;
