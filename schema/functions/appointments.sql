-- Appointments (server/api/appointments.c; docs/architecture.md, "Appointments"): the
-- receiver sets and changes the client's appointment.

-- Set (or, with NULL, clear) the appointment: the receiver, while the referral's status lets
-- it keep one (referral_status.appointment: accepted, in progress); p_version the version the
-- caller read, or NULL. 'ok' with the referral, or 'not_found' (not a side); refusals raise
-- problem() (a stale version, the sender, a status without an appointment).
CREATE FUNCTION referral_appointment_set(p_account uuid, p_node uuid, p_request text,
                                         p_client text, p_id uuid, p_version integer,
                                         p_at timestamptz, OUT outcome text, OUT body text,
                                         OUT version integer, OUT location text)
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
        PERFORM stale('referral', r.version);
    END IF;
    IF r.to_node_id <> p_node THEN
        PERFORM problem(403, 'forbidden', 'Only the receiver sets the appointment.');
    END IF;
    IF NOT (SELECT s.appointment FROM referral_status s WHERE s.status = r.status) THEN
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
