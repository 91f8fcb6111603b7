-- Service chains in the API (server/api/chains.c, chain_versions.c): who may see a network's
-- chains, how chains and versions look as JSON, and the version writes that touch several
-- tables and must be one transaction each (create a draft, replace its graph, publish it).
-- The graph's structure (a DAG reachable from the start, unique keys) is checked by
-- lib/chain.c before these functions run; they check what needs the database (categories
-- exist, providers are active members) and report every such problem at once.
--
-- The write functions answer (outcome, body, warnings): outcome 'ok' with the version as
-- body, 'not_found' (the caller may not see the chain or the version: nothing is said about
-- which) or 'invalid' with the list of problems as body; in the last two cases nothing was
-- written. A conflict with the version's state raises PN409, a stale If-Match PN412
-- (server/dberror.h).

-- How the caller stands to the chains of a network: 'coordinator' (admins, and coordinators
-- of that network: edit and publish, see drafts), 'member' (caseworkers of an active member
-- node: read chains and published or retired versions), or NULL (nothing is visible).
-- Auditors and everyone else get NULL: chains are the network's business.
CREATE FUNCTION chain_access(p_network uuid, p_admin boolean, p_networks uuid[], p_node uuid)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN coalesce(p_admin, false) OR p_network = ANY (coalesce(p_networks, '{}')) THEN 'coordinator'
        WHEN p_node IS NOT NULL AND EXISTS (
            SELECT 1 FROM network_member m JOIN node n ON n.id = m.node_id
             WHERE m.network_id = p_network AND m.node_id = p_node AND m.active AND n.active)
            THEN 'member'
    END
$$;

-- A chain as the API shows it; draft_version only for those who may see drafts.
CREATE FUNCTION chain_json(c chain, p_show_draft boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', c.id, 'network_id', c.network_id, 'target_group_id', c.target_group_id,
        'name', c.name, 'description', c.description,
        'current_version', (SELECT v.number FROM chain_version v
                             WHERE v.chain_id = c.id AND v.status = 'published'),
        'draft_version', CASE WHEN p_show_draft THEN
                             (SELECT v.number FROM chain_version v
                               WHERE v.chain_id = c.id AND v.status = 'draft') END,
        'version', c.version, 'created_at', c.created_at, 'updated_at', c.updated_at)
$$;

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

