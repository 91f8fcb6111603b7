-- Overdue escalation (server/overdue_timer.c; docs/architecture.md, "Overdue escalation"):
-- saying each missed deadline once (which deadline a referral has missed is
-- referral_missed_deadline in schema/functions/referrals.sql, which the overdue flag asks too).

-- Say each newly missed deadline once: a row of referral_deadline_missed and the event
-- referral.overdue (metadata only), at most p_limit of them, so that a backlog (after a long
-- stop) is said in batches that each end well within the statement timeout instead of one
-- statement that is cut off at every try. One scan at a time (an advisory lock); a concurrent
-- one answers 0 at once, and the primary key keeps even a lockless race from saying it twice.
-- Answers how many deadlines it said (p_limit: there may be more). Open referrals only:
-- closed_at IS NULL exactly for those (referral_status_check).
CREATE FUNCTION referral_overdue_scan(p_limit integer DEFAULT 1000) RETURNS integer
LANGUAGE plpgsql AS $$
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
         WHERE r.closed_at IS NULL AND m.deadline IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM referral_deadline_missed d
                            WHERE d.referral_id = r.id AND d.deadline = m.deadline
                              AND d.due_at = m.due_at)
         LIMIT p_limit),
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
