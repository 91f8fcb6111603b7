-- The one CHECK that names the referral statuses also says which are closed: a referral in a
-- terminal status has closed_at, an open one has not (lib/referral.c is the authority; the
-- test tests/api/test_vocabulary.py compares this CHECK with it). So the partial indexes that
-- need "open" say closed_at IS NULL instead of listing statuses, and adding a status touches
-- this CHECK only (docs/developing.md, "Adding a referral status").

-- Every move into a terminal status sets closed_at; a row written by hand may lack it.
UPDATE referral SET closed_at = updated_at
 WHERE closed_at IS NULL AND status IN ('declined', 'completed', 'dropped_out', 'withdrawn');

ALTER TABLE referral DROP CONSTRAINT referral_status_check;
ALTER TABLE referral ADD CONSTRAINT referral_status_check CHECK (
    (status IN ('sent', 'received', 'waitlisted', 'accepted', 'in_progress')
     AND closed_at IS NULL)
    OR (status IN ('declined', 'completed', 'dropped_out', 'withdrawn')
        AND closed_at IS NOT NULL));

-- The coordinators' overdue list reads a network's open referrals by due time.
DROP INDEX referral_overdue_idx;
CREATE INDEX referral_overdue_idx ON referral (network_id, due_at) WHERE closed_at IS NULL;

-- The race guard behind the duplicate check: one open referral per case, receiver and step.
DROP INDEX referral_open_once;
CREATE UNIQUE INDEX referral_open_once ON referral (case_id, to_node_id,
                                                    coalesce(chain_step_key, ''))
    WHERE closed_at IS NULL;
