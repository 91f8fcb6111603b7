-- The statement of server/follow_up_timer.c.

-- name: follow_up_due_events
-- params: none
-- How many case.follow_up_due events it wrote (schema/functions/follow_ups.sql).
SELECT follow_up_due_events();
