-- The statements of server/api/cases.c. A case belongs to its owner node; nodes holding a
-- referral on it see its reference and target group only; reads of a case are audited. The
-- writes are functions of schema/functions/cases.sql.

-- name: case_create
-- params: actor, reference, target_group, district
SELECT * FROM case_create($1, $2, $3, $4, $5, $6, $7);

-- name: case_list
-- params: actor, status, target_group, scope, after_1, after_2, limit
-- The actor's node's cases, newest first: the actor's own (scope mine: responsible, deputy or
-- standing in, account_case_ids in schema/functions/case_team.sql) or all of the node (scope
-- node), each with the actor's role on it (my_role), with one audit row naming those shown
-- (not the page's look-ahead row) when there are any (docs/architecture.md, "Reads of social
-- data").
WITH page AS (
    SELECT c.id, c.opened_at
      FROM client_case c
     WHERE c.owner_node_id = $2::uuid AND ($5::text IS NULL OR c.status = $5)
       AND ($6::uuid IS NULL OR c.target_group_id = $6::uuid)
       AND ($7::text = 'node' OR c.id IN (SELECT x FROM account_case_ids($1::uuid) x))
       AND ($8::text IS NULL OR (c.opened_at, c.id) < ($8::timestamptz, $9::uuid))
     ORDER BY c.opened_at DESC, c.id DESC
     LIMIT $10::int),
shown AS (SELECT * FROM page ORDER BY opened_at DESC, id DESC LIMIT $10::int - 1),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'case.list', 'client_case', NULL::uuid, $3, $4,
           jsonb_build_object('ids', jsonb_agg(id ORDER BY opened_at DESC, id DESC))
      FROM shown
    HAVING count(*) > 0)
SELECT (case_json(c, $2::uuid)::jsonb
        || jsonb_build_object('my_role', case_role(c, $1::uuid)))::text AS body,
       c.opened_at::text, c.id::text
  FROM page
  JOIN client_case c USING (id)
 ORDER BY c.opened_at DESC, c.id DESC;

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
-- params: actor, case, scope, recipient, purpose, given_on, expires_on, evidence, legal_basis,
--         purpose_code
SELECT * FROM consent_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13);

-- name: case_consent_list
-- params: actor, case
-- The consents of the actor's node's case (no row when it is not the node's), with one audit
-- row for the read naming them.
WITH c AS (SELECT id FROM client_case WHERE id = $5 AND owner_node_id = $2::uuid),
k AS (
    SELECT x.id, x.created_at, consent_json(x) AS j
      FROM consent x
     WHERE x.case_id IN (SELECT id FROM c)),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'consent.list', 'client_case', c.id, $3, $4,
           jsonb_build_object('ids', (SELECT coalesce(jsonb_agg(k.id ORDER BY k.created_at,
                                                                k.id), '[]')
                                        FROM k))
      FROM c)
SELECT (SELECT coalesce(json_agg(k.j ORDER BY k.created_at, k.id), '[]') FROM k)::text
           AS body
  FROM c;

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
