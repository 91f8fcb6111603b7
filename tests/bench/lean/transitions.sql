-- pgbench, the lean statement: one statement that does what POST
-- /v1/referrals/{id}/transitions {"to":"received"} with If-Match "1" does (token check,
-- the row locked at the version read, the move by referral_status and referral_move, the
-- timeline event, the outbox row and its notification, the audit row) and answers the same
-- body (referral_json). The referrals are those of pgbench/transitions.sql. What a
-- "received" move does not need (a case handed over, a responsible person named, a date
-- checked) is left out.
\set n 1 + :client_id + :clients * :i
\set i :i + 1
\set c 1 + (:n - 1) % 250000
\set t 1 + (:c - 1 + 50 + 100 * ((:n - 1) / 250000)) % 200
WITH me AS (
    SELECT a.id AS account, a.node_id AS node
      FROM api_token k JOIN account a ON a.id = k.account_id
     WHERE k.token_hash = bench_token_hash(:t) AND k.revoked_at IS NULL
       AND k.expires_at > now() AND NOT a.disabled),
old AS (
    SELECT x.*, CASE WHEN x.from_node_id = me.node THEN 'sender' ELSE 'receiver' END AS side
      FROM referral x JOIN me ON me.node IN (x.from_node_id, x.to_node_id)
     WHERE x.id = bench_id(7, :n) AND x.version = :one
       FOR UPDATE OF x),
t AS (
    SELECT s.* FROM referral_status s JOIN old ON old.side = ANY (s.sides)
     WHERE s.status = :to
       AND EXISTS (SELECT 1 FROM referral_move m
                    WHERE m.from_status = old.status AND m.to_status = s.status)),
moved AS (
    UPDATE referral x SET
        status = t.status, version = x.version + 1, updated_at = now(),
        received_at = CASE WHEN t.stamp = 'received_at' THEN now() ELSE x.received_at END,
        accepted_at = CASE WHEN t.stamp = 'accepted_at' THEN now() ELSE x.accepted_at END,
        started_at = CASE WHEN t.stamp = 'started_at' THEN now() ELSE x.started_at END,
        closed_at = CASE WHEN t.stamp = 'closed_at' THEN now() ELSE x.closed_at END
      FROM old, t
     WHERE x.id = old.id
    RETURNING x.*),
ev AS (
    INSERT INTO referral_event (referral_id, kind, from_status, to_status, actor_account,
                                actor_node)
    SELECT moved.id, 'transition', old.status, moved.status, me.account, me.node
      FROM moved, old, me),
ob AS (
    INSERT INTO outbox (type, node_ids, payload)
    SELECT 'referral.updated', ARRAY[m.from_node_id, m.to_node_id],
           jsonb_build_object('referral_id', m.id, 'case_id', m.case_id, 'status', m.status,
                              'from_node_id', m.from_node_id, 'to_node_id', m.to_node_id,
                              'kind', m.kind, 'version', m.version, 'due_at', m.due_at)
      FROM moved m),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT me.account, me.node, 'referral.transition', 'referral', moved.id, :request,
           :client, jsonb_build_object('from', old.status, 'to', moved.status)
      FROM moved, old, me)
SELECT 'ok' AS outcome, referral_json(moved::referral, me.node)::text AS body,
       moved.version, pg_notify('pnet_outbox', '')
  FROM moved, me;
