-- What every module's functions and statements share: the one way to refuse a write, the
-- audit log, and replays of creates that carry an Idempotency-Key.
--
-- The files of schema/functions hold the functions, triggers and views; pnetd migrate drops
-- them all and creates them again from these files after the migrations, in the order of
-- schema/functions/ORDER, in one transaction (docs/architecture.md, "Migrations").

-- Whether a consent holds today: given, not revoked, not expired. The one statement of that
-- rule, asked by consent_covers and consent_json (cases.sql) and case_text_visible
-- (case_team.sql, which comes before cases.sql in ORDER); a one-expression SQL function, so
-- PostgreSQL inlines it into the queries that call it.
CREATE FUNCTION consent_active(c consent) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT c.revoked_at IS NULL AND c.given_on <= current_date
           AND (c.expires_on IS NULL OR c.expires_on >= current_date);
$$;

-- The one way SQL refuses a write: raise SQLSTATE PN<status> with the message, the problem's
-- slug in DETAIL, the field in COLUMN and the field error's code in HINT (docs/problems.md).
-- Nothing the statement or function wrote stays: the raise ends the transaction. server/
-- dberror.c answers it as problem+json. It never returns: its type only lets a statement put
-- it where an outcome goes (SELECT problem(...) AS outcome ... WHERE nothing was written).
CREATE FUNCTION problem(p_status integer, p_slug text, p_message text, p_field text DEFAULT NULL,
                        p_code text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'PN' || p_status::text, MESSAGE = p_message,
        DETAIL = p_slug, COLUMN = coalesce(p_field, ''), HINT = coalesce(p_code, '');
END $$;

-- The same with several field errors at once: p_errors is the array of {field, code,
-- message} (and anything else each carries), handed over in HINT.
CREATE FUNCTION problem_fields(p_status integer, p_slug text, p_message text, p_errors jsonb)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'PN' || p_status::text, MESSAGE = p_message,
        DETAIL = p_slug, HINT = p_errors::text;
END $$;

-- A write refused because the row is at another version than the If-Match the client sent.
CREATE FUNCTION stale(p_what text, p_version integer) RETURNS text LANGUAGE sql AS $$
    SELECT problem(412, 'stale',
                   format('The %s has changed since you read it (it is at version %s); '
                          'read it again.', p_what, p_version));
$$;

-- j as compact JSON text: PostgreSQL writes jsonb with a space after every ':' and ','; pnet's
-- answers have none outside strings (docs/performance.md, "Compact JSON"). The expression
-- matches a whole string or a run of white space, keeps the one and drops the other.
CREATE FUNCTION json_compact(j jsonb) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(j::text, '("(?:[^"\\]|\\.)*")|\s+', '\1', 'g')::json;
$$;

-- Who did what, when, from where: every write path records itself in the same transaction,
-- by this function or by the same INSERT in a data-modifying CTE of its statement.
CREATE FUNCTION audit(p_account uuid, p_node uuid, p_action text, p_object_type text,
                      p_object_id uuid, p_request_id text, p_client text,
                      p_detail jsonb DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- PL/pgSQL keeps the INSERT's plan for the connection; as a SQL function (which an INSERT
    -- cannot be inlined from) it was planned again at every call (docs/performance.md).
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    VALUES (p_account, p_node, p_action, p_object_type, p_object_id, p_request_id, p_client,
            p_detail);
END $$;

-- The audit log is append-only. One change is let through: the erasure of a case (Art. 17
-- GDPR, case_erase in schema/functions/case_export.sql) replaces the case's id in the entries
-- that name it, within its transaction (pnet.erase_case), and changes nothing else.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    erasing text := coalesce(current_setting('pnet.erase_case', true), '');
BEGIN
    IF TG_OP = 'UPDATE' AND erasing <> ''
       AND (OLD.object_id::text = erasing OR OLD.detail::text LIKE '%' || erasing || '%')
       AND NOT (coalesce(NEW.object_id::text, '') = erasing
                OR coalesce(NEW.detail::text, '') LIKE '%' || erasing || '%')
       AND (NEW.id, NEW.at, NEW.account_id, NEW.node_id, NEW.action, NEW.object_type,
            NEW.request_id, NEW.client_addr)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.account_id, OLD.node_id, OLD.action,
                                 OLD.object_type, OLD.request_id, OLD.client_addr) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- The stored answer of (account, key) while it replays (24 hours), whatever body it had.
