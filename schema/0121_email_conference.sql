-- Case conferences (conference.invited, conference.updated) as a kind of e-mail notification
-- (docs/architecture.md, "Notifications by e-mail" and "Case conferences"): an invitation, a
-- change or a cancellation reaches every account of an invited node that chose it, and at the
-- case's own node whom case_recipients() names (the responsible person, the deputies, a
-- stand-in while one of them is absent); email_notices_of() in schema/functions/email.sql asks
-- them.

ALTER TABLE account DROP CONSTRAINT account_email_kinds_check;
ALTER TABLE account ADD CONSTRAINT account_email_kinds_check CHECK (email_kinds <@ ARRAY[
    'new_referral', 'referral_update', 'message', 'overdue', 'follow_up_due', 'conference']);
