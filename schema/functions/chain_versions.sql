-- Versions of a service chain (server/api/chain_versions.c): each holds the whole step graph.
-- A version is born a draft, may be published once and later retired; a published or
-- retired version never changes again (cases are enrolled in it), and neither do its steps,
-- edges and providers. The graph's structure (a DAG reachable from the start, unique keys)
-- is checked by lib/chain.c; what needs the database (categories exist, providers are active
-- members) is checked here, and every such problem is reported at once.
--
-- The writes answer (outcome, body, version, location) as every write does: 'created' or 'ok'
-- with the version as body (its warnings in body.warnings), or 'not_found' (the caller may not see
-- the chain or the version: nothing is said about which). Everything else is refused with
-- problem(): a graph that breaks the rules (422 invalid-chain, each problem listed), a
-- conflict with the version's state (409), a stale If-Match (412).

-- A chain version as the API shows it; with p_graph its steps (in position order, each with
-- its providers) and edges (from the start first, then in the order of their steps).
CREATE FUNCTION chain_version_json(v chain_version, p_graph boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'chain_id', v.chain_id, 'number', v.number, 'status', v.status, 'note', v.note,
        'created_by', v.created_by, 'created_at', v.created_at,
        'published_at', v.published_at, 'retired_at', v.retired_at,
        'version', v.version, 'updated_at', v.updated_at)
        || CASE WHEN p_graph THEN jsonb_build_object(
        'steps', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'key', s.key, 'name', s.name, 'category', s.category, 'required', s.required,
                'target_days_to_accept', s.target_days_to_accept,
                'target_days_to_start', s.target_days_to_start, 'guidance', s.guidance,
                'providers', coalesce((
                    SELECT jsonb_agg(p.node_id ORDER BY p.node_id) FROM chain_step_provider p
                     WHERE p.version_id = s.version_id AND p.step_key = s.key), '[]'))
                ORDER BY s.position, s.key)
              FROM chain_step s WHERE s.version_id = v.id), '[]'),
        'edges', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'from', coalesce(e.from_key, 'start'), 'to', e.to_key, 'label', e.label)
                ORDER BY f.position NULLS FIRST, e.from_key NULLS FIRST, t.position, e.to_key)
              FROM chain_edge e
              LEFT JOIN chain_step f ON f.version_id = e.version_id AND f.key = e.from_key
              LEFT JOIN chain_step t ON t.version_id = e.version_id AND t.key = e.to_key
             WHERE e.version_id = v.id), '[]'))
        ELSE '{}'::jsonb END
$$;

CREATE FUNCTION chain_graph_problems(p_network uuid, p_graph jsonb, OUT errors jsonb,
                                                OUT warnings jsonb)
LANGUAGE sql STABLE AS $$
    WITH s AS (
        SELECT x.o - 1 AS i, x.st->>'key' AS key, x.st->>'category' AS category,
               coalesce(x.st->'providers', '[]') AS providers
          FROM jsonb_array_elements(coalesce(p_graph->'steps', '[]')) WITH ORDINALITY AS x(st, o)),
    p AS (
        SELECT s.i, s.key, s.category, y.q - 1 AS j, y.pid::uuid AS node_id,
               EXISTS (SELECT 1 FROM network_member m JOIN node n ON n.id = m.node_id
                        WHERE m.network_id = p_network AND m.node_id = y.pid::uuid
                          AND m.active AND n.active) AS member
          FROM s, jsonb_array_elements_text(s.providers) WITH ORDINALITY AS y(pid, q)
         WHERE y.pid IS NOT NULL),
    e AS (
        SELECT s.i, 0 AS kind, 0 AS j, jsonb_build_object(
                   'field', format('steps[%s].category', s.i), 'step', s.key,
                   'code', 'unknown_category',
                   'message', format('Step "%s" names the category "%s", which does not exist.',
                                     s.key, s.category)) AS item
          FROM s WHERE NOT EXISTS (SELECT 1 FROM taxonomy t WHERE t.code = s.category)
        UNION ALL
        SELECT p.i, 1, p.j, jsonb_build_object(
                   'field', format('steps[%s].providers[%s]', p.i, p.j), 'step', p.key,
                   'code', 'provider_not_member', 'node_id', p.node_id,
                   'message', format('Provider %s of step "%s" is not an active member of the '
                                     'network.', p.node_id, p.key))
          FROM p WHERE NOT p.member),
    w AS (
        SELECT p.i, p.j, jsonb_build_object(
                   'field', format('steps[%s].providers[%s]', p.i, p.j), 'step', p.key,
                   'code', 'provider_without_service', 'node_id', p.node_id,
                   'message', format('Provider %s (%s) of step "%s" offers no active service in '
                                     'the category "%s".', p.node_id, n.name, p.key, p.category)) AS item
          FROM p JOIN node n ON n.id = p.node_id
         WHERE p.member AND NOT EXISTS (
                   SELECT 1 FROM service sv
                    WHERE sv.node_id = p.node_id AND sv.category = p.category
                      AND sv.status = 'active'))
    SELECT coalesce((SELECT jsonb_agg(item ORDER BY i, kind, j) FROM e), '[]'),
           coalesce((SELECT jsonb_agg(item ORDER BY i, j) FROM w), '[]')
