-- The statements of pnetd's one-shot commands (server/tools/): migrate, create-admin, purge.
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
