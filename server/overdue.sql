-- The statement of server/overdue_timer.c.

-- name: overdue_scan
-- params: none
-- How many deadlines were newly said (schema/functions/overdue.sql).
SELECT referral_overdue_scan() AS said;