$$;


-- The chain p_chain locked for a version write by a coordinator, or NULL when the caller
-- may not edit it (or it does not exist).
CREATE FUNCTION chain_for_write(p_chain uuid, p_admin boolean, p_networks uuid[])
RETURNS chain LANGUAGE plpgsql AS $$
DECLARE
    c chain;
BEGIN
    SELECT * INTO c FROM chain WHERE id = p_chain FOR UPDATE;
    IF NOT FOUND OR chain_access(c.network_id, p_admin, p_networks, NULL)
                    IS DISTINCT FROM 'coordinator' THEN
        RETURN NULL;
    END IF;
    RETURN c;
END $$;

-- The life cycle of a version: born a draft; a draft may change freely and be published
-- (published_at is filled in when not given); a published version may only be retired
-- (retired_at likewise); a retired version is final. Published and retired versions
-- cannot be deleted.
CREATE FUNCTION chain_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN
            RAISE EXCEPTION 'a chain version is created as a draft, not %', NEW.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_transition', TABLE = 'chain_version',
                      COLUMN = 'status';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'chain version % is %; only a draft can be deleted', OLD.number, OLD.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_immutable', TABLE = 'chain_version';
        END IF;
        RETURN OLD;
    END IF;
    -- UPDATE
    IF NEW.id <> OLD.id OR NEW.chain_id <> OLD.chain_id THEN
        RAISE EXCEPTION 'a chain version cannot move'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  CONSTRAINT = 'chain_version_status_immutable', TABLE = 'chain_version';
    END IF;
    IF OLD.status = 'draft' THEN
        IF NEW.status = 'retired' THEN
            RAISE EXCEPTION 'a draft cannot be retired; delete it instead'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_transition', TABLE = 'chain_version',
                      COLUMN = 'status';
        END IF;
        IF NEW.status = 'published' AND NEW.published_at IS NULL THEN
            NEW.published_at := now();
        END IF;
        RETURN NEW;
    END IF;
    -- Published or retired: nothing of the content may change.
    IF (NEW.number, NEW.note, NEW.created_by, NEW.created_at, NEW.published_at)
           IS DISTINCT FROM (OLD.number, OLD.note, OLD.created_by, OLD.created_at, OLD.published_at)
       OR (OLD.status = 'retired' AND NEW IS DISTINCT FROM OLD) THEN
        RAISE EXCEPTION 'chain version % is % and cannot be changed', OLD.number, OLD.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  CONSTRAINT = 'chain_version_status_immutable', TABLE = 'chain_version';
    END IF;
    IF OLD.status = 'published' THEN
        IF NEW.status = 'draft' THEN
            RAISE EXCEPTION 'a published chain version cannot go back to draft'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_transition', TABLE = 'chain_version',
                      COLUMN = 'status';
        END IF;
        IF NEW.status = 'retired' AND NEW.retired_at IS NULL THEN
            NEW.retired_at := now();
        END IF;
        IF NEW.status = 'published' AND NEW.retired_at IS NOT NULL THEN
            RAISE EXCEPTION 'chain version % is published and cannot be changed', OLD.number
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_immutable', TABLE = 'chain_version';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chain_version_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_version
    FOR EACH ROW EXECUTE FUNCTION chain_version_guard();

