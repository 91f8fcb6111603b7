-- The statement of server/api/audit.c.

-- name: audit_list
-- params: object, account, since, until, actions, case_reference, after_1, after_2, limit
-- The audit log, newest first, with the account, node and case of each entry: an entry names
-- the case it is about when its object is a case or a referral or consent of one (and that
-- case is still there). case_reference finds the case's own entries and those of its
-- referrals and consents.
SELECT json_build_object(
           'id', a.id, 'at', a.at, 'account_id', a.account_id, 'account_login', ac.login,
           'account_name', ac.display_name, 'node_id', a.node_id, 'node_name', n.name,
           'action', a.action, 'object_type', a.object_type, 'object_id', a.object_id,
           'case_id', c.id, 'case_reference', c.reference, 'request_id', a.request_id,
           'client_addr', a.client_addr, 'detail', a.detail)::text AS body,
       a.at::text, a.id::text
  FROM audit_log a
  LEFT JOIN account ac ON ac.id = a.account_id
  LEFT JOIN node n ON n.id = a.node_id
  LEFT JOIN referral rf ON a.object_type = 'referral' AND rf.id = a.object_id
  LEFT JOIN consent cs ON a.object_type = 'consent' AND cs.id = a.object_id
  LEFT JOIN client_case c ON c.id = CASE a.object_type WHEN 'client_case' THEN a.object_id
                                                       WHEN 'referral' THEN rf.case_id
                                                       WHEN 'consent' THEN cs.case_id END
 -- The object itself, or a list read that showed it (docs/architecture.md, "Reads of social
 -- data": detail ids, and for referral lists case_ids).
 WHERE ($1::uuid IS NULL OR a.object_id = $1::uuid
        OR a.detail @> jsonb_build_object('ids', jsonb_build_array($1::text))
        OR a.detail @> jsonb_build_object('case_ids', jsonb_build_array($1::text)))
   AND ($2::uuid IS NULL OR a.account_id = $2::uuid)
   AND ($3::timestamptz IS NULL OR a.at >= $3::timestamptz)
   AND ($4::timestamptz IS NULL OR a.at < $4::timestamptz)
   AND ($5::text[] IS NULL OR a.action = ANY ($5::text[]))
   AND ($6::text IS NULL OR a.object_id IN (
            SELECT k.id FROM client_case k WHERE k.reference = $6
            UNION ALL
            SELECT r.id FROM referral r JOIN client_case k ON k.id = r.case_id
             WHERE k.reference = $6
            UNION ALL
            SELECT n.id FROM consent n JOIN client_case k ON k.id = n.case_id
             WHERE k.reference = $6)
        OR a.detail->'case_ids' ?| ARRAY(SELECT k.id::text FROM client_case k
                                          WHERE k.reference = $6)
        OR (a.action = 'case.list'
            AND a.detail->'ids' ?| ARRAY(SELECT k.id::text FROM client_case k
                                          WHERE k.reference = $6)))
   AND ($7::text IS NULL OR (a.at, a.id) < ($7::timestamptz, $8::bigint))
 ORDER BY a.at DESC, a.id DESC
 LIMIT $9::int;
