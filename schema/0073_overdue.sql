-- Overdue escalation (docs/architecture.md, "Overdue escalation"): when a referral passes a
-- deadline, pnet says so once, as the event referral.overdue (SSE, webhooks, e-mail by
-- preference). The deadlines: 'accept', the due time of a referral not yet accepted (sent or
-- received); 'expected', the expected date of a waitlisted one; 'start', the step's
-- target_days_to_start counted from acceptance, for an accepted referral not yet in progress.
-- One row per (referral, deadline, due time) is the proof that it was said: several pnetd
-- scanning at once insert it once, and a deadline that moves (a new expected date) is a new one.

CREATE TABLE referral_deadline_missed (
    referral_id uuid NOT NULL,
    deadline    text NOT NULL,
    due_at      timestamptz NOT NULL,
    noticed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (referral_id, deadline, due_at),
    CONSTRAINT referral_deadline_missed_referral_id_fkey FOREIGN KEY (referral_id)
        REFERENCES referral (id) ON DELETE CASCADE,
    CONSTRAINT referral_deadline_missed_deadline_check
        CHECK (deadline IN ('accept', 'expected', 'start'))
);

-- The deadline referral r has missed now, if any, and when it was due.
CREATE FUNCTION referral_missed_deadline(r referral, OUT deadline text, OUT due_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT d.deadline, d.due_at FROM (
        SELECT 'accept', r.due_at
         WHERE r.status IN ('sent', 'received') AND r.due_at < now()
        UNION ALL
        SELECT 'expected', (r.expected_on + 1)::timestamptz
         WHERE r.status = 'waitlisted' AND r.expected_on < current_date
        UNION ALL
        SELECT 'start', r.accepted_at + make_interval(days => s.target_days_to_start)
          FROM client_case k
          JOIN chain_step s ON s.version_id = k.chain_version_id AND s.key = r.chain_step_key
         WHERE k.id = r.case_id AND r.status = 'accepted' AND s.target_days_to_start IS NOT NULL
           AND r.accepted_at + make_interval(days => s.target_days_to_start) < now()
    ) d (deadline, due_at)
    LIMIT 1;
$$;

-- Say each newly missed deadline once: a row of referral_deadline_missed and the event
-- referral.overdue (metadata only). One scan at a time (an advisory lock); a concurrent one
-- answers 0 at once, and the primary key keeps even a lockless race from saying it twice.
-- Answers how many deadlines it said.
CREATE FUNCTION referral_overdue_scan() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    said integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('pnet referral_overdue_scan', 0)) THEN
        RETURN 0;
    END IF;
    WITH missed AS (
        SELECT r.id, m.deadline, m.due_at
          FROM referral r CROSS JOIN LATERAL referral_missed_deadline(r) m
         WHERE r.status IN ('sent', 'received', 'waitlisted', 'accepted')
           AND m.deadline IS NOT NULL),
    fresh AS (
        INSERT INTO referral_deadline_missed (referral_id, deadline, due_at)
        SELECT id, deadline, due_at FROM missed
        ON CONFLICT DO NOTHING
        RETURNING *),
    events AS (
        INSERT INTO outbox (type, node_ids, payload)
        SELECT 'referral.overdue', ARRAY[r.from_node_id, r.to_node_id],
               jsonb_build_object('referral_id', r.id, 'case_id', r.case_id,
                                  'status', r.status, 'deadline', f.deadline,
                                  'deadline_at', f.due_at, 'from_node_id', r.from_node_id,
                                  'to_node_id', r.to_node_id, 'version', r.version)
          FROM fresh f JOIN referral r ON r.id = f.referral_id
        RETURNING seq)
    SELECT count(*) INTO said FROM events;
    IF said > 0 THEN
        PERFORM pg_notify('pnet_outbox', '');
    END IF;
    RETURN said;
END $$;

-- Webhooks may ask for the new event.
ALTER TABLE webhook DROP CONSTRAINT webhook_event_types_check;
ALTER TABLE webhook ADD CONSTRAINT webhook_event_types_check CHECK (cardinality(event_types) >= 1
    AND event_types <@ ARRAY['referral.created', 'referral.updated', 'referral.handover',
                             'referral.message', 'referral.overdue', 'consent.revoked']);
