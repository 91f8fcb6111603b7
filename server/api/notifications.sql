-- The statements of server/api/notifications.c: which notifications an account wants by e-mail.

-- name: notifications_get
-- params: account
SELECT account_notifications_json(a)::text AS body, a.version FROM account a WHERE a.id = $1::uuid;

-- name: notifications_put
-- params: actor, kinds
-- The caller's own account: the kinds (a jsonb array) replace those it had.
WITH u AS (
    UPDATE account SET
        email_kinds = ARRAY(SELECT DISTINCT jsonb_array_elements_text($5::jsonb) ORDER BY 1),
        version = version + 1, updated_at = now()
     WHERE id = $1::uuid
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'account.notifications_update', 'account', u.id, $3, $4,
           jsonb_build_object('email_kinds', u.email_kinds)
      FROM u)
SELECT 'ok' AS outcome, account_notifications_json(u)::text AS body, u.version,
       NULL AS location
  FROM u;
