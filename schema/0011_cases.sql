-- Cases and consent: the functions behind /v1/cases and /v1/consents (tables in 0010).

-- A case as node p_node sees it: the owner sees the whole case; a node holding a referral
-- on it sees its reference and target group and nothing else (docs/architecture.md, "Access rules").
CREATE FUNCTION case_json(c client_case, p_node uuid) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN c.owner_node_id = p_node THEN json_build_object(
        'id', c.id, 'network_id', c.network_id, 'owner_node_id', c.owner_node_id,
        'reference', c.reference, 'target_group_id', c.target_group_id, 'district', c.district,
        'chain_id', v.chain_id, 'chain_version', v.number, 'enrolled_at', c.enrolled_at,
        'status', c.status, 'close_reason', c.close_reason, 'opened_at', c.opened_at,
        'closed_at', c.closed_at, 'version', c.version, 'updated_at', c.updated_at,
        'access', 'owner')
    ELSE json_build_object('id', c.id, 'reference', c.reference,
                           'target_group_id', c.target_group_id, 'access', 'referral')
    END
    FROM (SELECT 1) one LEFT JOIN chain_version v ON v.id = c.chain_version_id;
$$;

-- Whether p_node may see case p_case at all: it owns it or holds a referral on it.
CREATE FUNCTION case_visible(p_case uuid, p_node uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM client_case WHERE id = p_case AND owner_node_id = p_node)
        OR EXISTS (SELECT 1 FROM referral WHERE case_id = p_case
                   AND p_node IN (from_node_id, to_node_id));
$$;

CREATE FUNCTION consent_json(c consent) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', c.id, 'case_id', c.case_id, 'scope', c.scope,
        'recipient_node_id', c.recipient_node_id, 'purpose', c.purpose,
        'given_on', c.given_on, 'expires_on', c.expires_on, 'evidence', c.evidence,
        'recorded_by', c.recorded_by, 'created_at', c.created_at, 'revoked_at', c.revoked_at,
        'active', c.revoked_at IS NULL AND c.given_on <= current_date
                  AND (c.expires_on IS NULL OR c.expires_on >= current_date));
$$;

-- Open a case for the actor's node, which must be an active member of the target group's network.
CREATE FUNCTION case_create(p_account uuid, p_node uuid, p_request text, p_client text,
                            p_reference text, p_target_group uuid, p_district text,
                            OUT body text, OUT version integer)
LANGUAGE plpgsql AS $$
DECLARE
    t target_group;
    c client_case;
BEGIN
    SELECT * INTO t FROM target_group WHERE id = p_target_group;
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'There is no such target group.', 'target_group_id');
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
    body := case_json(c, p_node)::text;
    version := c.version;
END $$;

-- Change or close the actor's case. A case with open referrals cannot be closed (409).
-- Answers 'ok', 'not_found' or 'stale'.
CREATE FUNCTION case_update(p_account uuid, p_node uuid, p_request text, p_client text,
                            p_id uuid, p_version integer, p_patch jsonb,
                            OUT outcome text, OUT body text, OUT version integer)
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
    IF p_version IS NOT NULL AND c.version <> p_version THEN
        outcome := 'stale';
        version := c.version;
        RETURN;
    END IF;
    IF c.status = 'closed' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed; closed cases do not change.');
    END IF;
    IF closing AND EXISTS (SELECT 1 FROM referral WHERE case_id = p_id AND status IN
                           ('sent', 'received', 'waitlisted', 'accepted', 'in_progress')) THEN
        PERFORM problem(409, 'open-referrals',
                        'The case has open referrals: close or withdraw them first.');
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

