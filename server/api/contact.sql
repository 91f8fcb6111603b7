-- The statements of server/api/contact.c: an account's contact, and a referral's two sides.

-- name: contact_update
-- params: actor, id, expected_version, patch, admin
-- The caller's own account or, for an admin, any: the fields the patch names. An account the
-- caller may not change is not found (404).
WITH u AS (
    UPDATE account a SET
        display_name = CASE WHEN $7::jsonb ? 'display_name' THEN $7::jsonb->>'display_name'
                            ELSE a.display_name END,
        phone = CASE WHEN $7::jsonb ? 'phone' THEN $7::jsonb->>'phone' ELSE a.phone END,
        email = CASE WHEN $7::jsonb ? 'email' THEN $7::jsonb->>'email' ELSE a.email END,
        version = a.version + 1, updated_at = now()
     WHERE a.id = $5 AND (a.id = $1::uuid OR $8::boolean)
       AND ($6::int IS NULL OR a.version = $6::int)
    RETURNING a.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'account.contact_update', 'account', u.id, $3, $4,
           jsonb_build_object('fields', (SELECT jsonb_agg(k ORDER BY k)
                                           FROM jsonb_object_keys($7::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome,
       (account_contact_json(u)::jsonb || jsonb_build_object('version', u.version))::text AS body,
       u.version, NULL AS location
  FROM u
UNION ALL
SELECT stale('account', a.version), NULL, NULL, NULL
  FROM account a
 WHERE a.id = $5 AND (a.id = $1::uuid OR $8::boolean) AND NOT EXISTS (SELECT 1 FROM u);

-- name: contact_get
-- params: id, admin, account
-- The account's contact, for the account itself or an admin.
SELECT (account_contact_json(a)::jsonb || jsonb_build_object('version', a.version))::text AS body,
       a.version
  FROM account a
 WHERE a.id = $1 AND (a.id = $3::uuid OR $2::boolean);

-- name: contact_referral
-- params: node, referral
-- The two sides' contacts, for the sender and the receiver only.
SELECT referral_contact_json(r)::text AS body
  FROM referral r
 WHERE r.id = $2 AND $1::uuid IN (r.from_node_id, r.to_node_id);
