-- The statements of server/api/chain_versions.c. A read takes the caller first as
-- chain_access() does; coordinators see drafts, members only published and retired versions.
-- The writes are functions of schema/functions/chain_versions.sql.

-- name: chain_version_chain
-- params: admin, networks, node, chain
-- The caller's access when the chain exists.
SELECT chain_access(c.network_id, $1::boolean, $2::uuid[], $3::uuid) FROM chain c WHERE c.id = $4;

-- name: chain_version_list
-- params: admin, networks, node, chain, after_1, limit
-- By number, the versions the caller may see.
SELECT chain_version_json(v, false)::text AS body, v.number::text
  FROM chain c
 CROSS JOIN LATERAL (SELECT chain_access(c.network_id, $1::boolean, $2::uuid[], $3::uuid)
                            AS access) a
  JOIN chain_version v ON v.chain_id = c.id
 WHERE c.id = $4
   AND (a.access = 'coordinator' OR (a.access = 'member' AND v.status <> 'draft'))
   AND ($5::int IS NULL OR v.number > $5::int)
 ORDER BY v.number
 LIMIT $6::int;

-- name: chain_version_get
-- params: admin, networks, node, chain, number
-- The version with its graph, and its status.
SELECT chain_version_json(v, true)::text AS body, v.version, v.status
  FROM chain c
 CROSS JOIN LATERAL (SELECT chain_access(c.network_id, $1::boolean, $2::uuid[], $3::uuid)
                            AS access) a
  JOIN chain_version v ON v.chain_id = c.id
 WHERE c.id = $4 AND v.number = $5::int
   AND (a.access = 'coordinator' OR (a.access = 'member' AND v.status <> 'draft'));

-- name: chain_version_create
-- params: actor, chain, copy, note, admin, networks
SELECT * FROM chain_version_create($1::uuid, $2::uuid, $3, $4, $5::uuid, $6::boolean, $7,
                                   $8::boolean, $9::uuid[]);

-- name: chain_version_replace
-- params: actor, chain, number, expected_version, graph, admin, networks
SELECT * FROM chain_version_replace($1::uuid, $2::uuid, $3, $4, $5::uuid, $6::int, $7::int,
                                    $8::jsonb, $9::boolean, $10::uuid[]);

-- name: chain_version_publish
-- params: actor, chain, number, checked_version, admin, networks
-- checked_version: the row version whose graph the server has just checked.
SELECT * FROM chain_version_publish($1::uuid, $2::uuid, $3, $4, $5::uuid, $6::int, $7::int,
                                    $8::boolean, $9::uuid[]);

-- name: chain_version_problems
-- params: admin, networks, chain, graph
-- What the database finds wrong with a graph (unknown categories, providers that are no
-- active members), for a coordinator of the chain.
SELECT g.errors::text
  FROM chain c, chain_graph_problems(c.network_id, $4::jsonb) g
 WHERE c.id = $3 AND chain_access(c.network_id, $1::boolean, $2::uuid[], NULL) = 'coordinator';

-- name: chain_version_delete
-- params: actor, chain, number, admin, networks
-- Only drafts go (the guard refuses the others, 409).
WITH c AS (
    SELECT id FROM chain
     WHERE id = $5 AND chain_access(network_id, $7::boolean, $8::uuid[], NULL) = 'coordinator'),
d AS (
    DELETE FROM chain_version v USING c
     WHERE v.chain_id = c.id AND v.number = $6::int
    RETURNING v.id, v.chain_id, v.number),
u AS (
    UPDATE chain SET version = version + 1, updated_at = now()
     WHERE id IN (SELECT chain_id FROM d)),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'chain_version.delete', 'chain_version', d.id, $3, $4,
           jsonb_build_object('chain_id', d.chain_id, 'number', d.number)
      FROM d)
SELECT 'ok' AS outcome, NULL::text AS body, NULL::int AS version, NULL::text AS location
  FROM d;
