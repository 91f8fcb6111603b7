-- The statements of server/api/organizations.c. columns is the request's body with address
-- and contact flattened into the table's columns (registry_columns in server/api/registry.c).

-- name: organization_create
-- params: actor, columns
WITH o AS (
    INSERT INTO organization (name, kind, phone, email, url, street, postal_code, city)
    SELECT name, kind, phone, email, url, street, postal_code, city
      FROM jsonb_populate_record(NULL::organization, $5::jsonb)
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'organization.create', 'organization', o.id, $3, $4,
           jsonb_build_object('name', o.name, 'kind', o.kind)
      FROM o)
SELECT 'created' AS outcome, organization_json(o)::text AS body, o.version,
       '/v1/organizations/' || o.id AS location
  FROM o;

-- name: organization_list
-- params: kind, name_part, after_1, after_2, limit
-- By name; name_part is escaped for ILIKE.
SELECT organization_json(o)::text AS body, o.name, o.id::text
  FROM organization o
 WHERE ($1::text IS NULL OR o.kind = $1)
   AND ($2::text IS NULL OR o.name ILIKE '%' || $2 || '%')
   AND ($3::text IS NULL OR (o.name, o.id) > ($3::text, $4::uuid))
 ORDER BY o.name, o.id
 LIMIT $5::int;

-- name: organization_get
-- params: id
SELECT organization_json(o)::text AS body, o.version FROM organization o WHERE o.id = $1;

-- name: organization_update
-- params: actor, id, expected_version, patch, columns, role, networks
-- The columns the patch names change, the others keep their value (jsonb_populate_record
-- takes them from the row), if the caller may change the organization
-- (organization_may_edit).
WITH u AS (
    UPDATE organization o SET
        (name, kind, phone, email, url, street, postal_code, city) =
            (SELECT name, kind, phone, email, url, street, postal_code, city
               FROM jsonb_populate_record(o, $8::jsonb)),
        version = o.version + 1,
        updated_at = now()
     WHERE o.id = $5 AND ($6::int IS NULL OR o.version = $6::int)
       AND organization_may_edit(o, $9, $10::uuid[])
    RETURNING o.*),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'organization.update', 'organization', u.id, $3, $4,
           jsonb_build_object('fields', (SELECT jsonb_agg(k ORDER BY k)
                                           FROM jsonb_object_keys($7::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome, organization_json(u)::text AS body, u.version, NULL AS location
  FROM u
UNION ALL
SELECT CASE WHEN NOT organization_may_edit(o, $9, $10::uuid[])
            THEN problem(403, 'forbidden', 'Only admins and the coordinators of a network where '
                                           'one of the organization''s nodes is an active '
                                           'member may change it.')
            ELSE stale('organization', o.version) END,
       NULL, NULL, NULL
  FROM organization o
 WHERE o.id = $5 AND NOT EXISTS (SELECT 1 FROM u);
