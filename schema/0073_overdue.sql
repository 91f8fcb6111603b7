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

-- Webhooks may ask for the new event.
ALTER TABLE webhook DROP CONSTRAINT webhook_event_types_check;
ALTER TABLE webhook ADD CONSTRAINT webhook_event_types_check CHECK (cardinality(event_types) >= 1
    AND event_types <@ ARRAY['referral.created', 'referral.updated', 'referral.handover',
                             'referral.message', 'referral.overdue', 'consent.revoked']);

-- The vocabulary says which status waits for the service to start (lib/referral.c's
-- start_deadline: accepted); pnetd migrate fills it.
ALTER TABLE referral_status ADD COLUMN start_deadline boolean NOT NULL DEFAULT false;
