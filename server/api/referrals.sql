-- The statements of server/api/referrals.c. A node sees a referral only as its sender or
-- receiver. The writes are functions of schema/functions/referrals.sql.

-- name: referral_create
-- params: actor, idempotency_key, request_hash, case, to_node, kind, chain_step_key,
--         service, reason, note, priority, redirected_from, legal_basis, funding_source,
--         double_funding_reason, link_hash, link_token, link_days, public_url
-- The link's token is used only when the receiver has no accounts (link_wanted).
SELECT * FROM referral_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                              $16, $17, $18, $19, $20, $21::int, $22);

-- name: referral_inbox
-- params: actor, statuses, overdue, case, after_1, after_2, limit
-- What was sent to the actor's node, newest first (referral_listed filters).
-- One statement per page (docs/performance.md, "Pages in one statement"): the page's
-- referrals and its look-ahead row, the read's audit row inserted when it shows any (the row
-- of referral_list_audit), and each item as the node sees it (referral_view, inlined: joined
-- to the page set-based).
WITH page AS MATERIALIZED (
    SELECT p AS r, row_number() OVER (ORDER BY p.created_at DESC, p.id DESC) AS n
      FROM referral p
     WHERE p.to_node_id = $2::uuid
       AND referral_listed(p, $5, $6, $7, $8, $9)
     ORDER BY p.created_at DESC, p.id DESC
     LIMIT $10::int),
audited AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT a.*
      FROM (SELECT array_agg((x.r).id ORDER BY x.n) AS ids,
                   array_agg(DISTINCT (x.r).case_id) AS case_ids
              FROM page x WHERE x.n < $10::int HAVING count(*) > 0) shown
     CROSS JOIN LATERAL referral_list_audit($1, $2, $3, $4, 'inbox', $7, shown.ids,
                                            shown.case_ids) a)
SELECT v.body::text, (x.r).created_at::text, (x.r).id::text
  FROM page x CROSS JOIN LATERAL referral_view(x.r, $2::uuid) v
 ORDER BY x.n;

-- name: referral_inbox_open
-- params: actor, statuses, overdue, case, after_1, after_2, limit
-- The same for a status filter of open statuses only (the inbox's usual one): the constant
-- list of open statuses lets every plan, a generic one too, read the page in order from the
-- partial index referral_inbox_open_idx (schema/0110_referral_open_inbox.sql).
WITH page AS MATERIALIZED (
    SELECT p AS r, row_number() OVER (ORDER BY p.created_at DESC, p.id DESC) AS n
      FROM referral p
     WHERE p.to_node_id = $2::uuid
       AND p.status IN ('sent', 'received', 'waitlisted', 'accepted', 'in_progress')
       AND referral_listed(p, $5, $6, $7, $8, $9)
     ORDER BY p.created_at DESC, p.id DESC
     LIMIT $10::int),
audited AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT a.*
      FROM (SELECT array_agg((x.r).id ORDER BY x.n) AS ids,
                   array_agg(DISTINCT (x.r).case_id) AS case_ids
              FROM page x WHERE x.n < $10::int HAVING count(*) > 0) shown
     CROSS JOIN LATERAL referral_list_audit($1, $2, $3, $4, 'inbox', $7, shown.ids,
                                            shown.case_ids) a)
SELECT v.body::text, (x.r).created_at::text, (x.r).id::text
  FROM page x CROSS JOIN LATERAL referral_view(x.r, $2::uuid) v
 ORDER BY x.n;

-- name: referral_outbox
-- params: actor, statuses, overdue, case, after_1, after_2, limit
-- What the actor's node sent, newest first (referral_listed filters); as referral_inbox.
WITH page AS MATERIALIZED (
    SELECT p AS r, row_number() OVER (ORDER BY p.created_at DESC, p.id DESC) AS n
      FROM referral p
     WHERE p.from_node_id = $2::uuid
       AND referral_listed(p, $5, $6, $7, $8, $9)
     ORDER BY p.created_at DESC, p.id DESC
     LIMIT $10::int),
audited AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT a.*
      FROM (SELECT array_agg((x.r).id ORDER BY x.n) AS ids,
                   array_agg(DISTINCT (x.r).case_id) AS case_ids
              FROM page x WHERE x.n < $10::int HAVING count(*) > 0) shown
     CROSS JOIN LATERAL referral_list_audit($1, $2, $3, $4, 'outbox', $7, shown.ids,
                                            shown.case_ids) a)
SELECT v.body::text, (x.r).created_at::text, (x.r).id::text
  FROM page x CROSS JOIN LATERAL referral_view(x.r, $2::uuid) v
 ORDER BY x.n;

