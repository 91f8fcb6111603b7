-- The data subject's rights for one case (server/api/case_export.c; docs/record-of-processing.md):
-- everything pnet holds about it (Art. 15 GDPR) and its erasure at once (Art. 17).

-- The ids that stand for case p_case: the case, its referrals and its consents.
CREATE FUNCTION case_object_ids(p_case uuid) RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY[p_case]
           || ARRAY(SELECT r.id FROM referral r WHERE r.case_id = p_case)
           || ARRAY(SELECT k.id FROM consent k WHERE k.case_id = p_case);
$$;

-- The audit entries about case p_case: those of the case, its referrals and consents, and the
-- list reads that showed one of them (docs/architecture.md, "Reads of social data").
CREATE FUNCTION case_audit_json(p_case uuid) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'at', a.at, 'action', a.action, 'account_id', a.account_id,
               'account_name', ac.display_name, 'node_id', a.node_id, 'node_name', n.name,
               'object_type', a.object_type, 'object_id', a.object_id,
               'client_addr', a.client_addr, 'detail', a.detail)
               ORDER BY a.at, a.id), '[]')
      FROM (SELECT case_object_ids(p_case) AS ids) o
      JOIN audit_log a ON a.object_id = ANY (o.ids)
                       OR a.detail->'ids' ?| o.ids::text[]
                       OR a.detail->'case_ids' ?| o.ids::text[]
      LEFT JOIN account ac ON ac.id = a.account_id
      LEFT JOIN node n ON n.id = a.node_id;
$$;

-- Everything pnet holds about case c, as its owner p_node sees it: the case with its team
-- (responsible person, deputies), its consents, its referrals with their timelines, messages
-- (docs/architecture.md, "Messages on a referral"), appointment, missed deadlines and the
-- caseworker named to take a transfer, the steps its owner delivered, its follow-up dates
-- with their reasons (the client's own data: Art. 15 shows them even where the case's lists
-- hide them after a revocation), the case's own timeline (who became responsible, deputies),
-- the events about it that went to nodes and webhooks, and the audit entries of who wrote and
-- read it.
CREATE FUNCTION case_export_json(c client_case, p_node uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'exported_at', now(),
        'case', case_json(c, p_node),
        'consents', (SELECT coalesce(json_agg(consent_json(k) ORDER BY k.created_at, k.id), '[]')
                       FROM consent k WHERE k.case_id = c.id),
        'referrals', (SELECT coalesce(json_agg(
                          (referral_json(r, p_node)::jsonb || jsonb_build_object(
                              'events', (SELECT coalesce(jsonb_agg(
                                             referral_event_json(e, p_node)::jsonb
                                             ORDER BY e.id), '[]')
                                           FROM referral_event e WHERE e.referral_id = r.id),
                              'messages', (SELECT coalesce(jsonb_agg(
                                               referral_message_json(m, r, p_node)::jsonb
                                               ORDER BY m.created_at, m.id), '[]')
                                             FROM referral_message m
                                            WHERE m.referral_id = r.id),
                              'missed_deadlines', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                                       'deadline', d.deadline,
                                                       'due_at', d.due_at)
                                                       ORDER BY d.due_at, d.deadline), '[]')
                                                     FROM referral_deadline_missed d
                                                    WHERE d.referral_id = r.id),
                              'transfer_responsible', (SELECT account_ref(t.account_id)
                                                         FROM transfer_responsible t
                                                        WHERE t.referral_id = r.id)))
                          ORDER BY r.created_at, r.id), '[]')
                        FROM referral r WHERE r.case_id = c.id),
        'steps', (SELECT coalesce(json_agg(case_step_json(s) ORDER BY s.step_key), '[]')
                    FROM case_step s WHERE s.case_id = c.id),
        'follow_ups', (SELECT coalesce(json_agg(
                           (follow_up_json(f)::jsonb
                            || jsonb_build_object('reason', f.reason, 'reason_hidden', false))
                           ORDER BY f.due_on, f.created_at, f.id), '[]')
                         FROM case_follow_up f WHERE f.case_id = c.id),
        'timeline', (SELECT coalesce(json_agg(case_event_json(e) ORDER BY e.id), '[]')
                       FROM case_event e WHERE e.case_id = c.id),
        'conferences', (SELECT coalesce(json_agg(conference_json(f, p_node)
                                                 ORDER BY f.starts_at, f.id), '[]')
                          FROM conference f WHERE f.case_id = c.id),
        'notifications', (SELECT coalesce(json_agg(json_build_object(
                              'at', o.at, 'type', o.type, 'node_ids', o.node_ids)
                              ORDER BY o.seq), '[]')
                            FROM outbox o WHERE o.payload->>'case_id' = c.id::text
                              OR (o.payload->>'referral_id')::uuid IN (
                                  SELECT r.id FROM referral r WHERE r.case_id = c.id)),
        'audit', case_audit_json(c.id));
