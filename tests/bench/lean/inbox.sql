-- pgbench, the lean statement: one statement that answers GET /v1/referrals?box=inbox&
-- status=sent,received&limit=50 with the same bytes as pnetd (the whole answer body, items
-- and cursor) and the same write (the audit row naming the page), token check included.
-- Set-based: the page's 51 rows are picked from referral_inbox_open_idx (schema/0110), the
-- case, chain step and status joined once each, the consent asked only for a row with a note
-- (as referral_view does), the JSON built by one expression per row (row_to_json: compact,
-- as pnetd's) and aggregated; no per-row function. The item is referral_view's
-- (schema/functions/referrals.sql) field for field: run.sh compares the bytes before
-- measuring.
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
    SELECT r.n, r.created_at, r.id, (SELECT row_to_json(j) FROM (SELECT
        r.id, r.case_id, r.network_id, r.from_node_id, r.to_node_id, r.kind,
        r.chain_step_key, cs.name AS chain_step_name, r.service_id, r.status, r.reason,
        CASE WHEN r.note IS NULL THEN NULL
             WHEN lb.kind = 'statutory' OR EXISTS (
                SELECT 1 FROM consent c
                 WHERE c.case_id = r.case_id AND c.revoked_at IS NULL
                   AND c.given_on <= current_date
                   AND (c.expires_on IS NULL OR c.expires_on >= current_date)
                   AND (c.recipient_node_id = r.to_node_id
                        OR (c.scope = 'network' AND EXISTS (
                            SELECT 1 FROM network_member m
                             WHERE m.network_id = k.network_id AND m.node_id = r.to_node_id
                               AND m.active)))) THEN r.note END AS note,
        r.legal_basis,
        NULL AS basis_holds, -- the sender's only; this is the receiver's page
        r.consent_id, r.funding_source_id, r.contract_id,
        NULL AS double_funding_reason, -- the sender's only; this is the receiver's page
        r.priority, r.due_at, r.appointment_at, r.expected_on, r.status_reason, r.outcome,
        r.redirected_from, r.version,
        coalesce(s.clock = 'due' AND r.due_at < now(), false)
        OR coalesce(s.clock = 'expected' AND r.expected_on < current_date, false)
        OR coalesce(s.start_deadline AND r.accepted_at
                    + make_interval(days => cs.target_days_to_start) < now(), false) AS overdue,
        s.receiver_moves AS allowed_moves,
        (SELECT row_to_json(c) FROM (SELECT k.reference, k.target_group_id) c) AS "case",
        NULL AS link, -- the sender's only (referral_link_json); this is the receiver's page
        r.created_at, r.updated_at) j)::text AS body
      FROM page r
      JOIN referral_status s ON s.status = r.status
      JOIN client_case k ON k.id = r.case_id
      LEFT JOIN chain_step cs ON cs.version_id = k.chain_version_id AND cs.key = r.chain_step_key
      LEFT JOIN legal_basis lb ON lb.code = r.legal_basis
     WHERE r.n <= 51)
SELECT '{"items":[' || coalesce(string_agg(body, ',' ORDER BY n) FILTER (WHERE n <= 50), '')
       || '],"next":' || coalesce((
           SELECT '"' || rtrim(translate(encode(convert_to(
                      '["' || i.created_at::text || '","' || i.id::text || '"]', 'UTF8'),
                      'base64'), E'+/\n', '-_'), '=') || '"'
             FROM items i WHERE i.n = 50 AND EXISTS (SELECT 1 FROM items j WHERE j.n = 51)),
           'null') || '}' AS body
  FROM items;