-- name: referral_both
-- params: actor, statuses, overdue, case, after_1, after_2, limit
-- What the actor's node sent or received, newest first (referral_listed filters); as
-- referral_inbox.
WITH page AS MATERIALIZED (
    SELECT p AS r, row_number() OVER (ORDER BY p.created_at DESC, p.id DESC) AS n
      FROM referral p
     WHERE $2::uuid IN (p.from_node_id, p.to_node_id)
       AND referral_listed(p, $5, $6, $7, $8, $9)
     ORDER BY p.created_at DESC, p.id DESC
     LIMIT $10::int),
audited AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT a.*
      FROM (SELECT array_agg((x.r).id ORDER BY x.n) AS ids,
                   array_agg(DISTINCT (x.r).case_id) AS case_ids
              FROM page x WHERE x.n < $10::int HAVING count(*) > 0) shown
     CROSS JOIN LATERAL referral_list_audit($1, $2, $3, $4, 'both', $7, shown.ids,
                                            shown.case_ids) a)
SELECT v.body::text, (x.r).created_at::text, (x.r).id::text
  FROM page x CROSS JOIN LATERAL referral_view(x.r, $2::uuid) v
 ORDER BY x.n;

-- name: referral_get
-- params: actor, id
-- The referral as the actor's node sees it, with an audit row for the read.
WITH au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'referral.read', 'referral', x.id, $3, $4
      FROM referral x
     WHERE x.id = $5 AND $2::uuid IN (x.from_node_id, x.to_node_id))
SELECT referral_json(x, $2::uuid)::text AS body, x.version
  FROM referral x
 WHERE x.id = $5 AND $2::uuid IN (x.from_node_id, x.to_node_id);

-- name: referral_state
-- params: node, id, account, idempotency_key
-- What a transition checks first (against lib/referral.c): the status, the version, and the
-- side node is on; and whether the account's Idempotency-Key has an answer stored (a resend:
-- referral_transition replays it, or refuses another body with the key).
SELECT status, version, from_node_id = $1::uuid AS sender, to_node_id = $1::uuid AS receiver,
       (SELECT s.account_id IS NOT NULL
          FROM idempotency_stored($3::uuid, $4::text) s) AS resent
  FROM referral
 WHERE id = $2 AND $1::uuid IN (from_node_id, to_node_id);

-- name: referral_transition
-- params: actor, idempotency_key, request_hash, id, expected_version, to, reason, outcome,
--         appointment_at, expected_on, note, responsible_account_id
SELECT * FROM referral_transition($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                                  $15);

-- name: referral_transition_allowed
-- params: actor, idempotency_key, request_hash, id, expected_version, to, reason, outcome,
--         appointment_at, expected_on, note, responsible_account_id, allowed
-- referral_transition in one round trip when the referral's side and status are among
-- allowed (what lib/referral.c let through); else outcome 'recheck' and nothing written.
SELECT * FROM referral_transition_allowed($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                                          $14, $15, $16);

-- name: referral_events
-- params: actor, id, after_1, limit
-- The timeline, with an audit row for the read.
WITH x AS (
    SELECT * FROM referral WHERE id = $5 AND $2::uuid IN (from_node_id, to_node_id)),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'referral.events_read', 'referral', x.id, $3, $4 FROM x)
SELECT referral_event_json(e, $2::uuid)::text AS body, e.id::text
  FROM referral_event e
 WHERE e.referral_id IN (SELECT id FROM x) AND ($6::bigint IS NULL OR e.id > $6::bigint)
 ORDER BY e.id
 LIMIT $7::int;

-- name: referral_handover
-- params: actor, id, channel, warm, at, note
SELECT * FROM referral_handover($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: referral_overdue
-- params: network, after_1, after_2, limit
-- The coordinators' view of where referrals stall: metadata only, no case, no text; which
-- deadline each missed (schema/functions/overdue.sql), longest overdue first. closed_at IS
-- NULL (open: referral_status_check) lets referral_overdue_idx find the network's referrals.
SELECT json_build_object(
           'id', x.id, 'network_id', x.network_id, 'from_node_id', x.from_node_id,
           'to_node_id', x.to_node_id, 'kind', x.kind, 'chain_step_key', x.chain_step_key,
           'status', x.status, 'priority', x.priority, 'due_at', x.due_at,
           'expected_on', x.expected_on, 'created_at', x.created_at,
           'deadline', m.deadline, 'deadline_at', m.due_at,
           'days_overdue', greatest(0, floor(extract(epoch FROM now() - m.due_at) / 86400))::int
       )::text AS body,
       m.due_at::text, x.id::text
  FROM referral x
  JOIN referral_status s ON s.status = x.status
 CROSS JOIN LATERAL referral_missed_deadline(x, s) m
 WHERE x.network_id = $1 AND x.closed_at IS NULL AND m.deadline IS NOT NULL
   AND ($2::text IS NULL OR (m.due_at, x.id) > ($2::timestamptz, $3::uuid))
 ORDER BY m.due_at, x.id
 LIMIT $4::int;

-- name: referral_network_exists
-- params: network
SELECT 1 FROM network WHERE id = $1;
