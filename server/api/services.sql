-- The statements of server/api/services.c. Only the caseworkers of the service's node write
-- it: caller_node is theirs (the actor's node). The references the database must check are
-- service_reference_problems' (schema/functions/services.sql).

-- name: service_create
-- params: actor, node, service
-- A service of node (the path's), if it is the actor's. No row: there is no such node.
WITH n AS (
    SELECT id, id IS NOT DISTINCT FROM $2::uuid AS own FROM node WHERE id = $5::uuid),
problems AS (SELECT service_reference_problems($6::jsonb, $5::uuid) AS errors),
s AS (
    INSERT INTO service (node_id, category, name, description, target_group_ids, eligibility,
                         capacity_total, capacity_free, wait_days, district, place, schedule,
                         status, funding_source_id)
    SELECT n.id, p.category, p.name, p.description, coalesce(p.target_group_ids, '{}'),
           p.eligibility, p.capacity_total, p.capacity_free, p.wait_days, p.district, p.place,
           coalesce(p.schedule, '[]'), coalesce(p.status, 'active'), p.funding_source_id
      FROM n, problems, jsonb_populate_record(NULL::service, $6::jsonb) p
     WHERE n.own AND jsonb_array_length(problems.errors) = 0
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'service.create', 'service', s.id, $3, $4,
           jsonb_build_object('node_id', s.node_id, 'category', s.category, 'name', s.name,
                              'status', s.status, 'capacity_free', s.capacity_free)
      FROM s)
SELECT 'created' AS outcome, service_json(s, sn)::text AS body, s.version,
       '/v1/services/' || s.id AS location
  FROM s
  JOIN node sn ON sn.id = s.node_id
UNION ALL
SELECT CASE WHEN NOT n.own
            THEN problem(403, 'forbidden', 'Only the caseworkers of the service''s node keep '
                                           'its services.')
            ELSE problem_fields(422, 'validation', 'Some fields are not acceptable; see errors.',
                                problems.errors) END,
       NULL, NULL, NULL
  FROM n, problems
 WHERE NOT n.own OR jsonb_array_length(problems.errors) > 0;

-- name: service_update
-- params: actor, id, expected_version, patch
-- The fields the patch names change, the others keep their value. No row: there is no such
-- service.
WITH c AS (SELECT id, node_id, version FROM service WHERE id = $5::uuid),
problems AS (SELECT service_reference_problems($7::jsonb, (SELECT c.node_id FROM c)) AS errors),
u AS (
    UPDATE service s SET
        (category, name, description, target_group_ids, eligibility, capacity_total,
         capacity_free, wait_days, district, place, schedule, status, funding_source_id) =
            (SELECT category, name, description, target_group_ids, eligibility, capacity_total,
                    capacity_free, wait_days, district, place, schedule, status,
                    funding_source_id
               FROM jsonb_populate_record(s, $7::jsonb)),
        version = s.version + 1,
        updated_at = now()
      FROM problems
     WHERE s.id = $5::uuid AND s.node_id IS NOT DISTINCT FROM $2::uuid
       AND ($6::int IS NULL OR s.version = $6::int) AND jsonb_array_length(problems.errors) = 0
    RETURNING s.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'service.update', 'service', u.id, $3, $4,
           jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys($7::jsonb) k),
                              'status', u.status, 'capacity_free', u.capacity_free)
      FROM u)
SELECT 'ok' AS outcome, service_json(u, un)::text AS body, u.version, NULL AS location
  FROM u
  JOIN node un ON un.id = u.node_id
UNION ALL
-- With the expected version read in c but no update, another request got in between.
SELECT CASE WHEN c.node_id IS DISTINCT FROM $2::uuid
            THEN problem(403, 'forbidden', 'Only the caseworkers of the service''s node keep '
                                           'its services.')
            WHEN jsonb_array_length(problems.errors) > 0
                 AND ($6::int IS NULL OR c.version = $6::int)
            THEN problem_fields(422, 'validation', 'Some fields are not acceptable; see errors.',
                                problems.errors)
            ELSE stale('service', c.version) END,
       NULL, NULL, NULL
  FROM c, problems
 WHERE NOT EXISTS (SELECT 1 FROM u);

-- name: service_get
-- params: id
SELECT service_json(s, n)::text AS body, s.version
  FROM service s
  JOIN node n ON n.id = s.node_id
 WHERE s.id = $1::uuid;

-- name: service_node_exists
-- params: node
SELECT 1 FROM node WHERE id = $1::uuid;

-- name: service_node_list
-- params: node, status, after_1, after_2, limit
-- A node's services by name; status: only those.
SELECT service_json(s, n)::text AS body, s.name, s.id::text
  FROM service s
  JOIN node n ON n.id = s.node_id
 WHERE s.node_id = $1::uuid AND ($2::text IS NULL OR s.status = $2::text)
   AND ($3::text IS NULL OR (s.name, s.id) > ($3::text, $4::uuid))
 ORDER BY s.name, s.id
 LIMIT $5::int;

-- name: service_search_refs
-- params: category, target_group, network
-- Whether the references a search names exist.
SELECT $1::text IS NULL OR EXISTS (SELECT 1 FROM taxonomy WHERE code = $1::text),
       $2::uuid IS NULL OR EXISTS (SELECT 1 FROM target_group WHERE id = $2::uuid),
       $3::uuid IS NULL OR EXISTS (SELECT 1 FROM network WHERE id = $3::uuid);

-- name: service_search
-- params: category, target_group, district, network, has_capacity, language, q, status,
--         after_1, after_2, limit
-- The directory: services of active nodes, by name. q matches the service's german full
-- text, or as a part of a word (German compounds: the german configuration does not split
-- them) the service's name, its node's name or its category's German label; LIKE's
-- wildcards in q are escaped.
SELECT service_json(s, n)::text AS body, s.name, s.id::text
  FROM service s
  JOIN node n ON n.id = s.node_id
  JOIN taxonomy t ON t.code = s.category
 WHERE n.active AND s.status = $8::text
   AND ($1::text IS NULL OR s.category = $1::text)
   AND ($2::uuid IS NULL OR s.target_group_ids @> ARRAY[$2::uuid])
   AND ($3::text IS NULL OR lower(coalesce(s.district, n.district)) = lower($3::text))
   AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM network_member m
                                     WHERE m.network_id = $4::uuid AND m.node_id = s.node_id
                                       AND m.active))
   AND (NOT coalesce($5::boolean, false) OR (s.capacity_free > 0 AND s.status = 'active'))
   AND ($6::text IS NULL OR n.languages @> ARRAY[$6::text])
   AND ($7::text IS NULL OR s.search @@ websearch_to_tsquery('german', $7::text)
        OR (s.name || ' ' || n.name || ' ' || t.label_de) ILIKE
           '%' || replace(replace(replace($7::text, '\', '\\'), '%', '\%'), '_', '\_') || '%')
   AND ($9::text IS NULL OR (s.name, s.id) > ($9::text, $10::uuid))
 ORDER BY s.name, s.id
 LIMIT $11::int;
