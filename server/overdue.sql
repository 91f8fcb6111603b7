-- The statement of server/overdue_timer.c.

-- name: overdue_scan
-- params: batch
-- How many deadlines were newly said, at most batch (schema/functions/overdue.sql).
SELECT referral_overdue_scan($1::int) AS said;
