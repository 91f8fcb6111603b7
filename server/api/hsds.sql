-- The statements of server/api/hsds.c: the directory in Open Referral HSDS 3.0, by the
-- functions of schema/functions/hsds.sql. The collections page by id.

-- name: hsds_organizations
-- params: after_1, limit
SELECT hsds_organization(o)::text AS body, o.id::text
  FROM organization o
 WHERE ($1::uuid IS NULL OR o.id > $1::uuid)
 ORDER BY o.id
 LIMIT $2::int;

-- name: hsds_locations
-- params: after_1, limit
SELECT hsds_location(n)::text AS body, n.id::text
  FROM node n
 WHERE ($1::uuid IS NULL OR n.id > $1::uuid)
 ORDER BY n.id
 LIMIT $2::int;

-- name: hsds_services
-- params: after_1, limit
SELECT hsds_service(s, sn, st)::text AS body, s.id::text
  FROM service s
  JOIN node sn ON sn.id = s.node_id
  JOIN taxonomy st ON st.code = s.category
 WHERE ($1::uuid IS NULL OR s.id > $1::uuid)
 ORDER BY s.id
 LIMIT $2::int;

-- name: hsds_service_at_locations
-- params: after_1, limit
SELECT hsds_service_at_location(s)::text AS body, s.id::text
  FROM service s
 WHERE ($1::uuid IS NULL OR s.id > $1::uuid)
 ORDER BY s.id
 LIMIT $2::int;

-- name: hsds_export
-- params: none
-- The whole directory as one document, in the shape pnetd hsds-import reads.
SELECT jsonb_build_object(
           'organizations', (SELECT coalesce(jsonb_agg(hsds_organization(o) ORDER BY o.id), '[]')
                               FROM organization o),
           'locations', (SELECT coalesce(jsonb_agg(hsds_location(n) ORDER BY n.id), '[]')
                           FROM node n),
           'services', (SELECT coalesce(jsonb_agg(hsds_service(s, sn, st) ORDER BY s.id), '[]')
                          FROM service s
                          JOIN node sn ON sn.id = s.node_id
                          JOIN taxonomy st ON st.code = s.category),
           'service_at_locations', (SELECT coalesce(jsonb_agg(hsds_service_at_location(s)
                                                              ORDER BY s.id), '[]')
                                      FROM service s))::text AS body;
