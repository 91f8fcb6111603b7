-- The statements of server/api/accounts.c: accounts, their integration tokens, and every
-- account's own password change. Writes add their audit row in the same statement.

-- name: account_create
-- params: actor, login, display_name, password_hash, role, node_id, network_ids, disabled,
--         must_change_password
-- A password an admin sets is its owner's to replace (must_change_password), unless the
-- request says otherwise.
WITH a AS (
    INSERT INTO account (login, display_name, password_hash, role, node_id, network_ids,
                         disabled, must_change_password, password_changed_at)
    VALUES ($5, $6, $7, $8, $9::uuid, coalesce($10::uuid[], '{}'),
            coalesce($11::boolean, false), coalesce($12::boolean, $7::text IS NOT NULL),
            CASE WHEN $7::text IS NOT NULL THEN now() END)
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'account.create', 'account', a.id, $3, $4,
           jsonb_build_object('login', a.login, 'role', a.role)
      FROM a)
SELECT 'created' AS outcome, account_json(a)::text AS body, a.version,
       '/v1/accounts/' || a.id AS location
  FROM a;

-- name: account_list
-- params: role, after_1, after_2, limit
-- By login; role: only accounts of that role.
SELECT account_json(a)::text AS body, a.login, a.id::text
  FROM account a
 WHERE ($1::text IS NULL OR a.role = $1)
   AND ($2::text IS NULL OR (a.login, a.id) > ($2::text, $3::uuid))
 ORDER BY a.login, a.id
 LIMIT $4::int;

-- name: account_get
-- params: id
SELECT account_json(a)::text AS body, a.version FROM account a WHERE a.id = $1;

-- name: account_update
-- params: actor, id, expected_version, patch, password_hash
-- Changes the fields the patch names; a new password (its hash) ends the account's sessions
-- and, set by an admin for someone else, is theirs to replace. Admins cannot disable or
-- demote themselves, so that a network never loses its last admin by accident.
WITH u AS (
    UPDATE account SET
        display_name = CASE WHEN $7::jsonb ? 'display_name' THEN $7::jsonb->>'display_name'
                            ELSE display_name END,
        role = CASE WHEN $7::jsonb ? 'role' THEN $7::jsonb->>'role' ELSE role END,
        node_id = CASE WHEN $7::jsonb ? 'node_id' THEN ($7::jsonb->>'node_id')::uuid
                       ELSE node_id END,
        network_ids = CASE WHEN $7::jsonb ? 'network_ids'
                           THEN ARRAY(SELECT jsonb_array_elements_text($7::jsonb->'network_ids'))::uuid[]
                           ELSE network_ids END,
        disabled = CASE WHEN $7::jsonb ? 'disabled' THEN ($7::jsonb->>'disabled')::boolean
                        ELSE disabled END,
        password_hash = coalesce($8::text, password_hash),
        must_change_password = CASE WHEN $7::jsonb ? 'must_change_password'
                                    THEN ($7::jsonb->>'must_change_password')::boolean
                                    WHEN $8::text IS NOT NULL THEN id <> $1::uuid
                                    ELSE must_change_password END,
        password_changed_at = CASE WHEN $8::text IS NOT NULL THEN now()
                                   ELSE password_changed_at END,
        version = version + 1,
        updated_at = now()
     WHERE id = $5 AND ($6::int IS NULL OR version = $6::int)
       AND NOT (id = $1::uuid AND (coalesce(($7::jsonb->>'disabled')::boolean, false)
                                   OR coalesce($7::jsonb->>'role', 'admin') <> 'admin'))
    RETURNING *),
ended AS (
    UPDATE api_token SET revoked_at = now()
     WHERE account_id = $5 AND kind = 'session' AND revoked_at IS NULL
       AND $8::text IS NOT NULL AND EXISTS (SELECT 1 FROM u)),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'account.update', 'account', u.id, $3, $4,
           jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys($7::jsonb) k),
                              'password_changed', $8::text IS NOT NULL)
      FROM u)
SELECT 'ok' AS outcome, account_json(u)::text AS body, u.version, NULL AS location
  FROM u
UNION ALL
SELECT CASE WHEN $6::int IS NOT NULL AND a.version <> $6::int THEN stale('account', a.version)
            ELSE problem(409, 'self-lockout', 'You cannot disable your own account or take '
                                              'away your own admin role.') END,
       NULL, NULL, NULL
  FROM account a
 WHERE a.id = $5 AND NOT EXISTS (SELECT 1 FROM u);