-- A provider must be an active member of the chain's network when it is added.
CREATE FUNCTION chain_step_provider_check_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A missing node or version is left to NOT NULL and the foreign keys.
    IF NEW.node_id IS NOT NULL AND NOT EXISTS (
        SELECT 1
          FROM chain_version v
          JOIN chain c ON c.id = v.chain_id
          JOIN network_member m ON m.network_id = c.network_id AND m.node_id = NEW.node_id
         WHERE v.id = NEW.version_id AND m.active
    ) AND EXISTS (SELECT 1 FROM chain_version v WHERE v.id = NEW.version_id) THEN
        RAISE EXCEPTION 'node % is not an active member of the chain''s network', NEW.node_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'chain_step_provider_node_id_member',
                  TABLE = 'chain_step_provider', COLUMN = 'node_id';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chain_step_provider_node_id_member BEFORE INSERT OR UPDATE OF version_id, node_id
    ON chain_step_provider FOR EACH ROW EXECUTE FUNCTION chain_step_provider_check_member();

-- Steps, edges and providers change only while their version is a draft. The version row is
-- share-locked, so a concurrent publish waits for (or is waited on by) this change.
CREATE FUNCTION chain_content_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
    v_number integer;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status, number INTO v_status, v_number
          FROM chain_version WHERE id = OLD.version_id FOR SHARE;
        -- Not found: the version itself is being deleted (a draft), the cascade is fine.
        IF FOUND AND v_status <> 'draft' THEN
            RAISE EXCEPTION 'chain version % is %; its % cannot be changed',
                v_number, v_status, replace(TG_TABLE_NAME, 'chain_', '')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_immutable', TABLE = TG_TABLE_NAME;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT status, number INTO v_status, v_number
          FROM chain_version WHERE id = NEW.version_id FOR SHARE;
        IF FOUND AND v_status <> 'draft' THEN
            RAISE EXCEPTION 'chain version % is %; its % cannot be changed',
                v_number, v_status, replace(TG_TABLE_NAME, 'chain_', '')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_immutable', TABLE = TG_TABLE_NAME;
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER chain_step_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_step
    FOR EACH ROW EXECUTE FUNCTION chain_content_guard();
CREATE TRIGGER chain_edge_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_edge
    FOR EACH ROW EXECUTE FUNCTION chain_content_guard();
CREATE TRIGGER chain_step_provider_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_step_provider
    FOR EACH ROW EXECUTE FUNCTION chain_content_guard();

