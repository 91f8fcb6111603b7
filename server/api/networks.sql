-- The statements of server/api/networks.c: networks, their members and target groups. Every
-- write takes last what the server knows of the caller: whether they are an admin and the
-- networks they coordinate (network_coordinated); an object of a network the caller does not
-- coordinate is refused (403), one at another version than If-Match says is stale (412).

-- name: network_exists
-- params: network
SELECT 1 FROM network WHERE id = $1;

-- name: network_create
-- params: actor, network
WITH t AS (
    INSERT INTO network (name, locality, description, default_days_to_accept)
    SELECT p.name, p.locality, p.description, coalesce(p.default_days_to_accept, 5)
      FROM jsonb_populate_record(NULL::network, $5::jsonb) p
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'network.create', 'network', t.id, $3, $4,
           jsonb_build_object('name', t.name)
      FROM t)
SELECT 'created' AS outcome, network_json(t)::text AS body, t.version,
       '/v1/networks/' || t.id AS location
  FROM t;

-- name: network_list
-- params: after_1, after_2, limit
SELECT network_json(w)::text AS body, w.name, w.id::text
  FROM network w
 WHERE ($1::text IS NULL OR (w.name, w.id) > ($1::text, $2::uuid))
 ORDER BY w.name, w.id
 LIMIT $3::int;

-- name: network_get
-- params: id
SELECT network_json(w)::text AS body, w.version FROM network w WHERE w.id = $1;

-- name: network_update
-- params: actor, id, expected_version, patch, admin, networks
WITH o AS (
    SELECT id, version, network_coordinated(id, $8::boolean, $9::uuid[]) AS allowed
      FROM network WHERE id = $5),