$$;

-- Erase case p_id of the actor's node at once (Art. 17 GDPR): its referrals are archived as
-- anonymous statistics rows (referral_archive, as retention does), the case goes with its
-- consents, referrals, timelines, messages, missed deadlines, steps, team (deputies, the
-- caseworker named for a transfer), follow-ups and case timeline (ON DELETE CASCADE), the
-- events naming it go with their webhook deliveries and the e-mail notices not yet composed
-- from them (a composed e-mail holds counts only: schema/functions/email.sql), the stored
-- answers naming it go, and
-- the audit entries that named it name a new random erasure id instead (the only change the
-- append-only log allows: audit_log_refuse_change), so that no row holds the case's id. The
-- erasure is audited under that id. A case with open referrals is refused (409
-- open-referrals): their receivers learn of a withdrawal first.
CREATE FUNCTION case_erase(p_account uuid, p_node uuid, p_request text, p_client text,
                           p_id uuid, OUT outcome text, OUT body text, OUT version integer,
                           OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    erasure uuid := gen_random_uuid();
    referral_ids uuid[];
    archived integer;
    consents integer;
    rewritten integer;
BEGIN
    SELECT * INTO c FROM client_case WHERE id = p_id AND owner_node_id = p_node FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM referral x JOIN referral_status s ON s.status = x.status
                WHERE x.case_id = p_id AND s.open) THEN
        PERFORM problem(409, 'open-referrals',
                        'The case has open referrals: withdraw them first, so that their '
                        'receivers learn of it.');
    END IF;
    SELECT coalesce(array_agg(id), '{}') INTO referral_ids FROM referral WHERE case_id = p_id;
    SELECT count(*) INTO consents FROM consent WHERE case_id = p_id;
    INSERT INTO referral_archive (id, network_id, chain_id, chain_step_key, from_node_id,
                                  to_node_id, kind, status, status_reason, outcome,
                                  warm_handover, due_at, created_at, accepted_at, started_at,
                                  closed_at, answered_at, target_group_id, district)
    SELECT f.id, f.network_id, f.chain_id, f.chain_step_key, f.from_node_id, f.to_node_id,
           f.kind, f.status, f.status_reason, f.outcome, f.warm_handover, f.due_at,
           f.created_at, f.accepted_at, f.started_at, f.closed_at, f.answered_at,
           f.target_group_id, f.district
      FROM referral_fact f
     WHERE NOT f.archived AND f.id = ANY (referral_ids)
    ON CONFLICT (id) DO NOTHING;
    GET DIAGNOSTICS archived = ROW_COUNT;
    -- Its conferences likewise (conference_archive, as retention keeps them: no case, no text).
    INSERT INTO conference_archive (id, network_id, chain_id, chain_step_key, status,
                                    starts_at, created_at)
    SELECT f.id, f.network_id, f.chain_id, f.chain_step_key, f.status, f.starts_at, f.created_at
      FROM conference_fact f
     WHERE f.id IN (SELECT x.id FROM conference x WHERE x.case_id = p_id)
    ON CONFLICT (id) DO NOTHING;
    WITH gone AS (
        DELETE FROM outbox o
         WHERE o.payload::text LIKE '%' || p_id::text || '%'
            OR (o.payload->>'referral_id')::uuid = ANY (referral_ids)
        RETURNING o.seq)
    DELETE FROM email_notice n USING gone
     WHERE n.outbox_seq = gone.seq AND n.outgoing_id IS NULL;
    DELETE FROM idempotency_key k WHERE k.response LIKE '%' || p_id::text || '%';
    -- Consents, referrals and all that hangs on them and on the case follow by ON DELETE
    -- CASCADE.
    DELETE FROM client_case WHERE id = p_id;
    PERFORM set_config('pnet.erase_case', p_id::text, true);
    UPDATE audit_log a SET
        object_id = CASE WHEN a.object_id = p_id THEN erasure ELSE a.object_id END,
        detail = replace(a.detail::text, p_id::text, erasure::text)::jsonb
     WHERE a.object_id = p_id OR a.detail::text LIKE '%' || p_id::text || '%';
    GET DIAGNOSTICS rewritten = ROW_COUNT;
    PERFORM set_config('pnet.erase_case', '', true);
    PERFORM audit(p_account, p_node, 'case.erase', 'client_case', erasure, p_request, p_client,
                  jsonb_build_object('erasure_id', erasure, 'referrals_archived', archived,
                                     'consents', consents, 'audit_entries_rewritten',
                                     rewritten));
    outcome := 'ok';
    body := json_build_object('erased', true, 'erasure_id', erasure,
                              'referrals_archived', archived, 'consents_deleted', consents,
                              'audit_entries_rewritten', rewritten)::text;
END $$;
