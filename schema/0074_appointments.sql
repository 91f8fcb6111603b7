-- Appointments (docs/architecture.md, "Appointments"): the receiver sets and changes the
-- client's appointment once it has accepted the referral; each change is a timeline entry
-- (kind 'appointment') and the event referral.appointment; the sender and the receiver can
-- take it into their calendars (GET /v1/referrals/{id}/appointment.ics).

ALTER TABLE referral_event ADD COLUMN appointment_at timestamptz;
ALTER TABLE referral_event DROP CONSTRAINT referral_event_kind_check;
ALTER TABLE referral_event ADD CONSTRAINT referral_event_kind_check
    CHECK (kind IN ('created', 'transition', 'handover', 'message', 'appointment'));

ALTER TABLE webhook DROP CONSTRAINT webhook_event_types_check;
ALTER TABLE webhook ADD CONSTRAINT webhook_event_types_check CHECK (cardinality(event_types) >= 1
    AND event_types <@ ARRAY['referral.created', 'referral.updated', 'referral.handover',
                             'referral.message', 'referral.overdue', 'referral.appointment',
                             'consent.revoked']);

-- The timeline entry gains the appointment it set (NULL: cleared, or another kind).
CREATE OR REPLACE FUNCTION referral_event_json(e referral_event, p_node uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'referral_id', e.referral_id, 'at', e.at, 'kind', e.kind,
        'from_status', e.from_status, 'to_status', e.to_status,
        'actor_account_id', e.actor_account, 'actor_node_id', e.actor_node,
        'status_reason', e.status_reason, 'outcome', e.outcome,
        'note', CASE WHEN p_node = r.from_node_id OR p_node = e.actor_node
                          OR consent_covers(r.case_id, r.to_node_id) THEN e.note END,
        'channel', e.channel, 'warm', e.warm, 'handover_at', e.handover_at,
        'message_id', e.message_id, 'appointment_at', e.appointment_at)
    FROM referral r WHERE r.id = e.referral_id;
$$;

-- Set (or, with NULL, clear) the appointment: the receiver, while the referral is accepted or
-- in progress; p_version the version the caller read, or NULL. 'ok' with the referral,
-- 'not_found' (not a side), 'stale' with the stored version; refusals raise problem().
CREATE FUNCTION referral_appointment_set(p_account uuid, p_node uuid, p_request text,
                                         p_client text, p_id uuid, p_version integer,
                                         p_at timestamptz, OUT outcome text, OUT body text,
                                         OUT version integer)
LANGUAGE plpgsql AS $$
DECLARE
    r referral;
BEGIN
    SELECT * INTO r FROM referral
     WHERE id = p_id AND p_node IN (from_node_id, to_node_id) FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF p_version IS NOT NULL AND r.version <> p_version THEN
        outcome := 'stale';
        version := r.version;
        RETURN;
    END IF;
    IF r.to_node_id <> p_node THEN
        PERFORM problem(403, 'forbidden', 'Only the receiver sets the appointment.');
    END IF;
    IF r.status NOT IN ('accepted', 'in_progress') THEN
        PERFORM problem(409, 'appointment-not-possible',
                        'An appointment is set once the referral is accepted and while it is '
                        || 'in progress; it is ' || r.status || '.');
    END IF;
    UPDATE referral SET appointment_at = p_at, version = referral.version + 1, updated_at = now()
     WHERE id = r.id RETURNING * INTO r;
    INSERT INTO referral_event (referral_id, kind, actor_account, actor_node, appointment_at)
    VALUES (r.id, 'appointment', p_account, p_node, p_at);
    INSERT INTO outbox (type, node_ids, payload)
    VALUES ('referral.appointment', ARRAY[r.from_node_id, r.to_node_id],
            jsonb_build_object('referral_id', r.id, 'case_id', r.case_id,
                               'appointment_at', r.appointment_at,
                               'from_node_id', r.from_node_id, 'to_node_id', r.to_node_id,
                               'version', r.version));
    PERFORM pg_notify('pnet_outbox', '');
    PERFORM audit(p_account, p_node, 'referral.appointment', 'referral', r.id, p_request,
                  p_client, jsonb_build_object('appointment_at', p_at));
    outcome := 'ok';
    body := referral_json(r, p_node)::text;
    version := r.version;
END $$;
