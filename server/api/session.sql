-- The statements of server/api/session.c: logging in and out, and "who am I".

-- name: session_attempt
-- params: login, client_addr, window_minutes, free_failures, max_delay_s, max_per_login,
--         max_per_address, known_days
-- Either the attempt is held back (retry_after seconds, and the reason why), or it is let
-- through and counted as a failure before the password is checked (login_attempt,
-- schema/functions/session.sql), with the account when the login exists.
SELECT retry_after, reason, attempt_id, account_id, password_hash, disabled
  FROM login_attempt($1, $2, $3::int, $4::int, $5::int, $6::int, $7::int, $8::int);

-- name: session_create
-- params: actor, token_hash, hours, login, known_days
-- A session token of the account (the actor). The failures of this login from this address
-- (the attempt itself among them) go, and the address is known for the login from now on;
-- addresses not used for known_days are forgotten.
WITH t AS (
    INSERT INTO api_token (account_id, token_hash, kind, expires_at)
    VALUES ($1, $5, 'session', now() + make_interval(hours => $6::int))
    RETURNING id, expires_at),
cleared AS (DELETE FROM login_failure WHERE login = $7 AND client_addr = $4),
known AS (
    INSERT INTO login_known_address (login, client_addr) VALUES ($7, $4)
    ON CONFLICT (login, client_addr) DO UPDATE SET last_success_at = now()),
forgotten AS (
    DELETE FROM login_known_address
     WHERE login = $7 AND client_addr <> $4
       AND last_success_at < now() - make_interval(days => $8::int)),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'auth.login', 'api_token', t.id, $3, $4 FROM t)
SELECT to_json(t.expires_at)#>>'{}' AS expires_at, account_json(a)::text AS account
  FROM t, account a
 WHERE a.id = $1;

-- name: session_failed
-- params: actor, login
-- A failed login (the actor's account is the login's, when it exists): the failure itself
-- was counted by session_attempt, before the check. Failures older than a day of the same
-- login or address go.
WITH old AS (
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
