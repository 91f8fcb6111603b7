-- Overdue escalation (server/overdue_timer.c; docs/architecture.md, "Overdue escalation"):
-- which deadline a referral has missed, and saying each missed deadline once.

-- The deadline referral r (in status s) has missed now, if any, and when it was due. What
-- runs out is the vocabulary's (referral_status): the clock 'due' is the deadline 'accept'
-- (due_at), 'expected' the waiting list's date, and start_deadline the chain step's
-- target_days_to_start counted from acceptance.
CREATE FUNCTION referral_missed_deadline(r referral, s referral_status, OUT deadline text,
                                         OUT due_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT d.deadline, d.due_at FROM (
        SELECT 'accept', r.due_at
         WHERE s.clock = 'due' AND r.due_at < now()
        UNION ALL
        SELECT 'expected', (r.expected_on + 1)::timestamptz
         WHERE s.clock = 'expected' AND r.expected_on < current_date
        UNION ALL
        SELECT 'start', r.accepted_at + make_interval(days => cs.target_days_to_start)
          FROM client_case k
          JOIN chain_step cs ON cs.version_id = k.chain_version_id AND cs.key = r.chain_step_key
         WHERE s.start_deadline AND k.id = r.case_id AND cs.target_days_to_start IS NOT NULL
           AND r.accepted_at + make_interval(days => cs.target_days_to_start) < now()
    ) d (deadline, due_at)
    LIMIT 1;
$$;

-- Say each newly missed deadline once: a row of referral_deadline_missed and the event
-- referral.overdue (metadata only). One scan at a time (an advisory lock); a concurrent one
-- answers 0 at once, and the primary key keeps even a lockless race from saying it twice.
-- Answers how many deadlines it said. Open referrals only: closed_at IS NULL exactly for
-- those (referral_status_check).
CREATE FUNCTION referral_overdue_scan() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    said integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('pnet referral_overdue_scan', 0)) THEN
        RETURN 0;
    END IF;
    WITH missed AS (
        SELECT r.id, m.deadline, m.due_at
          FROM referral r
          JOIN referral_status s ON s.status = r.status
         CROSS JOIN LATERAL referral_missed_deadline(r, s) m
         WHERE r.closed_at IS NULL AND m.deadline IS NOT NULL),
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
