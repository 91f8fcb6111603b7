-- The statements of pnetd's one-shot commands (server/tools/): migrate, create-admin, purge,
-- hsds-import.
-- The commands run them with blocking libpq (tools_run): they are not on a request path.

-- name: migrate_lock
-- params: none
-- A key only pnetd's migrations take, so that instances starting together run them once;
-- held until the session ends.
SELECT pg_advisory_lock(7031946201);

-- name: migrate_table
-- params: none
CREATE TABLE IF NOT EXISTS schema_migration (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: migrate_applied
-- params: none
SELECT version, name, checksum FROM schema_migration ORDER BY version;

-- name: migrate_record
-- params: version, name, checksum
INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3);

-- name: migrate_rewritten
-- params: version, checksum
-- A migration rewritten since it was applied, whose file names the recorded checksum as the
-- one it replaces: from now on the new text is the one recorded.
UPDATE schema_migration SET checksum = $2 WHERE version = $1::integer;

-- name: functions_vocabulary
-- params: vocabulary
-- The referral vocabulary of lib/referral.c for schema/functions/referrals.sql, until the
-- transaction ends.
SELECT set_config('pnet.vocabulary', $1, true);

-- name: functions_drop
-- params: none
-- Drop what schema/functions defines: the triggers, the views and the functions of the
-- current schema that no extension owns, to be created again from the files in the same
-- transaction. What a table, a column default, an index or a constraint uses would not come
-- back with its user: a function or view used so stops the run instead (it belongs in a
-- migration). Views and functions may use each other (a function returns a view's rows, a
-- view calls a function), so both go with CASCADE, once nothing else depends on them.
DO $$
DECLARE
    needed text;
    names text;
    t record;
BEGIN
    WITH derived AS (
        SELECT 'pg_proc'::regclass AS classid, p.oid AS objid
          FROM pg_proc p
         WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
        UNION ALL
        SELECT 'pg_class'::regclass, c.oid
          FROM pg_class c
         WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace
        UNION ALL
        SELECT 'pg_type'::regclass, c.reltype
          FROM pg_class c
         WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace)
    SELECT string_agg(format('%s (used by %s)', pg_describe_object(d.refclassid, d.refobjid, 0),
                             pg_describe_object(d.classid, d.objid, d.objsubid)), '; ')
      INTO needed
      FROM pg_depend d
      JOIN derived x ON x.classid = d.refclassid AND x.objid = d.refobjid
     WHERE d.deptype = 'n'
       AND d.classid NOT IN ('pg_proc'::regclass, 'pg_trigger'::regclass,
                             'pg_rewrite'::regclass)
       AND NOT EXISTS (SELECT 1 FROM pg_depend e
                        WHERE e.classid = d.refclassid AND e.objid = d.refobjid
                          AND e.deptype = 'e');
    IF needed IS NOT NULL THEN
        RAISE EXCEPTION 'schema/functions cannot be applied again: %', needed
            USING HINT = 'What a table, index or constraint uses belongs in a migration.';
    END IF;
    FOR t IN SELECT g.tgname, g.tgrelid::regclass AS tbl
               FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
              WHERE NOT g.tgisinternal AND c.relnamespace = current_schema()::regnamespace
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
    END LOOP;
    SELECT string_agg(c.oid::regclass::text, ', ') INTO names
      FROM pg_class c
     WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_depend e
                        WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                          AND e.deptype = 'e');
    IF names IS NOT NULL THEN
        EXECUTE 'DROP VIEW ' || names || ' CASCADE';
    END IF;
    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO names
      FROM pg_proc p
     WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_depend e
                        WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                          AND e.deptype = 'e');
    IF names IS NOT NULL THEN
        EXECUTE 'DROP ROUTINE ' || names || ' CASCADE';
    END IF;
END $$;

-- name: admin_create
-- params: login, display_name, password_hash
-- pnetd create-admin: the first admin; nothing when the login is taken.
WITH a AS (
    INSERT INTO account (login, display_name, password_hash, role)
    VALUES ($1, $2, $3, 'admin')
    ON CONFLICT (login) DO NOTHING
    RETURNING id)
SELECT id, audit(NULL, NULL, 'account.create', 'account', id, 'cli', 'local',
                 jsonb_build_object('via', 'pnetd create-admin', 'login', $1::text))
  FROM a;

-- name: hsds_categories
-- params: none
-- The service categories an imported service may name.
SELECT code FROM taxonomy;

-- name: hsds_known_organizations
-- params: ids
-- Which of the organizations a file refers to (ids: a JSON array of UUIDs) exist.
SELECT id::text FROM organization
 WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid);

-- name: hsds_known_nodes
-- params: ids
SELECT id::text FROM node
 WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid);

