-- Cases (Fälle), their consents (Einwilligungen), enrolment in a chain, where a case stands
-- on it and the steps its owner delivers itself (server/api/cases.c; docs/architecture.md,
-- "Access rules").

-- The active consents of the case that cover node, in no order: the existence checks (a page's
-- basis, per row) need none; referral_basis_choose takes the newest (a referral on consent names
-- the one it went on).
CREATE FUNCTION consent_covering(p_case uuid, p_node uuid) RETURNS SETOF consent
LANGUAGE sql STABLE AS $$
    SELECT c.* FROM consent c JOIN client_case k ON k.id = c.case_id
     WHERE c.case_id = p_case AND consent_active(c)
       AND (c.recipient_node_id = p_node
            OR (c.scope = 'network' AND EXISTS (
                SELECT 1 FROM network_member m
                WHERE m.network_id = k.network_id AND m.node_id = p_node AND m.active)));
$$;

-- Whether an active consent of the case covers node. PL/pgSQL on purpose: called per row
-- (a case's conferences), and PostgreSQL plans a SQL function that it cannot inline afresh
-- at each call, while PL/pgSQL keeps its plan. Referral pages join consent_covering instead
-- (referral_basis, inlined into referral_view).
CREATE FUNCTION consent_covers(p_case uuid, p_node uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM consent_covering(p_case, p_node));
END $$;

-- A case as node p_node sees it: the owner sees the whole case with its team (the
-- responsible person and deputies, schema/functions/case_team.sql) and its next follow-up
-- date; a node holding a referral on it sees its reference and target group and nothing else.
CREATE FUNCTION case_json(c client_case, p_node uuid) RETURNS json LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v chain_version;
BEGIN
    IF c.owner_node_id = p_node THEN
        SELECT * INTO v FROM chain_version WHERE id = c.chain_version_id;
        RETURN json_build_object(
            'id', c.id, 'network_id', c.network_id, 'owner_node_id', c.owner_node_id,
            'reference', c.reference, 'target_group_id', c.target_group_id,
            'district', c.district, 'chain_id', v.chain_id, 'chain_version', v.number,
            'enrolled_at', c.enrolled_at, 'status', c.status, 'close_reason', c.close_reason,
            'opened_at', c.opened_at, 'closed_at', c.closed_at, 'version', c.version,
            'updated_at', c.updated_at, 'access', 'owner',
            'responsible', account_ref(c.responsible_account_id),
            'deputies', coalesce((SELECT json_agg(account_ref(d.account_id)
                                                  ORDER BY d.added_at, d.account_id)
                                  FROM case_deputy d WHERE d.case_id = c.id), '[]'),
            'next_follow_up_on', (SELECT min(f.due_on) FROM case_follow_up f
                                   WHERE f.case_id = c.id AND f.node_id = c.owner_node_id
                                     AND f.done_at IS NULL));
    END IF;
    RETURN json_build_object('id', c.id, 'reference', c.reference,
                             'target_group_id', c.target_group_id, 'access', 'referral');
END $$;

-- Whether p_node may see case p_case at all: it owns it or holds a referral on it.
CREATE FUNCTION case_visible(p_case uuid, p_node uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM client_case WHERE id = p_case AND owner_node_id = p_node)
        OR EXISTS (SELECT 1 FROM referral WHERE case_id = p_case
                   AND p_node IN (from_node_id, to_node_id));
END $$;

CREATE FUNCTION consent_json(c consent) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', c.id, 'case_id', c.case_id, 'scope', c.scope,
        'recipient_node_id', c.recipient_node_id, 'purpose', c.purpose,
        'legal_basis', c.legal_basis, 'purpose_code', c.purpose_code,
        'given_on', c.given_on, 'expires_on', c.expires_on, 'evidence', c.evidence,
        'recorded_by', c.recorded_by, 'created_at', c.created_at, 'revoked_at', c.revoked_at,
        'active', consent_active(c));
$$;

