-- The statements of server/api/events.c and of the streams it opens (server/sse.c;
-- docs/events.md): streams read the outbox in (txid, seq) order and only rows whose
-- transaction is older than every running one (schema/0020_webhooks.sql says why).

-- name: events_start
-- params: last_event_id
-- The position (txid, seq) a stream starts after: that of the Last-Event-ID (a seq), or,
-- for an unknown id or none, that of the newest row no running transaction can precede.
SELECT p.txid::text, p.seq::text
  FROM ((SELECT o.txid, o.seq, 0 AS k FROM outbox o WHERE o.seq = $1::bigint)
        UNION ALL
        (SELECT o.txid, o.seq, 1 FROM outbox o
          WHERE o.txid < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY o.txid DESC, o.seq DESC LIMIT 1)
        UNION ALL
        SELECT '0'::xid8, 0, 2) p
 ORDER BY p.k
 LIMIT 1;

-- name: events_fetch
-- params: after_txid, after_seq, node, limit
-- Up to limit rows after the position (of one node, or of all when node is NULL), then one
-- trailer row (txid NULL) saying whether newer rows are held back by running transactions.
-- Each row as every node sees it (body) and, for an event about a case, as its owner node
-- sees it, with the recipients (owner, owner_body; server/sse.c sends each its copy).
SELECT q.k, q.txid, q.seq, q.type, q.node_ids, q.body, q.owner, q.owner_body
  FROM ((SELECT 0 AS k, o.txid, o.seq, o.type, o.node_ids::text,
                event_json(o, NULL)::text AS body, o.recipients->>'node_id' AS owner,
                event_json(o, (o.recipients->>'node_id')::uuid)::text AS owner_body
           FROM outbox o
          WHERE (o.txid, o.seq) > ($1::xid8, $2::bigint)
            AND o.txid < pg_snapshot_xmin(pg_current_snapshot())
            AND ($3::uuid IS NULL OR o.node_ids @> ARRAY[$3::uuid])
          ORDER BY o.txid, o.seq
          LIMIT $4::int)
        UNION ALL
        SELECT 1, NULL::xid8, NULL::bigint, NULL, NULL,
               EXISTS (SELECT 1 FROM outbox x
                        WHERE x.txid >= pg_snapshot_xmin(pg_current_snapshot()))::text,
               NULL, NULL) q
 ORDER BY q.k, q.txid, q.seq;

-- name: events_tokens
-- params: token_ids
-- Which tokens of open streams are still valid (checked at every heartbeat).
SELECT t.id::text
  FROM api_token t
  JOIN account a ON a.id = t.account_id
 WHERE t.id = ANY ($1::uuid[]) AND t.revoked_at IS NULL AND t.expires_at > now()
   AND NOT a.disabled;