-- name: hsds_upsert_organizations
-- params: rows
-- The organization rows of lib/hsds_map.c by id: a row changes only when a kept field
-- differs, and then gets version + 1. Answers how many were created and updated.
WITH up AS (
    INSERT INTO organization (id, name, kind, email, phone, url, street, postal_code, city)
    SELECT id, name, kind, email, phone, url, street, postal_code, city
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, kind text, email text,
                                             phone text, url text, street text,
                                             postal_code text, city text)
    ON CONFLICT (id) DO UPDATE SET
        name = EXCLUDED.name, kind = EXCLUDED.kind, email = EXCLUDED.email,
        phone = EXCLUDED.phone, url = EXCLUDED.url, street = EXCLUDED.street,
        postal_code = EXCLUDED.postal_code, city = EXCLUDED.city,
        version = organization.version + 1, updated_at = now()
     WHERE (organization.name, organization.kind, organization.email, organization.phone,
            organization.url, organization.street, organization.postal_code,
            organization.city)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.email, EXCLUDED.phone,
                             EXCLUDED.url, EXCLUDED.street, EXCLUDED.postal_code,
                             EXCLUDED.city)
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted) AS created, count(*) FILTER (WHERE NOT inserted) AS updated
  FROM up;

-- name: hsds_upsert_nodes
-- params: rows
-- The node rows (the file's locations), as hsds_upsert_organizations.
WITH up AS (
    INSERT INTO node (id, organization_id, name, kind, district, street, postal_code, city,
                      geo_lat, geo_lon, phone, email, url, languages, accessibility, active)
    SELECT id, organization_id, name, kind, district, street, postal_code, city, geo_lat,
           geo_lon, phone, email, url, languages, accessibility, active
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, organization_id uuid, name text,
                                             kind text, district text, street text,
                                             postal_code text, city text,
                                             geo_lat double precision,
                                             geo_lon double precision, phone text,
                                             email text, url text, languages text[],
                                             accessibility text, active boolean)
    ON CONFLICT (id) DO UPDATE SET
        organization_id = EXCLUDED.organization_id, name = EXCLUDED.name,
        kind = EXCLUDED.kind, district = EXCLUDED.district, street = EXCLUDED.street,
        postal_code = EXCLUDED.postal_code, city = EXCLUDED.city, geo_lat = EXCLUDED.geo_lat,
        geo_lon = EXCLUDED.geo_lon, phone = EXCLUDED.phone, email = EXCLUDED.email,
        url = EXCLUDED.url, languages = EXCLUDED.languages,
        accessibility = EXCLUDED.accessibility, active = EXCLUDED.active,
        version = node.version + 1, updated_at = now()
     WHERE (node.organization_id, node.name, node.kind, node.district, node.street,
            node.postal_code, node.city, node.geo_lat, node.geo_lon, node.phone, node.email,
            node.url, node.languages, node.accessibility, node.active)
           IS DISTINCT FROM (EXCLUDED.organization_id, EXCLUDED.name, EXCLUDED.kind,
                             EXCLUDED.district, EXCLUDED.street, EXCLUDED.postal_code,
                             EXCLUDED.city, EXCLUDED.geo_lat, EXCLUDED.geo_lon,
                             EXCLUDED.phone, EXCLUDED.email, EXCLUDED.url,
                             EXCLUDED.languages, EXCLUDED.accessibility, EXCLUDED.active)
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted) AS created, count(*) FILTER (WHERE NOT inserted) AS updated
  FROM up;

-- name: hsds_upsert_services
-- params: rows
-- The service rows, as hsds_upsert_organizations. Target groups are not part of HSDS: an
-- update keeps a service's target_group_ids.
WITH up AS (
    INSERT INTO service (id, node_id, category, name, description, eligibility,
                         capacity_total, capacity_free, wait_days, district, place, schedule,
                         status)
    SELECT id, node_id, category, name, description, eligibility, capacity_total,
           capacity_free, wait_days, district, place, schedule, status
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, node_id uuid, category text,
                                             name text, description text, eligibility text,
                                             capacity_total integer, capacity_free integer,
                                             wait_days integer, district text, place text,
                                             schedule jsonb, status text)
    ON CONFLICT (id) DO UPDATE SET
        node_id = EXCLUDED.node_id, category = EXCLUDED.category, name = EXCLUDED.name,
        description = EXCLUDED.description, eligibility = EXCLUDED.eligibility,
        capacity_total = EXCLUDED.capacity_total, capacity_free = EXCLUDED.capacity_free,
        wait_days = EXCLUDED.wait_days, district = EXCLUDED.district,
        place = EXCLUDED.place, schedule = EXCLUDED.schedule, status = EXCLUDED.status,
        version = service.version + 1, updated_at = now()
     WHERE (service.node_id, service.category, service.name, service.description,
            service.eligibility, service.capacity_total, service.capacity_free,
            service.wait_days, service.district, service.place, service.schedule,
            service.status)
           IS DISTINCT FROM (EXCLUDED.node_id, EXCLUDED.category, EXCLUDED.name,
                             EXCLUDED.description, EXCLUDED.eligibility,
                             EXCLUDED.capacity_total, EXCLUDED.capacity_free,
                             EXCLUDED.wait_days, EXCLUDED.district, EXCLUDED.place,
                             EXCLUDED.schedule, EXCLUDED.status)
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted) AS created, count(*) FILTER (WHERE NOT inserted) AS updated
  FROM up;

-- name: hsds_audit
-- params: detail
-- One audit row per import run, with the counts (docs/hsds.md).
SELECT audit(NULL, NULL, 'hsds.import', NULL, NULL, 'cli', 'local', $1::jsonb);
