-- The statements of server/api/nodes.c. columns is the request's body with address, contact
-- and geo flattened into the table's columns (registry_columns in server/api/registry.c).

-- name: node_create
-- params: actor, columns
-- languages and active have defaults.
WITH n AS (
    INSERT INTO node (organization_id, name, kind, district, street, postal_code, city,
                      geo_lat, geo_lon, phone, email, url, languages, accessibility, active)
    SELECT p.organization_id, p.name, p.kind, p.district, p.street, p.postal_code, p.city,
           p.geo_lat, p.geo_lon, p.phone, p.email, p.url, coalesce(p.languages, '{de}'),
           p.accessibility, coalesce(p.active, true)
      FROM jsonb_populate_record(NULL::node, $5::jsonb) p
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'node.create', 'node', n.id, $3, $4,
           jsonb_build_object('name', n.name, 'kind', n.kind,
                              'organization_id', n.organization_id)
      FROM n)
SELECT 'created' AS outcome, node_detail_json(n)::text AS body, n.version,
       '/v1/nodes/' || n.id AS location
  FROM n;

-- name: node_list
-- params: kind, network, district, q, q_part, active, after_1, after_2, limit
-- The directory by name: network (its active members), q for the German text search and
-- q_part the same escaped for ILIKE (parts of compounds, which the german configuration
-- does not split).
SELECT node_json(n)::text AS body, n.name, n.id::text
  FROM node n
 WHERE ($1::text IS NULL OR n.kind = $1)
   AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM network_member m
                                     WHERE m.node_id = n.id AND m.network_id = $2::uuid
                                       AND m.active))
   AND ($3::text IS NULL OR n.district = $3)
   AND ($4::text IS NULL OR n.search @@ websearch_to_tsquery('german', $4)
        OR n.name ILIKE '%' || $5 || '%')
   AND ($6::boolean IS NULL OR n.active = $6::boolean)
   AND ($7::text IS NULL OR (n.name, n.id) > ($7::text, $8::uuid))
 ORDER BY n.name, n.id
 LIMIT $9::int;

-- name: node_get
-- params: id
SELECT node_detail_json(n)::text AS body, n.version FROM node n WHERE n.id = $1;

-- name: node_update
-- params: actor, id, expected_version, patch, columns, role, networks
-- The columns the patch names change, the others keep their value, if the caller may change
-- the node (node_may_edit; a caseworker's node is the actor's).
WITH u AS (
    UPDATE node n SET
        (organization_id, name, kind, district, street, postal_code, city, geo_lat, geo_lon,
         phone, email, url, languages, accessibility, active) =
            (SELECT organization_id, name, kind, district, street, postal_code, city, geo_lat,
                    geo_lon, phone, email, url, languages, accessibility, active
               FROM jsonb_populate_record(n, $8::jsonb)),
        version = n.version + 1,
        updated_at = now()
     WHERE n.id = $5 AND ($6::int IS NULL OR n.version = $6::int)
       AND node_may_edit(n, $9, $2::uuid, $10::uuid[])
    RETURNING n.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'node.update', 'node', u.id, $3, $4,
           jsonb_build_object('fields', (SELECT jsonb_agg(k ORDER BY k)
                                           FROM jsonb_object_keys($7::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome, node_detail_json(u)::text AS body, u.version, NULL AS location
  FROM u
UNION ALL
SELECT CASE WHEN NOT node_may_edit(n, $9, $2::uuid, $10::uuid[])
            THEN problem(403, 'forbidden', 'Only admins, the coordinators of a network this '
                                           'node is an active member of, and the node''s own '
                                           'caseworkers may change it.')
            ELSE stale('node', n.version) END,
       NULL, NULL, NULL
  FROM node n
 WHERE n.id = $5 AND NOT EXISTS (SELECT 1 FROM u);
