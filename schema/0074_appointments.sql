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


-- The vocabulary says in which statuses the receiver keeps the appointment (lib/referral.c's
-- appointment: accepted, in progress); pnetd migrate fills it.
ALTER TABLE referral_status ADD COLUMN appointment boolean NOT NULL DEFAULT false;