-- Open a case for the actor's node, which must be an active member of the target group's
-- network.
CREATE FUNCTION case_create(p_account uuid, p_node uuid, p_request text, p_client text,
                            p_reference text, p_target_group uuid, p_district text,
                            OUT outcome text, OUT body text, OUT version integer,
                            OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    t target_group;
    c client_case;
BEGIN
    SELECT * INTO t FROM target_group WHERE id = p_target_group;
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'There is no such target group.', 'target_group_id',
                        'not_found');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM network_member m JOIN node n ON n.id = m.node_id
                    WHERE m.network_id = t.network_id AND m.node_id = p_node AND m.active
                      AND n.active) THEN
        PERFORM problem(422, 'not-a-member',
                        'Your node is not an active member of the target group''s network.',
                        'target_group_id');
    END IF;
    INSERT INTO client_case (network_id, owner_node_id, reference, target_group_id, district,
                             created_by)
    VALUES (t.network_id, p_node, p_reference, p_target_group, p_district, p_account)
    RETURNING * INTO c;
    PERFORM audit(p_account, p_node, 'case.create', 'client_case', c.id, p_request, p_client);
    outcome := 'created';
    body := case_json(c, p_node)::text;
    version := c.version;
    location := '/v1/cases/' || c.id;
END $$;

-- What every change of a case keeps: a closed case does not change (409 case-closed).
CREATE FUNCTION case_refuse_closed(c client_case) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF c.status = 'closed' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed; closed cases do not change.');
    END IF;
END $$;

-- Change or close the actor's case at row version p_expected (NULL: any) with the fields
-- p_patch names. A case with open referrals cannot be closed (409); closing cancels its
-- planned case conferences (conference_cancel_for_close, schema/functions/conferences.sql).
CREATE FUNCTION case_update(p_account uuid, p_node uuid, p_request text, p_client text,
                            p_id uuid, p_expected integer, p_patch jsonb,
                            OUT outcome text, OUT body text, OUT version integer,
                            OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    closing boolean := p_patch->>'status' = 'closed';
BEGIN
    SELECT * INTO c FROM client_case WHERE id = p_id AND owner_node_id = p_node FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF p_expected IS NOT NULL AND c.version <> p_expected THEN
        PERFORM problem(412, 'stale', format('The case is at version %s; read it again.',
                                             c.version));
    END IF;
    PERFORM case_refuse_closed(c);
    IF closing AND EXISTS (SELECT 1 FROM referral x JOIN referral_status s ON s.status = x.status
                            WHERE x.case_id = p_id AND s.open) THEN
        PERFORM problem(409, 'open-referrals',
                        'The case has open referrals: close or withdraw them first.');
    END IF;
    IF closing THEN
        PERFORM conference_cancel_for_close(c, p_account, p_node, p_request, p_client);
    END IF;
    UPDATE client_case SET
        reference = CASE WHEN p_patch ? 'reference' THEN p_patch->>'reference' ELSE reference END,
        district = CASE WHEN p_patch ? 'district' THEN p_patch->>'district' ELSE district END,
        status = CASE WHEN closing THEN 'closed' ELSE status END,
        close_reason = CASE WHEN closing THEN p_patch->>'close_reason' ELSE close_reason END,
        closed_at = CASE WHEN closing THEN now() ELSE closed_at END,
        version = client_case.version + 1, updated_at = now()
     WHERE id = p_id
    RETURNING * INTO c;
    PERFORM audit(p_account, p_node, CASE WHEN closing THEN 'case.close' ELSE 'case.update' END,
                  'client_case', c.id, p_request, p_client,
                  jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys(p_patch) k)));
    outcome := 'ok';
    body := case_json(c, p_node)::text;
    version := c.version;
END $$;

-- Record a consent on the actor's open case, on a basis of kind consent (by default the one
-- for the owner's kind of node: legal_basis_consent_default) for a purpose from the list.
CREATE FUNCTION consent_create(p_account uuid, p_node uuid, p_request text, p_client text,
                               p_case uuid, p_scope text, p_recipient uuid, p_purpose text,
                               p_given date, p_expires date, p_evidence text,
                               p_legal_basis text, p_purpose_code text,
                               OUT outcome text, OUT body text, OUT version integer,
                               OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    k consent;
BEGIN
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    PERFORM case_refuse_closed(c);
    IF p_recipient IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM network_member m WHERE m.network_id = c.network_id
               AND m.node_id = p_recipient AND m.active) THEN
        PERFORM problem(422, 'not-a-member',
                        'The recipient is not an active member of the case''s network.',
                        'recipient_node_id');
    END IF;
    IF p_given > current_date THEN
        PERFORM problem(422, 'validation', 'A consent cannot be given in the future.', 'given_on',
                        'future');
    END IF;
    PERFORM legal_basis_check_consent(p_legal_basis, p_purpose_code);
    INSERT INTO consent (case_id, scope, recipient_node_id, purpose, given_on, expires_on,
                         evidence, recorded_by, legal_basis, purpose_code)
    VALUES (p_case, p_scope, p_recipient, p_purpose, p_given, p_expires, p_evidence, p_account,
            coalesce(p_legal_basis, legal_basis_consent_default(p_node)), p_purpose_code)
    RETURNING * INTO k;
    PERFORM audit(p_account, p_node, 'consent.create', 'consent', k.id, p_request, p_client,
                  jsonb_build_object('case_id', p_case, 'scope', p_scope,
                                     'recipient_node_id', p_recipient,
                                     'legal_basis', k.legal_basis,
                                     'purpose_code', k.purpose_code));
    outcome := 'created';
    body := consent_json(k)::text;
