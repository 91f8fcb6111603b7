-- The statements of server/api/messages.c: a referral's thread and the node's unread counts.
-- Reads and writes are audited in the statement (or function) that does them.

-- name: messages_post
-- params: actor, idempotency_key, request_hash, referral, text
-- Write a message (schema/functions/messages.sql): 'created' with the message (the first one
-- again for a repeated Idempotency-Key), or 'not_found' when the actor's node is neither side.
SELECT * FROM referral_message_post($1, $2, $3, $4, $5, $6, $7, $8);

-- name: messages_visible
-- params: node, referral
-- Whether the node sees the referral (its sender or its receiver).
SELECT 1 FROM referral WHERE id = $2 AND $1::uuid IN (from_node_id, to_node_id);

-- name: messages_list
-- params: actor, referral, after_1, after_2, limit
-- The thread oldest first. The messages shown that were the node's to read are marked read by
-- this account; the answer shows them as they were before (unread), so that the reader sees
-- what is new. One audit row names the messages shown and those this read marked.
WITH x AS (
    SELECT r.id, r AS ref FROM referral r
     WHERE r.id = $5 AND $2::uuid IN (r.from_node_id, r.to_node_id)),
page AS (
    SELECT m.id, m.created_at FROM referral_message m JOIN x ON m.referral_id = x.id
     WHERE ($6::text IS NULL OR (m.created_at, m.id) > ($6::timestamptz, $7::uuid))
     ORDER BY m.created_at, m.id LIMIT $8::int),
shown AS (SELECT * FROM page ORDER BY created_at, id LIMIT $8::int - 1),
marked AS (
    UPDATE referral_message m SET read_at = now(), read_by = $1::uuid
      FROM shown s WHERE m.id = s.id AND m.to_node = $2::uuid AND m.read_at IS NULL
    RETURNING m.id),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'referral.messages_read', 'referral', x.id, $3, $4,
           jsonb_build_object(
               'ids', (SELECT coalesce(jsonb_agg(id ORDER BY created_at, id), '[]') FROM shown),
               'read', (SELECT coalesce(jsonb_agg(id), '[]') FROM marked))
      FROM x)
SELECT referral_message_json(m, x.ref, $2::uuid)::text AS body, m.created_at::text, m.id::text
  FROM page JOIN referral_message m USING (id) CROSS JOIN x
 ORDER BY m.created_at, m.id;

-- name: messages_unread
-- params: node, limit
-- The node's unread messages, in total and per referral (most recent first, at most limit
-- referrals). Only unread rows are read (referral_message_unread_idx), so this stays cheap
-- however long the threads grow.
WITH per AS (
    SELECT referral_id, count(*) AS n, max(created_at) AS latest
      FROM referral_message WHERE to_node = $1::uuid AND read_at IS NULL
     GROUP BY referral_id)
SELECT json_build_object(
           'total', (SELECT coalesce(sum(n), 0) FROM per),
           'referrals', (SELECT coalesce(json_agg(json_build_object('referral_id', referral_id,
                                                                    'unread', n)
                                                  ORDER BY latest DESC), '[]')
                           FROM (SELECT * FROM per ORDER BY latest DESC LIMIT $2::int) t)
       )::text AS body;