-- Refuse a graph the database found problems in (chain_graph_problems' errors).
CREATE FUNCTION chain_refuse_problems(p_errors jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n integer := jsonb_array_length(p_errors);
BEGIN
    IF n > 0 THEN
        PERFORM problem_fields(422, 'invalid-chain',
                               format('The chain has %s problem%s; each is listed in errors.',
                                      n, CASE WHEN n = 1 THEN '' ELSE 's' END),
                               p_errors);
    END IF;
END $$;

-- Version p_number of p_chain, locked for a change by a coordinator of its chain (the chain
-- is locked too), or NULL when the caller may not see it; refused unless it is a draft
-- (409 version-frozen) at row version p_expected (NULL: any; else 412).
CREATE FUNCTION chain_draft_for_write(p_chain uuid, p_number integer, p_expected integer,
                                      p_admin boolean, p_networks uuid[])
RETURNS chain_version LANGUAGE plpgsql AS $$
DECLARE
    c chain;
    v chain_version;
BEGIN
    c := chain_for_write(p_chain, p_admin, p_networks);
    IF c.id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v FROM chain_version WHERE chain_id = c.id AND number = p_number FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v.status <> 'draft' THEN
        PERFORM problem(409, 'version-frozen',
                        format('Version %s of this chain is %s; it never changes again. Create a '
                               'new draft and change that.', v.number, v.status));
    END IF;
    IF p_expected IS NOT NULL AND v.version <> p_expected THEN
        PERFORM stale('version', v.version);
    END IF;
    RETURN v;
END $$;

-- A new draft of p_chain, numbered after the last version: a copy of the published version
-- when p_copy and there is one (providers that are no longer active members are left out),
-- else empty. A chain has at most one draft (409 draft-exists).
CREATE FUNCTION chain_version_create(p_account uuid, p_node uuid, p_request text, p_client text,
                                     p_chain uuid, p_copy boolean, p_note text,
                                     p_admin boolean, p_networks uuid[],
                                     OUT outcome text, OUT body text, OUT version integer,
                                     OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c chain;
    v chain_version;
    src chain_version;
    draft integer;
BEGIN
    c := chain_for_write(p_chain, p_admin, p_networks);
    IF c.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    SELECT number INTO draft FROM chain_version WHERE chain_id = c.id AND status = 'draft';
    IF FOUND THEN
        PERFORM problem(409, 'draft-exists',
                        format('This chain has a draft already (version %s): edit it, publish '
                               'it or delete it first.', draft));
    END IF;
    IF p_copy THEN
        SELECT * INTO src FROM chain_version WHERE chain_id = c.id AND status = 'published';
    END IF;
    INSERT INTO chain_version (chain_id, number, note, created_by)
    VALUES (c.id, (SELECT coalesce(max(number), 0) + 1 FROM chain_version WHERE chain_id = c.id),
            p_note, p_account)
    RETURNING * INTO v;
    IF src.id IS NOT NULL THEN
        INSERT INTO chain_step (version_id, key, name, category, required, target_days_to_accept,
                                target_days_to_start, guidance, position)
        SELECT v.id, s.key, s.name, s.category, s.required, s.target_days_to_accept,
               s.target_days_to_start, s.guidance, s.position
          FROM chain_step s WHERE s.version_id = src.id;
        INSERT INTO chain_step_provider (version_id, step_key, node_id)
        SELECT v.id, p.step_key, p.node_id
          FROM chain_step_provider p
          JOIN network_member m ON m.network_id = c.network_id AND m.node_id = p.node_id
          JOIN node n ON n.id = p.node_id
         WHERE p.version_id = src.id AND m.active AND n.active;
        INSERT INTO chain_edge (version_id, from_key, to_key, label)
        SELECT v.id, e.from_key, e.to_key, e.label FROM chain_edge e WHERE e.version_id = src.id;
    END IF;
    UPDATE chain SET version = chain.version + 1, updated_at = now() WHERE id = c.id;
    PERFORM audit(p_account, p_node, 'chain_version.create', 'chain_version', v.id, p_request,
                  p_client, jsonb_build_object('chain_id', c.id, 'number', v.number,
                                               'copied_from', src.number));
    outcome := 'created';
    body := chain_version_json(v, true)::text;
    version := v.version;
    location := format('/v1/chains/%s/versions/%s', c.id, v.number);
END $$;

-- Replace the graph (and note) of draft p_number of p_chain with p_graph (the API's JSON,
-- already checked by lib/chain.c). p_expected: the If-Match version or NULL.
CREATE FUNCTION chain_version_replace(p_account uuid, p_node uuid, p_request text, p_client text,
                                      p_chain uuid, p_number integer, p_expected integer,
                                      p_graph jsonb, p_admin boolean, p_networks uuid[],
                                      OUT outcome text, OUT body text, OUT version integer,
                                      OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c chain;
    v chain_version;
    errors jsonb;
    warnings jsonb;
BEGIN
    v := chain_draft_for_write(p_chain, p_number, p_expected, p_admin, p_networks);
    IF v.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    SELECT * INTO c FROM chain WHERE id = v.chain_id;
    SELECT g.errors, g.warnings INTO errors, warnings
      FROM chain_graph_problems(c.network_id, p_graph) g;
    PERFORM chain_refuse_problems(errors);
    DELETE FROM chain_edge WHERE version_id = v.id;
    DELETE FROM chain_step_provider WHERE version_id = v.id;
    DELETE FROM chain_step WHERE version_id = v.id;
    INSERT INTO chain_step (version_id, key, name, category, required, target_days_to_accept,
                            target_days_to_start, guidance, position)
    SELECT v.id, x.st->>'key', x.st->>'name', x.st->>'category',
           coalesce((x.st->>'required')::boolean, true),
           (x.st->>'target_days_to_accept')::integer, (x.st->>'target_days_to_start')::integer,
           x.st->>'guidance', x.o - 1
      FROM jsonb_array_elements(p_graph->'steps') WITH ORDINALITY AS x(st, o);
    INSERT INTO chain_step_provider (version_id, step_key, node_id)
    SELECT v.id, st->>'key', pid::uuid
      FROM jsonb_array_elements(p_graph->'steps') AS st,
           jsonb_array_elements_text(coalesce(st->'providers', '[]')) AS pid;
    INSERT INTO chain_edge (version_id, from_key, to_key, label)
    SELECT v.id, nullif(ed->>'from', 'start'), ed->>'to', ed->>'label'
      FROM jsonb_array_elements(coalesce(p_graph->'edges', '[]')) AS ed;
    UPDATE chain_version SET note = p_graph->>'note', version = chain_version.version + 1,
                             updated_at = now()
     WHERE id = v.id RETURNING * INTO v;
    PERFORM audit(p_account, p_node, 'chain_version.update', 'chain_version', v.id, p_request,
                  p_client, jsonb_build_object('chain_id', c.id, 'number', v.number,
                      'steps', jsonb_array_length(p_graph->'steps'),
                      'edges', jsonb_array_length(coalesce(p_graph->'edges', '[]'))));
    outcome := 'ok';
    body := (chain_version_json(v, true) || jsonb_build_object('warnings', warnings))::text;
    version := v.version;
END $$;

-- Publish draft p_number of p_chain, whose graph the server has just checked at row version
-- p_expected; the published version before it is retired in the same transaction.
CREATE FUNCTION chain_version_publish(p_account uuid, p_node uuid, p_request text, p_client text,
                                      p_chain uuid, p_number integer, p_expected integer,
                                      p_admin boolean, p_networks uuid[],
                                      OUT outcome text, OUT body text, OUT version integer,
                                      OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c chain;
    v chain_version;
    old_id uuid;
    old_number integer;
    errors jsonb;
    warnings jsonb;
BEGIN
    v := chain_draft_for_write(p_chain, p_number, p_expected, p_admin, p_networks);
    IF v.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    SELECT * INTO c FROM chain WHERE id = v.chain_id;
    SELECT g.errors, g.warnings INTO errors, warnings
      FROM chain_graph_problems(c.network_id, chain_version_json(v, true)) g;
    PERFORM chain_refuse_problems(errors);
    UPDATE chain_version SET status = 'retired', retired_at = now(),
                             version = chain_version.version + 1, updated_at = now()
     WHERE chain_id = c.id AND status = 'published'
    RETURNING id, number INTO old_id, old_number;
    IF old_id IS NOT NULL THEN
        PERFORM audit(p_account, p_node, 'chain_version.retire', 'chain_version', old_id,
                      p_request, p_client,
                      jsonb_build_object('chain_id', c.id, 'number', old_number,
                                         'replaced_by', v.number));
    END IF;
    UPDATE chain_version SET status = 'published', published_at = now(),
                             version = chain_version.version + 1, updated_at = now()
     WHERE id = v.id RETURNING * INTO v;
    UPDATE chain SET version = chain.version + 1, updated_at = now() WHERE id = c.id;
    PERFORM audit(p_account, p_node, 'chain_version.publish', 'chain_version', v.id, p_request,
                  p_client, jsonb_build_object('chain_id', c.id, 'number', v.number,
                                               'retired', old_number));
    outcome := 'ok';
    body := (chain_version_json(v, true) || jsonb_build_object('warnings', warnings))::text;
    version := v.version;
END $$;