END $$;

-- Revoke a consent at once: from now on it covers nobody, notes are hidden from the nodes it
-- covered, and their open referrals that no other consent covers are withdrawn for the
-- case's side (reason consent_revoked) by referral_move, as a request would withdraw them.
-- Referrals sent on a statutory basis do not rest on the consent and stay.
-- Answers the consent and the ids of the referrals withdrawn.
CREATE FUNCTION consent_revoke(p_account uuid, p_node uuid, p_request text, p_client text,
                               p_id uuid, OUT outcome text, OUT body text, OUT version integer,
                               OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    k consent;
    r referral;
    withdrawn uuid[] := '{}';
BEGIN
    -- The case first (the order referral_create takes its locks in), then the consent. FOR
    -- NO KEY UPDATE conflicts with the FOR SHARE of a referral_create and with another
    -- revocation: whichever comes second waits, and its next statement (READ COMMITTED: a
    -- new snapshot) sees what the first committed. A create after a revocation fails its
    -- consent check; a revocation after a create withdraws the new referral.
    PERFORM 1 FROM client_case c
     WHERE c.id = (SELECT case_id FROM consent WHERE id = p_id) AND c.owner_node_id = p_node
       FOR NO KEY UPDATE;
    SELECT k2.* INTO k FROM consent k2 JOIN client_case c ON c.id = k2.case_id
     WHERE k2.id = p_id AND c.owner_node_id = p_node FOR UPDATE OF k2;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF k.revoked_at IS NULL THEN
        UPDATE consent SET revoked_at = now(), revoked_by = p_account WHERE id = p_id
        RETURNING * INTO k;
        FOR r IN
            SELECT x.* FROM referral x JOIN referral_status s ON s.status = x.status
             WHERE x.case_id = k.case_id AND s.open
               AND NOT referral_basis_holds(x)
             FOR UPDATE OF x
        LOOP
            r := referral_move(r, 'withdrawn', 'sender', 'consent_revoked', NULL, NULL, NULL,
                               NULL, p_account, p_node, p_request, p_client);
            withdrawn := withdrawn || r.id;
        END LOOP;
        INSERT INTO outbox (type, node_ids, payload)
        SELECT 'consent.revoked',
               array_agg(DISTINCT n) FILTER (WHERE n IS NOT NULL),
               jsonb_build_object('consent_id', k.id, 'case_id', k.case_id,
                                  'withdrawn_referral_ids', to_jsonb(withdrawn))
          FROM (SELECT p_node AS n UNION SELECT k.recipient_node_id
                UNION SELECT to_node_id FROM referral WHERE id = ANY (withdrawn)) nodes;
        PERFORM pg_notify('pnet_outbox', '');
        PERFORM audit(p_account, p_node, 'consent.revoke', 'consent', k.id, p_request, p_client,
                      jsonb_build_object('withdrawn_referral_ids', to_jsonb(withdrawn)));
    END IF;
    outcome := 'ok';
    body := json_build_object('consent', consent_json(k),
                              'withdrawn_referral_ids', to_json(withdrawn))::text;
END $$;

-- Enrol the actor's case in a chain: pin the chain's current published version.
CREATE FUNCTION case_enrol(p_account uuid, p_node uuid, p_request text, p_client text,
                           p_case uuid, p_chain uuid, OUT outcome text, OUT body text,
                           OUT version integer, OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    ch chain;
    v chain_version;
BEGIN
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    PERFORM case_refuse_closed(c);
    SELECT * INTO ch FROM chain WHERE id = p_chain AND network_id = c.network_id;
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'The case''s network has no such chain.', 'chain_id',
                        'not_found');
    END IF;
    IF ch.target_group_id <> c.target_group_id THEN
        PERFORM problem(422, 'validation', 'The chain is for another target group.', 'chain_id',
                        'other_target_group');
    END IF;
    SELECT * INTO v FROM chain_version WHERE chain_id = p_chain AND status = 'published';
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'The chain has no published version.', 'chain_id',
                        'not_published');
    END IF;
    UPDATE client_case SET chain_version_id = v.id, enrolled_at = now(),
                           version = client_case.version + 1, updated_at = now()
     WHERE id = p_case
    RETURNING * INTO c;
    PERFORM audit(p_account, p_node, 'case.enrol', 'client_case', c.id, p_request, p_client,
                  jsonb_build_object('chain_id', p_chain, 'chain_version', v.number));
    outcome := 'ok';
    body := case_json(c, p_node)::text;
    version := c.version;
