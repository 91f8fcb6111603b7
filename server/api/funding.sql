-- The statements of server/api/funding.c: a network's funding sources. Writes take last what
-- the server knows of the caller (admin, the networks it coordinates: network_coordinated).

-- name: funding_source_list
-- params: network
-- The network's sources by code; no row when there is no such network.
SELECT json_build_object('items', coalesce((
           SELECT json_agg(funding_source_json(f) ORDER BY f.code, f.id)
             FROM funding_source f WHERE f.network_id = w.id), '[]'),
           'next', NULL)::text AS body
  FROM network w
 WHERE w.id = $1;

-- name: funding_source_create
-- params: actor, network, source, admin, networks
WITH o AS (
    SELECT id, network_coordinated(id, $7::boolean, $8::uuid[]) AS allowed
      FROM network WHERE id = $5),
f AS (
    INSERT INTO funding_source (network_id, code, name, active)
    SELECT o.id, $6::jsonb->>'code', $6::jsonb->>'name',
           coalesce(($6::jsonb->>'active')::boolean, true)
      FROM o
     WHERE o.allowed
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'funding_source.create', 'funding_source', f.id, $3, $4,
           jsonb_build_object('network_id', f.network_id, 'code', f.code)
      FROM f)
SELECT 'created' AS outcome, funding_source_json(f)::text AS body, f.version,
       '/v1/funding-sources/' || f.id AS location
  FROM f
UNION ALL
SELECT network_refuse(false, 'network', NULL), NULL, NULL, NULL
  FROM o
 WHERE NOT o.allowed
UNION ALL
SELECT 'not_found', NULL, NULL, NULL
 WHERE NOT EXISTS (SELECT 1 FROM o);

-- name: funding_source_update
-- params: actor, id, expected_version, patch, admin, networks
WITH o AS (
    SELECT id, version, network_coordinated(network_id, $8::boolean, $9::uuid[]) AS allowed
      FROM funding_source WHERE id = $5),
u AS (
    UPDATE funding_source f SET
        name = CASE WHEN $7::jsonb ? 'name' THEN $7::jsonb->>'name' ELSE f.name END,
        active = CASE WHEN $7::jsonb ? 'active' THEN ($7::jsonb->>'active')::boolean
                      ELSE f.active END,
        version = f.version + 1,
        updated_at = now()
      FROM o
     WHERE f.id = o.id AND o.allowed AND ($6::int IS NULL OR f.version = $6::int)
    RETURNING f.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'funding_source.update', 'funding_source', u.id, $3, $4,
           jsonb_build_object('network_id', u.network_id,
                              'fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys($7::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome, funding_source_json(u)::text AS body, u.version, NULL AS location
  FROM u
UNION ALL
SELECT network_refuse(o.allowed, 'funding source', o.version), NULL, NULL, NULL
  FROM o
 WHERE NOT EXISTS (SELECT 1 FROM u);
