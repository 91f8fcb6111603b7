-- Open referrals in inbox order (docs/performance.md): an inbox page of "what still needs
-- doing" (statuses sent and received, the web app's default, or any open ones) reads its 51
-- rows in order from here instead of reading every open referral of the node and sorting.
-- The predicate names the open statuses of referral_status (open = true) as they are; a
-- statement whose status list is a constant subset of them may use the index.
CREATE INDEX referral_inbox_open_idx ON referral (to_node_id, created_at DESC, id DESC)
    WHERE status IN ('sent', 'received', 'waitlisted', 'accepted', 'in_progress');