-- Record a consent on the actor's open case. Answers 'ok' or 'not_found'.
CREATE FUNCTION consent_create(p_account uuid, p_node uuid, p_request text, p_client text,
                               p_case uuid, p_scope text, p_recipient uuid, p_purpose text,
                               p_given date, p_expires date, p_evidence text,
                               OUT outcome text, OUT body text)
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
    IF c.status <> 'open' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed.');
    END IF;
    IF p_recipient IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM network_member m WHERE m.network_id = c.network_id
               AND m.node_id = p_recipient AND m.active) THEN
        PERFORM problem(422, 'not-a-member',
                        'The recipient is not an active member of the case''s network.',
                        'recipient_node_id');
    END IF;
    IF p_given > current_date THEN
        PERFORM problem(422, 'validation', 'A consent cannot be given in the future.', 'given_on');
    END IF;
    INSERT INTO consent (case_id, scope, recipient_node_id, purpose, given_on, expires_on,
                         evidence, recorded_by)
    VALUES (p_case, p_scope, p_recipient, p_purpose, p_given, p_expires, p_evidence, p_account)
    RETURNING * INTO k;
    PERFORM audit(p_account, p_node, 'consent.create', 'consent', k.id, p_request, p_client,
                  jsonb_build_object('case_id', p_case, 'scope', p_scope,
                                     'recipient_node_id', p_recipient));
    outcome := 'ok';
    body := consent_json(k)::text;
END $$;

-- Revoke a consent at once: from now on it covers nobody, notes are hidden from the nodes it
-- covered, and their open referrals that no other consent covers are withdrawn, each with its
-- timeline event and outbox row. Answers 'ok' (with the withdrawn referral ids) or 'not_found'.
CREATE FUNCTION consent_revoke(p_account uuid, p_node uuid, p_request text, p_client text,
                               p_id uuid, OUT outcome text, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    k consent;
    r referral;
    withdrawn uuid[] := '{}';
BEGIN
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
            SELECT * FROM referral x
             WHERE x.case_id = k.case_id
               AND x.status IN ('sent', 'received', 'waitlisted', 'accepted', 'in_progress')
               AND NOT consent_covers(x.case_id, x.to_node_id)
             FOR UPDATE
        LOOP
            UPDATE referral SET status = 'withdrawn', status_reason = 'consent_revoked',
                                closed_at = now(), version = referral.version + 1,
                                updated_at = now()
             WHERE id = r.id
            RETURNING * INTO r;
            INSERT INTO referral_event (referral_id, kind, from_status, to_status,
                                        actor_account, actor_node, status_reason)
            SELECT r.id, 'transition', e.to_status, 'withdrawn', p_account, p_node,
                   'consent_revoked'
              FROM referral_event e
             WHERE e.referral_id = r.id AND e.to_status IS NOT NULL
             ORDER BY e.id DESC LIMIT 1;
            PERFORM referral_outbox('referral.updated', r);
            PERFORM audit(p_account, p_node, 'referral.transition', 'referral', r.id,
                          p_request, p_client,
                          jsonb_build_object('to', 'withdrawn', 'reason', 'consent_revoked'));
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
                           OUT version integer)
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
    IF c.status <> 'open' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed.');
    END IF;
    SELECT * INTO ch FROM chain WHERE id = p_chain AND network_id = c.network_id;
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'The case''s network has no such chain.', 'chain_id');
    END IF;
    IF ch.target_group_id <> c.target_group_id THEN
        PERFORM problem(422, 'validation', 'The chain is for another target group.', 'chain_id');
    END IF;
    SELECT * INTO v FROM chain_version WHERE chain_id = p_chain AND status = 'published';
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'The chain has no published version.', 'chain_id');
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

-- The steps of the case's chain with their state and the referrals behind them, the edges,
-- and for each step the providers to suggest: eligible active members with an active service
-- in the step's category (and, when the service names target groups, the case's), those with
-- free capacity first, then those in the case's district.
CREATE FUNCTION case_chain_state(p_case uuid, p_node uuid) RETURNS json
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
                    WHEN bool_or(r.status = 'completed') THEN 'done'
                    WHEN bool_or(r.status = 'in_progress') THEN 'in_progress'
                    WHEN bool_or(r.status IN ('sent', 'received', 'waitlisted', 'accepted'))
                        THEN 'referred'
                    WHEN bool_or(r.status IN ('declined', 'dropped_out')) THEN 'dropped'
                    ELSE 'open' END,
                'referrals', coalesce(json_agg(json_build_object(
                    'id', r.id, 'to_node_id', r.to_node_id, 'status', r.status,
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
                    WHERE p.version_id = s.version_id AND p.step_key = s.key)) AS j
            FROM chain_step s
            LEFT JOIN referral r ON r.case_id = c.id AND r.chain_step_key = s.key
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
