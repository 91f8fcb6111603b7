-- A follow-up that has come (case.follow_up_due) as a kind of e-mail notification
-- (docs/architecture.md, "Notifications by e-mail"): it reaches the case's recipients
-- (case_recipients(), schema/functions/case_team.sql) who chose it; email_notices_of() in
-- schema/functions/email.sql asks them.

ALTER TABLE account DROP CONSTRAINT account_email_kinds_check;
ALTER TABLE account ADD CONSTRAINT account_email_kinds_check CHECK (email_kinds <@ ARRAY[
    'new_referral', 'referral_update', 'message', 'overdue', 'follow_up_due']);
