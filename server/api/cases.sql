-- The statements of server/api/cases.c. A case belongs to its owner node; nodes holding a
-- referral on it see its reference and target group only; reads of a case are audited. The
-- writes are functions of schema/functions/cases.sql.

-- name: case_create
-- params: actor, reference, target_group, district
SELECT * FROM case_create($1, $2, $3, $4, $5, $6, $7);

-- name: case_list
-- params: node, status, target_group, after_1, after_2, limit
-- The node's cases, newest first.
SELECT case_json(c, $1::uuid)::text AS body, c.opened_at::text, c.id::text
  FROM client_case c
 WHERE c.owner_node_id = $1::uuid AND ($2::text IS NULL OR c.status = $2)
   AND ($3::uuid IS NULL OR c.target_group_id = $3::uuid)
   AND ($4::text IS NULL OR (c.opened_at, c.id) < ($4::timestamptz, $5::uuid))
 ORDER BY c.opened_at DESC, c.id DESC
 LIMIT $6::int;

-- name: case_get
-- params: actor, id
-- The case as the caller may see it, with an audit row for the read.
WITH au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'case.read', 'client_case', c.id, $3, $4
      FROM client_case c
     WHERE c.id = $5 AND case_visible(c.id, $2::uuid))
SELECT case_json(c, $2::uuid)::text AS body, c.version
  FROM client_case c
 WHERE c.id = $5 AND case_visible(c.id, $2::uuid);

-- name: case_update
-- params: actor, id, expected_version, patch
SELECT * FROM case_update($1, $2, $3, $4, $5, $6, $7);

-- name: case_consent_create
-- params: actor, case, scope, recipient, purpose, given_on, expires_on, evidence
SELECT * FROM consent_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: case_consent_list
-- params: node, case
-- The consents of the node's case (no row when it is not the node's; a case without consent
-- has [], not the LEFT JOIN's row of NULLs).
SELECT coalesce(json_agg(consent_json(k) ORDER BY k.created_at, k.id)
                    FILTER (WHERE k.id IS NOT NULL), '[]')::text
  FROM client_case c
  LEFT JOIN consent k ON k.case_id = c.id
 WHERE c.id = $2 AND c.owner_node_id = $1::uuid
 GROUP BY c.id;

-- name: case_consent_revoke
-- params: actor, id
SELECT * FROM consent_revoke($1, $2, $3, $4, $5);

-- name: case_enrol
-- params: actor, case, chain
SELECT * FROM case_enrol($1, $2, $3, $4, $5, $6);

-- name: case_chain_state
-- params: actor, id
-- The chain state of the actor's case (NULL when it is not enrolled), audited as a read of
-- the case when there is one to read (a case that is not enrolled writes nothing).
WITH c AS (
    SELECT id, chain_version_id FROM client_case WHERE id = $5 AND owner_node_id = $2::uuid),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'case.progress_read', 'client_case', c.id, $3, $4
      FROM c WHERE c.chain_version_id IS NOT NULL)
SELECT (SELECT count(*) FROM c) AS found, case_chain_state($5, $2::uuid)::text AS state;

-- name: case_step_record
-- params: actor, case, key, state, at, note
SELECT * FROM case_step_record($1, $2, $3, $4, $5, $6, $7, $8, $9);
