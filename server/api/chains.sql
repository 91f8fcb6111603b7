-- The statements of server/api/chains.c. A read takes the caller first as chain_access()
-- does (admin, the networks a coordinator coordinates, a caseworker's node); what the caller
-- may not see is not found.

-- name: chain_network_access
-- params: admin, networks, node, network
-- The caller's access to the network's chains (NULL: none) when the network exists.
SELECT chain_access(n.id, $1::boolean, $2::uuid[], $3::uuid) FROM network n WHERE n.id = $4;

-- name: chain_list
-- params: admin, networks, node, network, target_group, after_1, after_2, limit
-- By name; target_group: only its chains.
SELECT chain_json(c, a.access = 'coordinator')::text AS body, c.name, c.id::text
  FROM chain c
 CROSS JOIN LATERAL (SELECT chain_access(c.network_id, $1::boolean, $2::uuid[], $3::uuid)
                            AS access) a
 WHERE c.network_id = $4 AND a.access IS NOT NULL
   AND ($5::uuid IS NULL OR c.target_group_id = $5::uuid)
   AND ($6::text IS NULL OR (c.name, c.id) > ($6::text, $7::uuid))
 ORDER BY c.name, c.id
 LIMIT $8::int;

-- name: chain_get
-- params: admin, networks, node, id
SELECT chain_json(c, a.access = 'coordinator')::text AS body, c.version
  FROM chain c
 CROSS JOIN LATERAL (SELECT chain_access(c.network_id, $1::boolean, $2::uuid[], $3::uuid)
                            AS access) a
 WHERE c.id = $4 AND a.access IS NOT NULL;

-- name: chain_create
-- params: actor, network, chain, admin, networks
-- No row: no such network, or the caller does not coordinate it.
WITH n AS (
    SELECT w.id FROM network w
     WHERE w.id = $5 AND chain_access(w.id, $7::boolean, $8::uuid[], NULL) = 'coordinator'),
c AS (
    INSERT INTO chain (network_id, target_group_id, name, description)
    SELECT n.id, p.target_group_id, p.name, p.description
      FROM n, jsonb_populate_record(NULL::chain, $6::jsonb) p
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'chain.create', 'chain', c.id, $3, $4,
           jsonb_build_object('network_id', c.network_id, 'target_group_id', c.target_group_id,
                              'name', c.name)
      FROM c)
SELECT 'created' AS outcome, chain_json(ROW(c.*)::chain, true)::text AS body, c.version,
       '/v1/chains/' || c.id AS location
  FROM c;

-- name: chain_update
-- params: actor, id, expected_version, patch, admin, networks
-- No row: no such chain, or the caller does not coordinate its network.
WITH c0 AS (
    SELECT * FROM chain
     WHERE id = $5 AND chain_access(network_id, $8::boolean, $9::uuid[], NULL) = 'coordinator'),
u AS (
    UPDATE chain c SET
        (name, description) = (SELECT name, description FROM jsonb_populate_record(c, $7::jsonb)),
        version = c.version + 1,
        updated_at = now()
      FROM c0
     WHERE c.id = c0.id AND ($6::int IS NULL OR c.version = $6::int)
    RETURNING c.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'chain.update', 'chain', u.id, $3, $4,
           jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys($7::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome, chain_json(ROW(u.*)::chain, true)::text AS body, u.version,
       NULL AS location
  FROM u
UNION ALL
SELECT stale('chain', c0.version), NULL, NULL, NULL
  FROM c0
 WHERE NOT EXISTS (SELECT 1 FROM u);