END $$;

CREATE FUNCTION case_step_json(s case_step) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'case_id', s.case_id, 'step_key', s.step_key, 'state', s.state,
        'started_at', s.started_at, 'done_at', s.done_at, 'note', s.note,
        'node_id', s.node_id, 'recorded_by', s.recorded_by, 'version', s.version,
        'created_at', s.created_at, 'updated_at', s.updated_at);
$$;

-- Record that the actor's node started (p_state in_progress) or finished (done) a step of
-- its open, enrolled case itself, at p_at (now when NULL; never in the future). A step goes
-- from nothing to in_progress or done, and from in_progress to done; a done step stays done.
-- Answers the record, or 'not_found' (not the node's case, or no such step).
CREATE FUNCTION case_step_record(p_account uuid, p_node uuid, p_request text, p_client text,
                                 p_case uuid, p_key text, p_state text, p_at timestamptz,
                                 p_note text, OUT outcome text, OUT body text,
                                 OUT version integer, OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    s case_step;
    at timestamptz := coalesce(p_at, now());
    done boolean := p_state = 'done';
BEGIN
    -- FOR UPDATE: a close or transfer of the case waits, and then sees the step.
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    PERFORM case_refuse_closed(c);
    IF c.chain_version_id IS NULL THEN
        PERFORM problem(409, 'not-enrolled',
                        'The case is not enrolled in a chain: POST /v1/cases/{id}/enrolment.');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM chain_step WHERE version_id = c.chain_version_id
                                              AND key = p_key) THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    -- A minute of grace for clocks that run a little ahead of the database's.
    IF at > now() + interval '1 minute' THEN
        PERFORM problem(422, 'validation', 'Must not lie in the future.', 'at', 'future');
    END IF;
    SELECT * INTO s FROM case_step WHERE case_id = p_case AND step_key = p_key FOR UPDATE;
    IF FOUND AND s.done_at IS NOT NULL THEN
        PERFORM problem(409, 'step-done', 'This step is recorded as done already.');
    END IF;
    IF FOUND AND NOT done THEN
        PERFORM problem(409, 'step-started', 'This step is recorded as started already.');
    END IF;
    IF FOUND AND at < s.started_at THEN
        PERFORM problem(422, 'validation', 'Must not lie before the step was started.', 'at',
                        'before_start');
    END IF;
    IF FOUND THEN
        UPDATE case_step SET state = p_state, done_at = at,
                             note = coalesce(p_note, case_step.note), recorded_by = p_account,
                             version = case_step.version + 1, updated_at = now()
         WHERE case_id = p_case AND step_key = p_key
        RETURNING * INTO s;
    ELSE
        INSERT INTO case_step (case_id, step_key, state, started_at, done_at, note, node_id,
                               recorded_by)
        VALUES (p_case, p_key, p_state, at, CASE WHEN done THEN at END, p_note, p_node,
                p_account)
        RETURNING * INTO s;
    END IF;
    PERFORM audit(p_account, p_node, 'case.step', 'client_case', p_case, p_request, p_client,
                  jsonb_build_object('step', p_key, 'state', p_state));
    outcome := 'ok';
    body := case_step_json(s)::text;
END $$;

-- The steps of the case's chain with their state and the referrals behind them, the edges,
-- and for each step the providers to suggest: eligible active members with an active service
-- in the step's category (and, when the service names target groups, the case's), those with
-- free capacity first, then those in the case's district. A step takes the highest state
-- (chain_step_state.rank) its referrals (referral_status.step_state) or the owner's own
-- record of it give it. Each step carries 'own' (the record, or null), 'own_provider' (the
-- owner is one of the step's providers) and the reason and outcome of its referrals.
-- Suggestions never name the owner itself: it cannot refer to itself.
CREATE FUNCTION case_chain_state(p_case uuid, p_node uuid) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object(
            'case_id', c.id, 'chain_id', v.chain_id, 'chain_version', v.number,
            'steps', coalesce((
                SELECT json_agg(st.j ORDER BY st.position, st.key) FROM (
                SELECT s.position, s.key, json_build_object(
                    'key', s.key, 'name', s.name, 'category', s.category, 'required', s.required,
                    'target_days_to_accept', s.target_days_to_accept,
                    'target_days_to_start', s.target_days_to_start, 'guidance', s.guidance,
                    'state', (SELECT x.state FROM chain_step_state x
                               WHERE x.rank = greatest(max(rank_of_referral.rank),
                                                       max(rank_of_own.rank), 0)),
                    'own', (SELECT case_step_json(o) FROM case_step o
                             WHERE o.case_id = c.id AND o.step_key = s.key),
                    'own_provider', EXISTS (SELECT 1 FROM chain_step_provider op
                                             WHERE op.version_id = s.version_id
                                               AND op.step_key = s.key AND op.node_id = p_node),
                    'referrals', coalesce(json_agg(json_build_object(
                        'id', r.id, 'to_node_id', r.to_node_id, 'status', r.status,
                        'status_reason', r.status_reason, 'outcome', r.outcome,
                        'updated_at', r.updated_at) ORDER BY r.created_at)
                        FILTER (WHERE r.id IS NOT NULL), '[]'),
                    'suggestions', (
                        SELECT coalesce(json_agg(json_build_object(
                            'node_id', n.id, 'node_name', n.name, 'district', n.district,
                            'service_id', sv.id, 'service_name', sv.name,
                            'capacity_free', sv.capacity_free, 'wait_days', sv.wait_days)
                            ORDER BY (coalesce(sv.capacity_free, 0) > 0) DESC,
                                     (n.district IS NOT DISTINCT FROM c.district) DESC,
                                     sv.wait_days NULLS LAST, n.name, sv.name), '[]')
                        FROM chain_step_provider p
                        JOIN node n ON n.id = p.node_id AND n.active
                        JOIN network_member m ON m.node_id = n.id AND m.network_id = c.network_id
                                             AND m.active
                        JOIN service sv ON sv.node_id = n.id AND sv.category = s.category
                                       AND sv.status = 'active'
                                       -- A service for named target groups only serves those.
                                       AND (sv.target_group_ids = '{}'
                                            OR c.target_group_id = ANY (sv.target_group_ids))
                        WHERE p.version_id = s.version_id AND p.step_key = s.key
                          AND n.id <> c.owner_node_id)) AS j
                FROM chain_step s
                LEFT JOIN referral r ON r.case_id = c.id AND r.chain_step_key = s.key
                LEFT JOIN referral_status rs ON rs.status = r.status
                LEFT JOIN chain_step_state rank_of_referral
                       ON rank_of_referral.state = rs.step_state
                -- at most one row per step: the join does not multiply the referrals
                LEFT JOIN case_step cs ON cs.case_id = c.id AND cs.step_key = s.key
                LEFT JOIN chain_step_state rank_of_own ON rank_of_own.state = cs.state
                WHERE s.version_id = v.id
                GROUP BY s.version_id, s.key, s.name, s.category, s.required,
                         s.target_days_to_accept, s.target_days_to_start, s.guidance, s.position
                ) st),
                '[]'),
            'edges', coalesce((SELECT json_agg(json_build_object(
                                          'from', coalesce(e.from_key, 'start'),
                                          'to', e.to_key) ORDER BY e.id)
                               FROM chain_edge e WHERE e.version_id = v.id), '[]'))
        FROM client_case c JOIN chain_version v ON v.id = c.chain_version_id
        WHERE c.id = p_case AND c.owner_node_id = p_node);
END $$;