-- name: token_account_role
-- params: account
-- The account's role, which decides the scopes its tokens may hold.
SELECT role FROM account WHERE id = $1;

-- name: token_create
-- params: actor, account, token_hash, label, scopes, days, role
-- An integration token of the account, if it still has the role its scopes were checked for
-- (409 when it changed meanwhile).
WITH a AS (SELECT id, role FROM account WHERE id = $5),
t AS (
    INSERT INTO api_token (account_id, token_hash, kind, label, scopes, expires_at)
    SELECT a.id, $6, 'integration', $7, $8::text[], now() + make_interval(days => $9::int)
      FROM a WHERE a.role = $10
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'token.create', 'api_token', t.id, $3, $4,
           jsonb_build_object('account_id', t.account_id, 'scopes', t.scopes)
      FROM t)
SELECT 'created' AS outcome, token_json(t)::text AS body, NULL::int AS version,
       NULL::text AS location
  FROM t
UNION ALL
SELECT problem(409, 'conflict', 'The account''s role changed while the token was made; try '
                                'again.'), NULL, NULL, NULL
  FROM a WHERE a.role <> $10;

-- name: token_list
-- params: account, after_1, after_2, limit
-- Newest first.
SELECT token_json(t)::text AS body, t.created_at::text, t.id::text
  FROM api_token t
 WHERE t.account_id = $1
   AND ($2::text IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid))
 ORDER BY t.created_at DESC, t.id DESC
 LIMIT $4::int;

-- name: token_account_exists
-- params: account
SELECT 1 FROM account WHERE id = $1;

-- name: token_revoke
-- params: actor, id, anyones
-- A token of the caller's own account, or of anyone's when anyones (admins).
WITH t AS (
    UPDATE api_token SET revoked_at = coalesce(revoked_at, now())
     WHERE id = $5 AND ($6::boolean OR account_id = $1::uuid)
    RETURNING id),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'token.revoke', 'api_token', t.id, $3, $4 FROM t)
SELECT 'ok' AS outcome, NULL::text AS body, NULL::int AS version, NULL::text AS location
  FROM t;

-- name: account_password_lookup
-- params: account, client_addr, window_minutes, free_failures, max_delay_s, max_per_login,
--         max_per_address, known_days
-- The stored hash, the login, and the seconds the attempt is held back (NULL when it is let
-- through). A check of the current password is a login attempt: it is counted as a failure
-- before the check (login_attempt, schema/functions/session.sql).
SELECT a.password_hash, a.login, t.retry_after
  FROM account a,
       LATERAL login_attempt(a.login, $2, $3::int, $4::int, $5::int, $6::int, $7::int,
                             $8::int) t
 WHERE a.id = $1;

-- name: account_password_failed
-- params: actor
-- A wrong current password (counted already by account_password_lookup).
INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                       client_addr)
VALUES ($1::uuid, $2::uuid, 'account.password_change_failed', 'account', $1::uuid, $3, $4);

-- name: account_password_change
-- params: actor, checked_hash, new_hash, session
-- The owner's new password, if the stored one is still the hash the current password was
-- checked against (no row: it changed meanwhile); the account's other sessions end.
WITH u AS (
    UPDATE account SET password_hash = $6, must_change_password = false,
                       password_changed_at = now(), version = version + 1, updated_at = now()
     WHERE id = $1::uuid AND password_hash = $5
    RETURNING *),
ended AS (
    UPDATE api_token SET revoked_at = now()
     WHERE account_id = $1::uuid AND kind = 'session' AND revoked_at IS NULL
       AND id <> $7::uuid AND EXISTS (SELECT 1 FROM u)),
-- As a successful login does: this address's failures go, the address is known.
cleared AS (
    DELETE FROM login_failure f USING u
     WHERE f.login = u.login AND f.client_addr = $4),
known AS (
    INSERT INTO login_known_address (login, client_addr)
    SELECT u.login, $4 FROM u
    ON CONFLICT (login, client_addr) DO UPDATE SET last_success_at = now()),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'account.password_change', 'account', u.id, $3, $4 FROM u)
SELECT account_json(u)::text AS body, u.version FROM u;
