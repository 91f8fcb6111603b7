-- Steps of a case's chain that its owner delivers itself (the first counselling at the
-- jobcenter, say): recorded as started and as done without a referral to itself, and counted
-- in the case's progress like a referral's started and completed step
-- (POST /v1/cases/{id}/steps/{key}, docs/data-model.md).

CREATE TABLE case_step (
    case_id     uuid NOT NULL,
    step_key    text NOT NULL,
    state       text NOT NULL,
    started_at  timestamptz NOT NULL,
    done_at     timestamptz,
    note        text,
    -- The node that delivered the step: the case's owner when it was recorded (a transfer
    -- moves the case, not who did the work).
    node_id     uuid NOT NULL,
    recorded_by uuid,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_step_pkey PRIMARY KEY (case_id, step_key),
    CONSTRAINT case_step_case_id_fkey FOREIGN KEY (case_id) REFERENCES client_case (id)
        ON DELETE CASCADE,
    CONSTRAINT case_step_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id),
    CONSTRAINT case_step_state_check CHECK (state IN ('in_progress', 'done')),
    CONSTRAINT case_step_done_at_state CHECK ((state = 'done') = (done_at IS NOT NULL)),
    CONSTRAINT case_step_done_at_range CHECK (done_at IS NULL OR done_at >= started_at),
    CONSTRAINT case_step_note_length CHECK (note IS NULL OR char_length(note) <= 2000)
);

-- problem() with a code for the field error (in HINT): clients word (slug, code, field) in
-- their user's language, where the slug alone does not say which rule was broken.
CREATE FUNCTION problem(p_status integer, p_slug text, p_message text, p_field text, p_code text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'PN' || p_status::text, MESSAGE = p_message,
        DETAIL = p_slug, COLUMN = coalesce(p_field, ''), HINT = coalesce(p_code, '');
END $$;

CREATE FUNCTION case_step_json(s case_step) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'case_id', s.case_id, 'step_key', s.step_key, 'state', s.state,
        'started_at', s.started_at, 'done_at', s.done_at, 'note', s.note,
        'node_id', s.node_id, 'recorded_by', s.recorded_by, 'version', s.version,
        'created_at', s.created_at, 'updated_at', s.updated_at);
$$;

-- Record that the actor's node started (in_progress) or finished (done) a step of its open,
-- enrolled case itself, at p_at (now when NULL; never in the future). A step goes from
-- nothing to in_progress or done, and from in_progress to done; a done step stays done.
-- Answers 'ok' with the record, or 'not_found' (not the node's case, or no such step).
CREATE FUNCTION case_step_record(p_account uuid, p_node uuid, p_request text, p_client text,
                                 p_case uuid, p_key text, p_state text, p_at timestamptz,
                                 p_note text, OUT outcome text, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    s case_step;
    at timestamptz := coalesce(p_at, now());
BEGIN
    -- FOR UPDATE: a close or transfer of the case waits, and then sees the step.
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF c.status <> 'open' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed; closed cases do not change.');
    END IF;
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
    IF FOUND AND s.state = 'done' THEN
        PERFORM problem(409, 'step-done', 'This step is recorded as done already.');
    END IF;
    IF FOUND AND p_state = 'in_progress' THEN
        PERFORM problem(409, 'step-started', 'This step is recorded as started already.');
    END IF;
    IF FOUND AND at < s.started_at THEN
        PERFORM problem(422, 'validation', 'Must not lie before the step was started.', 'at',
                        'before_start');
    END IF;
    IF FOUND THEN
        UPDATE case_step SET state = 'done', done_at = at,
                             note = coalesce(p_note, case_step.note), recorded_by = p_account,
                             version = case_step.version + 1, updated_at = now()
         WHERE case_id = p_case AND step_key = p_key
        RETURNING * INTO s;
    ELSE
        INSERT INTO case_step (case_id, step_key, state, started_at, done_at, note, node_id,
                               recorded_by)
        VALUES (p_case, p_key, p_state, at, CASE WHEN p_state = 'done' THEN at END, p_note,
                p_node, p_account)
        RETURNING * INTO s;
    END IF;
    PERFORM audit(p_account, p_node, 'case.step', 'client_case', p_case, p_request, p_client,
                  jsonb_build_object('step', p_key, 'state', p_state));
    outcome := 'ok';
    body := case_step_json(s)::text;
END $$;

-- The chain state of a case (0011), now with the steps its owner delivers itself: each step
-- carries 'own' (the record, or null), 'own_provider' (the owner is one of the step's
-- providers) and the reason and outcome of its referrals; a step is done when a referral for
-- it completed or the owner recorded it done, in progress when one is under way or the owner
-- started it. Suggestions never name the owner itself: it cannot refer to itself.
CREATE OR REPLACE FUNCTION case_chain_state(p_case uuid, p_node uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'case_id', c.id, 'chain_id', v.chain_id, 'chain_version', v.number,
        'steps', coalesce((
            SELECT json_agg(st.j ORDER BY st.position, st.key) FROM (
            SELECT s.position, s.key, json_build_object(
                'key', s.key, 'name', s.name, 'category', s.category, 'required', s.required,
                'target_days_to_accept', s.target_days_to_accept,
                'target_days_to_start', s.target_days_to_start, 'guidance', s.guidance,
                'state', CASE
                    WHEN bool_or(r.status = 'completed') OR min(cs.state) = 'done' THEN 'done'
                    WHEN bool_or(r.status = 'in_progress') OR min(cs.state) = 'in_progress'
                        THEN 'in_progress'
                    WHEN bool_or(r.status IN ('sent', 'received', 'waitlisted', 'accepted'))
                        THEN 'referred'
                    WHEN bool_or(r.status IN ('declined', 'dropped_out')) THEN 'dropped'
                    ELSE 'open' END,
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
            -- at most one row per step: the join does not multiply the referrals
            LEFT JOIN case_step cs ON cs.case_id = c.id AND cs.step_key = s.key
            WHERE s.version_id = v.id
            GROUP BY s.version_id, s.key, s.name, s.category, s.required,
                     s.target_days_to_accept, s.target_days_to_start, s.guidance, s.position
            ) st),
            '[]'),
        'edges', coalesce((SELECT json_agg(json_build_object('from', coalesce(e.from_key, 'start'),
                                                             'to', e.to_key) ORDER BY e.id)
                           FROM chain_edge e WHERE e.version_id = v.id), '[]'))
    FROM client_case c JOIN chain_version v ON v.id = c.chain_version_id
    WHERE c.id = p_case AND c.owner_node_id = p_node;
$$;