-- Its columns are NULL when there is none.
CREATE FUNCTION idempotency_stored(p_account uuid, p_key text) RETURNS idempotency_key
LANGUAGE plpgsql STABLE AS $$
DECLARE
    k idempotency_key;
BEGIN
    SELECT * INTO k FROM idempotency_key
     WHERE account_id = p_account AND key = p_key AND created_at > now() - interval '24 hours';
    RETURN k;
END $$;

-- Idempotency: the stored answer of (account, key), NULL when new; 422 for another body,
-- 409 while the first request with the key is still running.
CREATE FUNCTION idempotency_replay(p_account uuid, p_key text, p_hash text)
RETURNS idempotency_key LANGUAGE plpgsql AS $$
DECLARE
    k idempotency_key;
BEGIN
    IF p_key IS NULL THEN
        RETURN NULL;
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtextextended(p_account::text || '/' || p_key, 0)) THEN
        PERFORM problem(409, 'idempotency-in-progress',
                        'A request with this Idempotency-Key is still running.');
    END IF;
    SELECT * INTO k FROM idempotency_stored(p_account, p_key) s WHERE s.account_id IS NOT NULL;
    IF FOUND AND k.request_hash <> p_hash THEN
        PERFORM problem(422, 'idempotency-key-reused',
                        'This Idempotency-Key was used with another request body.');
    END IF;
    RETURN CASE WHEN FOUND THEN k END;
END $$;

-- Keep the first answer of a create that carried a key (none without one).
CREATE FUNCTION idempotency_store(p_account uuid, p_key text, p_hash text, p_status integer,
                                  p_response text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_key IS NOT NULL THEN
        INSERT INTO idempotency_key (account_id, key, request_hash, status, response)
        VALUES (p_account, p_key, p_hash, p_status, p_response)
        ON CONFLICT (account_id, key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, status = EXCLUDED.status,
                response = EXCLUDED.response, created_at = now();
    END IF;
END $$;

-- A column holding an array of ids that must each name a row of another table, as a foreign
-- key would (an array cannot hold one): the trigger raises as a declared constraint of that
-- name would, so that dberror.c answers it like one. Arguments: the array column, the table
-- its ids name, the constraint's name, what one such row is called.
CREATE FUNCTION array_fkey_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    EXECUTE format('SELECT t.id FROM unnest(($1).%I) AS t(id)'
                   ' WHERE NOT EXISTS (SELECT 1 FROM %I x WHERE x.id = t.id FOR KEY SHARE OF x)'
                   ' LIMIT 1', TG_ARGV[0], TG_ARGV[1])
       INTO missing USING NEW;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION '% % does not exist', TG_ARGV[3], missing
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[2],
                  TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[0];
    END IF;
    RETURN NEW;
END $$;

-- ... and a row such an array still names cannot go. Arguments: the table holding the array,
-- its column, the constraint's name, what the row is called, what names it.
CREATE FUNCTION array_fkey_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    used boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I @> ARRAY[$1])', TG_ARGV[0],
                   TG_ARGV[1])
       INTO used USING OLD.id;
    IF used THEN
        RAISE EXCEPTION '% % is still named by %', TG_ARGV[3], OLD.id, TG_ARGV[4]
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[2],
                  TABLE = TG_ARGV[0], COLUMN = TG_ARGV[1];
    END IF;
    RETURN OLD;
END $$;
