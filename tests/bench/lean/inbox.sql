-- pgbench, the lean statement: one statement that answers GET /v1/referrals?box=inbox&
-- status=sent,received&limit=50 with the same bytes as pnetd (the whole answer body, items
-- and cursor) and the same write (the audit row naming the page), token check included.
-- Set-based: the page's 51 rows are picked from referral_inbox_open_idx (schema/0110), the
-- case, chain step, status and consent joined once each, the JSON built by one expression
-- per row and aggregated; no per-row function. The item is referral_json's
-- (schema/functions/referrals.sql) field for field: run.sh compares the bytes before measuring.
\set t random(1, 200)
WITH me AS (
    SELECT a.id AS account, a.node_id AS node
      FROM api_token k JOIN account a ON a.id = k.account_id
     WHERE k.token_hash = bench_token_hash(:t) AND k.revoked_at IS NULL
       AND k.expires_at > now() AND NOT a.disabled),
page AS (
    SELECT p.*, row_number() OVER (ORDER BY p.created_at DESC, p.id DESC) AS n
      FROM me, LATERAL (
        SELECT * FROM referral p
         WHERE p.to_node_id = me.node AND p.status IN ('sent', 'received')
         ORDER BY p.created_at DESC, p.id DESC
         LIMIT 51) p),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT me.account, me.node, 'referral.list', 'referral', NULL, :request, :client,
           jsonb_build_object(
               'box', 'inbox', 'case_id', NULL,
               'ids', (SELECT jsonb_agg(id ORDER BY n) FROM page WHERE n <= 50),
               'case_ids', (SELECT jsonb_agg(DISTINCT case_id) FROM page WHERE n <= 50))
      FROM me WHERE EXISTS (SELECT 1 FROM page)),
items AS (
    SELECT r.n, r.created_at, r.id, json_build_object(
        'id', r.id, 'case_id', r.case_id, 'network_id', r.network_id,
        'from_node_id', r.from_node_id, 'to_node_id', r.to_node_id, 'kind', r.kind,
        'chain_step_key', r.chain_step_key, 'chain_step_name', cs.name,
        'service_id', r.service_id, 'status', r.status, 'reason', r.reason,
        'note', CASE WHEN lb.kind = 'statutory' OR cov.ok THEN r.note END,
        'legal_basis', r.legal_basis, 'consent_id', r.consent_id,
        'funding_source_id', r.funding_source_id, 'contract_id', r.contract_id,
        'double_funding_reason', NULL, -- the sender's only; this is the receiver's page
        'priority', r.priority, 'due_at', r.due_at, 'appointment_at', r.appointment_at,
        'expected_on', r.expected_on, 'status_reason', r.status_reason, 'outcome', r.outcome,
        'redirected_from', r.redirected_from, 'version', r.version,
        'overdue', coalesce(s.clock = 'due' AND r.due_at < now(), false)
                   OR coalesce(s.clock = 'expected' AND r.expected_on < current_date, false)
                   OR coalesce(s.start_deadline AND r.accepted_at
                               + make_interval(days => cs.target_days_to_start) < now(), false),
        'allowed_moves', s.receiver_moves,
        'case', json_build_object('reference', k.reference,
                                  'target_group_id', k.target_group_id),
        'link', NULL, -- the sender's only (referral_link_json); this is the receiver's page
        'created_at', r.created_at, 'updated_at', r.updated_at)::text AS body
      FROM page r
      JOIN referral_status s ON s.status = r.status
      JOIN client_case k ON k.id = r.case_id
      LEFT JOIN chain_step cs ON cs.version_id = k.chain_version_id AND cs.key = r.chain_step_key
      LEFT JOIN legal_basis lb ON lb.code = r.legal_basis
      LEFT JOIN LATERAL (
        SELECT true AS ok FROM consent c
         WHERE c.case_id = r.case_id AND c.revoked_at IS NULL AND c.given_on <= current_date
           AND (c.expires_on IS NULL OR c.expires_on >= current_date)
           AND (c.recipient_node_id = r.to_node_id
                OR (c.scope = 'network' AND EXISTS (
                    SELECT 1 FROM network_member m
                     WHERE m.network_id = k.network_id AND m.node_id = r.to_node_id
                       AND m.active)))
         LIMIT 1) cov ON true
     WHERE r.n <= 51)
SELECT '{"items":[' || coalesce(string_agg(body, ',' ORDER BY n) FILTER (WHERE n <= 50), '')
       || '],"next":' || coalesce((
           SELECT '"' || rtrim(translate(encode(convert_to(
                      '["' || i.created_at::text || '","' || i.id::text || '"]', 'UTF8'),
                      'base64'), E'+/\n', '-_'), '=') || '"'
             FROM items i WHERE i.n = 50 AND EXISTS (SELECT 1 FROM items j WHERE j.n = 51)),
           'null') || '}' AS body
  FROM items;