-- What the database knows about a graph (in the API's JSON shape) of a chain in p_network:
-- errors (a category that does not exist; a provider that is not an active member of the
-- network) and warnings (a provider without an active service in the step's category),
-- each {field, step, code, message}, in step order.
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
          FROM s, jsonb_array_elements_text(s.providers) WITH ORDINALITY AS y(pid, q)),
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
                   'code', 'provider_not_member',
                   'message', format('Provider %s of step "%s" is not an active member of the '
                                     'network.', p.node_id, p.key))
          FROM p WHERE NOT p.member),
    w AS (
        SELECT p.i, p.j, jsonb_build_object(
                   'field', format('steps[%s].providers[%s]', p.i, p.j), 'step', p.key,
                   'code', 'provider_without_service',
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

-- A new draft of p_chain, numbered after the last version: a copy of the published version
-- when p_copy and there is one (providers that are no longer active members are left out),
-- else empty. A chain has at most one draft (PN409 'draft-exists').
CREATE FUNCTION chain_version_create(p_account uuid, p_node uuid, p_request text, p_client text,
                                     p_admin boolean, p_networks uuid[], p_chain uuid,
                                     p_copy boolean, p_note text,
                                     OUT outcome text, OUT body jsonb)
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
        RAISE EXCEPTION 'This chain has a draft already (version %): edit it, publish it or '
                        'delete it first.', draft
            USING ERRCODE = 'PN409', DETAIL = 'draft-exists';
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
    UPDATE chain SET version = version + 1, updated_at = now() WHERE id = c.id;
    PERFORM audit(p_account, p_node, 'chain_version.create', 'chain_version', v.id, p_request,
                  p_client, jsonb_build_object('chain_id', c.id, 'number', v.number,
                                               'copied_from', src.number));
    outcome := 'ok';
    body := chain_version_json(v, true);
END $$;

-- Replace the graph (and note) of draft p_number of p_chain with p_graph (the API's JSON,
-- already checked by lib/chain.c). p_expected: the If-Match version or NULL.
CREATE FUNCTION chain_version_replace(p_account uuid, p_node uuid, p_request text, p_client text,
                                      p_admin boolean, p_networks uuid[], p_chain uuid,
                                      p_number integer, p_expected integer, p_graph jsonb,
                                      OUT outcome text, OUT body jsonb, OUT warnings jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    c chain;
    v chain_version;
    errs jsonb;
BEGIN
    c := chain_for_write(p_chain, p_admin, p_networks);
    IF c.id IS NOT NULL THEN
        SELECT * INTO v FROM chain_version WHERE chain_id = c.id AND number = p_number FOR UPDATE;
    END IF;
    IF v.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF v.status <> 'draft' THEN
        RAISE EXCEPTION 'Version % of this chain is %; it never changes again. Create a new '
                        'draft and change that.', v.number, v.status
            USING ERRCODE = 'PN409', DETAIL = 'version-frozen';
    END IF;
    IF p_expected IS NOT NULL AND v.version <> p_expected THEN
        RAISE EXCEPTION 'The version has changed since you read it (it is at version %); '
                        'read it again.', v.version
            USING ERRCODE = 'PN412', DETAIL = 'stale';
    END IF;
    SELECT g.errors, g.warnings INTO errs, warnings FROM chain_graph_problems(c.network_id, p_graph) g;
    IF jsonb_array_length(errs) > 0 THEN
        outcome := 'invalid';
        body := errs;
        RETURN;
    END IF;
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
    UPDATE chain_version SET note = p_graph->>'note', version = version + 1, updated_at = now()
     WHERE id = v.id RETURNING * INTO v;
    PERFORM audit(p_account, p_node, 'chain_version.update', 'chain_version', v.id, p_request,
                  p_client, jsonb_build_object('chain_id', c.id, 'number', v.number,
                      'steps', jsonb_array_length(p_graph->'steps'),
                      'edges', jsonb_array_length(coalesce(p_graph->'edges', '[]'))));
    outcome := 'ok';
    body := chain_version_json(v, true);
END $$;

-- Publish draft p_number of p_chain, whose graph the server has just checked at row version
-- p_expected; the published version before it is retired in the same transaction.
CREATE FUNCTION chain_version_publish(p_account uuid, p_node uuid, p_request text, p_client text,
                                      p_admin boolean, p_networks uuid[], p_chain uuid,
                                      p_number integer, p_expected integer,
                                      OUT outcome text, OUT body jsonb, OUT warnings jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    c chain;
    v chain_version;
    old_id uuid;
    old_number integer;
    errs jsonb;
BEGIN
    c := chain_for_write(p_chain, p_admin, p_networks);
    IF c.id IS NOT NULL THEN
        SELECT * INTO v FROM chain_version WHERE chain_id = c.id AND number = p_number FOR UPDATE;
    END IF;
    IF v.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF v.status <> 'draft' THEN
        RAISE EXCEPTION 'Version % of this chain is % already; only a draft can be published.',
                        v.number, v.status
            USING ERRCODE = 'PN409', DETAIL = 'version-frozen';
    END IF;
    IF v.version <> p_expected THEN
        RAISE EXCEPTION 'The version has changed since you read it (it is at version %); '
                        'read it again.', v.version
            USING ERRCODE = 'PN412', DETAIL = 'stale';
    END IF;
    SELECT g.errors, g.warnings INTO errs, warnings
      FROM chain_graph_problems(c.network_id, chain_version_json(v, true)) g;
    IF jsonb_array_length(errs) > 0 THEN
        outcome := 'invalid';
        body := errs;
        RETURN;
    END IF;
    UPDATE chain_version SET status = 'retired', retired_at = now(), version = version + 1,
                             updated_at = now()
     WHERE chain_id = c.id AND status = 'published'
    RETURNING id, number INTO old_id, old_number;
    IF old_id IS NOT NULL THEN
        PERFORM audit(p_account, p_node, 'chain_version.retire', 'chain_version', old_id,
                      p_request, p_client,
                      jsonb_build_object('chain_id', c.id, 'number', old_number,
                                         'replaced_by', v.number));
    END IF;
    UPDATE chain_version SET status = 'published', published_at = now(), version = version + 1,
                             updated_at = now()
     WHERE id = v.id RETURNING * INTO v;
    UPDATE chain SET version = version + 1, updated_at = now() WHERE id = c.id;
    PERFORM audit(p_account, p_node, 'chain_version.publish', 'chain_version', v.id, p_request,
                  p_client, jsonb_build_object('chain_id', c.id, 'number', v.number,
                                               'retired', old_number));
    outcome := 'ok';
    body := chain_version_json(v, true);
END $$;
