-- pgbench, the lean statement: one statement that does what POST /v1/referrals
-- {"case_id", "to_node_id", "reason"} does (token check; the case open and the caller's,
-- locked FOR SHARE; the receiver an active member of the case's network; the legal basis the
-- data goes on: the newest active consent covering the receiver, as referral_basis_choose
-- picks it; no open duplicate; the referral with its due date, basis and consent, the
-- timeline event naming the basis, the outbox row and its notification, the audit row with
-- what pnetd's names) and answers the same body (referral_json with the contract warnings,
-- none without a service). The pairs are those of pgbench/creates.sql. What this request does
-- not use (idempotency key, chain step, service and so contract and funding, redirect, a
-- link: the bench's receivers have no contact e-mail, so pnetd issues none either) is left
-- out.
\set m :client_id + :clients * :i
\set i :i + 1
\set c 1 + :m % 50000
\set r 4901 + (:m / 50000) % 100
\set t 1 + (:c - 1) % 200
WITH me AS (
    SELECT a.id AS account, a.node_id AS node
      FROM api_token k JOIN account a ON a.id = k.account_id
     WHERE k.token_hash = bench_token_hash(:t) AND k.revoked_at IS NULL
       AND k.expires_at > now() AND NOT a.disabled),
c AS (
    SELECT k.* FROM client_case k JOIN me ON k.owner_node_id = me.node
     WHERE k.id = bench_id(6, :c) AND k.status <> 'closed'
       FOR SHARE OF k),
ok AS (
    SELECT c.id AS case_id, c.network_id, me.node, me.account,
           coalesce(m.days_to_accept, n.default_days_to_accept) AS days,
           b.legal_basis, b.id AS consent_id
      FROM c, me, network_member m
      JOIN node d ON d.id = m.node_id
      JOIN network n ON n.id = m.network_id,
      LATERAL (
           SELECT s.id, s.legal_basis FROM consent s
            WHERE s.case_id = c.id AND s.revoked_at IS NULL AND s.given_on <= current_date
              AND (s.expires_on IS NULL OR s.expires_on >= current_date)
              AND (s.recipient_node_id = m.node_id OR s.scope = 'network')
            ORDER BY s.created_at DESC, s.id LIMIT 1) b
     WHERE m.network_id = c.network_id AND m.node_id = bench_id(2, :r) AND m.active
       AND d.active AND m.node_id <> me.node
       AND NOT EXISTS (
           SELECT 1 FROM referral x JOIN referral_status st ON st.status = x.status
            WHERE x.case_id = c.id AND x.to_node_id = m.node_id
              AND x.chain_step_key IS NULL AND st.open)),
r AS (
    INSERT INTO referral (case_id, network_id, from_node_id, to_node_id, kind, reason,
                          priority, due_at, created_by, legal_basis, consent_id)
    SELECT ok.case_id, ok.network_id, ok.node, bench_id(2, :r), 'service', :reason, 'normal',
           now() + make_interval(days => ok.days), ok.account, ok.legal_basis, ok.consent_id
      FROM ok
    RETURNING *),
ev AS (
    INSERT INTO referral_event (referral_id, kind, to_status, actor_account, actor_node,
                                legal_basis)
    SELECT r.id, 'created', r.status, me.account, me.node, r.legal_basis FROM r, me),
ob AS (
    INSERT INTO outbox (type, node_ids, payload)
    SELECT 'referral.created', ARRAY[r.from_node_id, r.to_node_id],
           jsonb_build_object('referral_id', r.id, 'case_id', r.case_id, 'status', r.status,
                              'from_node_id', r.from_node_id, 'to_node_id', r.to_node_id,
                              'kind', r.kind, 'version', r.version, 'due_at', r.due_at)
      FROM r),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT me.account, me.node, 'referral.create', 'referral', r.id, :request, :client,
           jsonb_build_object('case_id', r.case_id, 'to_node_id', r.to_node_id,
                              'kind', r.kind, 'legal_basis', r.legal_basis,
                              'consent_id', r.consent_id, 'funding_source_id', NULL,
                              'double_funding_reason', NULL, 'warnings', '[]'::jsonb)
      FROM r, me)
SELECT 'created' AS outcome,
       (referral_json(r::referral, me.node)::jsonb || '{"warnings": []}')::text AS body, r.version,
       '/v1/referrals/' || r.id AS location, pg_notify('pnet_outbox', '')
  FROM r, me;