u AS (
    UPDATE network t SET
        (name, locality, description, default_days_to_accept) =
            (SELECT name, locality, description, default_days_to_accept
               FROM jsonb_populate_record(t, $7::jsonb)),
        version = t.version + 1,
        updated_at = now()
      FROM o
     WHERE t.id = o.id AND o.allowed AND ($6::int IS NULL OR t.version = $6::int)
    RETURNING t.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'network.update', 'network', u.id, $3, $4,
           jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys($7::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome, network_json(u)::text AS body, u.version, NULL AS location
  FROM u
UNION ALL
SELECT network_refuse(o.allowed, 'network', o.version), NULL, NULL, NULL
  FROM o
 WHERE NOT EXISTS (SELECT 1 FROM u);

-- name: network_member_list
-- params: network, role, active, after_1, after_2, limit
-- By the node's name.
SELECT member_json(m, n)::text AS body, n.name, n.id::text
  FROM network_member m
  JOIN node n ON n.id = m.node_id
 WHERE m.network_id = $1 AND ($2::text IS NULL OR m.role = $2)
   AND ($3::boolean IS NULL OR m.active = $3::boolean)
   AND ($4::text IS NULL OR (n.name, n.id) > ($4::text, $5::uuid))
 ORDER BY n.name, n.id
 LIMIT $6::int;

-- name: network_member_get
-- params: network, node
SELECT member_json(m, n)::text AS body, m.version
  FROM network_member m
  JOIN node n ON n.id = m.node_id
 WHERE m.network_id = $1 AND m.node_id = $2;

-- name: network_member_add
-- params: actor, network, member, admin, networks
-- The node's existence and activity are the schema's to check.
WITH o AS (
    SELECT id, network_coordinated(id, $7::boolean, $8::uuid[]) AS allowed
      FROM network WHERE id = $5),
m AS (
    INSERT INTO network_member (network_id, node_id, role, joined_on, agreement_signed_on,
                                days_to_accept)
    SELECT o.id, p.node_id, coalesce(p.role, 'member'), coalesce(p.joined_on, current_date),
           p.agreement_signed_on, p.days_to_accept
      FROM o, jsonb_populate_record(NULL::network_member, $6::jsonb) p
     WHERE o.allowed
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'network.member.add', 'network', m.network_id, $3, $4,
           jsonb_build_object('node_id', m.node_id, 'role', m.role)
      FROM m)
SELECT 'created' AS outcome, member_json(m, n)::text AS body, m.version,
       '/v1/networks/' || m.network_id || '/members/' || m.node_id AS location
  FROM m
  JOIN node n ON n.id = m.node_id
UNION ALL
SELECT network_refuse(false, 'network', NULL), NULL, NULL, NULL
  FROM o
 WHERE NOT o.allowed;

-- name: network_member_update
-- params: actor, network, node, expected_version, patch, admin, networks
WITH o AS (
    SELECT network_id, node_id, version,
           network_coordinated(network_id, $9::boolean, $10::uuid[]) AS allowed
      FROM network_member WHERE network_id = $5 AND node_id = $6),
u AS (
    UPDATE network_member t SET
        (role, joined_on, agreement_signed_on, days_to_accept, active) =
            (SELECT role, joined_on, agreement_signed_on, days_to_accept, active
               FROM jsonb_populate_record(t, $8::jsonb)),
        version = t.version + 1,
        updated_at = now()
      FROM o
     WHERE t.network_id = o.network_id AND t.node_id = o.node_id AND o.allowed
       AND ($7::int IS NULL OR t.version = $7::int)
    RETURNING t.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'network.member.update', 'network', u.network_id, $3, $4,
           jsonb_build_object('node_id', u.node_id,
                              'fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys($8::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome, member_json(u, n)::text AS body, u.version, NULL AS location
  FROM u
  JOIN node n ON n.id = u.node_id
UNION ALL
SELECT network_refuse(o.allowed, 'membership', o.version), NULL, NULL, NULL
  FROM o
 WHERE NOT EXISTS (SELECT 1 FROM u);

-- name: network_member_deactivate
-- params: actor, network, node, expected_version, admin, networks
-- The row stays (for what refers to it); an inactive member is answered unchanged.
WITH o AS (
    SELECT network_id, node_id, version, active,
           network_coordinated(network_id, $8::boolean, $9::uuid[]) AS allowed
      FROM network_member WHERE network_id = $5 AND node_id = $6),
u AS (
    UPDATE network_member t SET active = false, version = t.version + 1, updated_at = now()
      FROM o
     WHERE t.network_id = o.network_id AND t.node_id = o.node_id AND o.allowed AND t.active
       AND ($7::int IS NULL OR t.version = $7::int)
    RETURNING t.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'network.member.deactivate', 'network', u.network_id, $3, $4,
           jsonb_build_object('node_id', u.node_id)
      FROM u)
SELECT 'ok' AS outcome, member_json(u, n)::text AS body, u.version, NULL AS location
  FROM u
  JOIN node n ON n.id = u.node_id
UNION ALL
SELECT CASE WHEN o.allowed AND ($7::int IS NULL OR o.version = $7::int) THEN 'ok'
            ELSE network_refuse(o.allowed, 'membership', o.version) END,
       member_json(x, n)::text, x.version, NULL
  FROM o
  JOIN network_member x ON x.network_id = o.network_id AND x.node_id = o.node_id
  JOIN node n ON n.id = x.node_id
 WHERE NOT EXISTS (SELECT 1 FROM u);

-- name: network_target_group_list
-- params: network, after_1, after_2, limit
-- By code.
SELECT target_group_json(g)::text AS body, g.code, g.id::text
  FROM target_group g
 WHERE g.network_id = $1 AND ($2::text IS NULL OR (g.code, g.id) > ($2::text, $3::uuid))
 ORDER BY g.code, g.id
 LIMIT $4::int;

-- name: network_target_group_get
-- params: id
SELECT target_group_json(g)::text AS body, g.version FROM target_group g WHERE g.id = $1;

-- name: network_target_group_create
-- params: actor, network, target_group, admin, networks
WITH o AS (
    SELECT id, network_coordinated(id, $7::boolean, $8::uuid[]) AS allowed
      FROM network WHERE id = $5),
g AS (
    INSERT INTO target_group (network_id, code, name, criteria)
    SELECT o.id, p.code, p.name, p.criteria
      FROM o, jsonb_populate_record(NULL::target_group, $6::jsonb) p
     WHERE o.allowed
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'target_group.create', 'target_group', g.id, $3, $4,
           jsonb_build_object('network_id', g.network_id, 'code', g.code)
      FROM g)
SELECT 'created' AS outcome, target_group_json(g)::text AS body, g.version,
       '/v1/target-groups/' || g.id AS location
  FROM g
UNION ALL
SELECT network_refuse(false, 'network', NULL), NULL, NULL, NULL
  FROM o
 WHERE NOT o.allowed;

-- name: network_target_group_update
-- params: actor, id, expected_version, patch, admin, networks
WITH o AS (
    SELECT id, version, network_coordinated(network_id, $8::boolean, $9::uuid[]) AS allowed
      FROM target_group WHERE id = $5),
u AS (
    UPDATE target_group t SET
        (code, name, criteria) =
            (SELECT code, name, criteria FROM jsonb_populate_record(t, $7::jsonb)),
        version = t.version + 1,
        updated_at = now()
      FROM o
     WHERE t.id = o.id AND o.allowed AND ($6::int IS NULL OR t.version = $6::int)
    RETURNING t.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'target_group.update', 'target_group', u.id, $3, $4,
           jsonb_build_object('network_id', u.network_id,
                              'fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys($7::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome, target_group_json(u)::text AS body, u.version, NULL AS location
  FROM u
UNION ALL
SELECT network_refuse(o.allowed, 'target group', o.version), NULL, NULL, NULL
  FROM o
 WHERE NOT EXISTS (SELECT 1 FROM u);

-- name: network_target_group_delete
-- params: actor, id, expected_version, admin, networks
-- What still refers to the group (services, chains) makes the schema refuse with a foreign
-- key violation.
WITH o AS (
    SELECT id, version, network_coordinated(network_id, $7::boolean, $8::uuid[]) AS allowed
      FROM target_group WHERE id = $5),
d AS (
    DELETE FROM target_group t USING o
     WHERE t.id = o.id AND o.allowed AND ($6::int IS NULL OR t.version = $6::int)
    RETURNING t.id, t.network_id, t.code),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'target_group.delete', 'target_group', d.id, $3, $4,
           jsonb_build_object('network_id', d.network_id, 'code', d.code)
      FROM d)
SELECT 'ok' AS outcome, NULL::text AS body, NULL::int AS version, NULL::text AS location
  FROM d
UNION ALL
SELECT network_refuse(o.allowed, 'target group', o.version), NULL, NULL, NULL
  FROM o
 WHERE NOT EXISTS (SELECT 1 FROM d);
