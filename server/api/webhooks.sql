-- The statements of server/api/webhooks.c and of the delivery dispatcher (server/webhook.c;
-- docs/events.md). caller_node is the node whose webhooks the caller may reach: a
-- caseworker's own, or NULL for an admin (any node); another node's webhook is not found.

-- name: webhooks_create
-- params: actor, node, url, event_types, description, secret
-- A webhook of node; the answer shows its signing secret, once.
WITH w AS (
    INSERT INTO webhook (node_id, url, event_types, description, secret, created_by)
    VALUES ($5::uuid, $6, ARRAY(SELECT jsonb_array_elements_text($7::jsonb)), $8, $9, $1::uuid)
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'webhook.create', 'webhook', w.id, $3, $4,
           jsonb_build_object('url', w.url, 'event_types', w.event_types)
      FROM w)
SELECT 'created' AS outcome,
       (webhook_json(w) || jsonb_build_object('secret', w.secret))::text AS body,
       w.version, '/v1/webhooks/' || w.id AS location
  FROM w;

-- name: webhooks_list
-- params: caller_node, node, after_1, after_2, limit
-- Newest first; node: only that node's.
SELECT webhook_json(w)::text AS body, w.created_at::text, w.id::text
  FROM webhook w
 WHERE ($1::uuid IS NULL OR w.node_id = $1::uuid)
   AND ($2::uuid IS NULL OR w.node_id = $2::uuid)
   AND ($3::text IS NULL OR (w.created_at, w.id) < ($3::timestamptz, $4::uuid))
 ORDER BY w.created_at DESC, w.id DESC
 LIMIT $5::int;

-- name: webhooks_get
-- params: caller_node, id
SELECT webhook_json(w)::text AS body, w.version
  FROM webhook w
 WHERE w.id = $2::uuid AND ($1::uuid IS NULL OR w.node_id = $1::uuid);

-- name: webhooks_update
-- params: actor, id, expected_version, patch, caller_node
-- Enabling a webhook clears why it was disabled.
WITH u AS (
    UPDATE webhook SET
        url = coalesce($7::jsonb->>'url', url),
        event_types = CASE WHEN $7::jsonb ? 'event_types'
                           THEN ARRAY(SELECT jsonb_array_elements_text($7::jsonb->'event_types'))
                           ELSE event_types END,
        description = CASE WHEN $7::jsonb ? 'description' THEN $7::jsonb->>'description'
                           ELSE description END,
        active = coalesce(($7::jsonb->>'active')::boolean, active),
        disabled_reason = CASE WHEN ($7::jsonb->>'active')::boolean THEN NULL
                               ELSE disabled_reason END,
        disabled_at = CASE WHEN ($7::jsonb->>'active')::boolean THEN NULL ELSE disabled_at END,
        version = version + 1,
        updated_at = now()
     WHERE id = $5::uuid AND ($8::uuid IS NULL OR node_id = $8::uuid)
       AND ($6::int IS NULL OR version = $6::int)
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'webhook.update', 'webhook', u.id, $3, $4,
           jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM jsonb_object_keys($7::jsonb) k))
      FROM u)
SELECT 'ok' AS outcome, webhook_json(u)::text AS body, u.version, NULL AS location
  FROM u
UNION ALL
SELECT stale('webhook', w.version), NULL, NULL, NULL
  FROM webhook w
 WHERE w.id = $5::uuid AND ($8::uuid IS NULL OR w.node_id = $8::uuid)
   AND NOT EXISTS (SELECT 1 FROM u);

-- name: webhooks_delete
-- params: actor, id, caller_node
WITH d AS (
    DELETE FROM webhook
     WHERE id = $5::uuid AND ($6::uuid IS NULL OR node_id = $6::uuid)
    RETURNING id, url),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'webhook.delete', 'webhook', d.id, $3, $4,
           jsonb_build_object('url', d.url)
      FROM d)
SELECT 'ok' AS outcome, NULL::text AS body, NULL::int AS version, NULL::text AS location
  FROM d;

-- name: webhooks_deliveries
-- params: caller_node, id, after_1, limit
-- Newest first. No row: no such webhook of the node; one row with a NULL body: a webhook
-- without deliveries (on this page).
SELECT x.body, x.id::text
  FROM webhook w
  LEFT JOIN LATERAL (
      SELECT d.id, webhook_delivery_json(d, o)::text AS body
        FROM webhook_delivery d
        JOIN outbox o ON o.seq = d.outbox_seq
       WHERE d.webhook_id = w.id AND ($3::bigint IS NULL OR d.id < $3::bigint)
       ORDER BY d.id DESC
       LIMIT $4::int) x ON true
 WHERE w.id = $2::uuid AND ($1::uuid IS NULL OR w.node_id = $1::uuid)
 ORDER BY x.id DESC;

-- name: webhooks_ping
-- params: actor, id, caller_node
-- A test event (webhook.ping) for this webhook only: its outbox row names no node, so no
-- stream and no other webhook sees it. A disabled webhook gets none (409).
WITH w AS (
    SELECT id, active FROM webhook
     WHERE id = $5::uuid AND ($6::uuid IS NULL OR node_id = $6::uuid)),
o AS (
    INSERT INTO outbox (type, node_ids, payload)
    SELECT 'webhook.ping', '{}', jsonb_build_object('webhook_id', w.id)
      FROM w WHERE w.active
    RETURNING *),
d AS (
    INSERT INTO webhook_delivery (webhook_id, outbox_seq)
    SELECT w.id, o.seq FROM w, o
    RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'webhook.ping', 'webhook', d.webhook_id, $3, $4,
           jsonb_build_object('event_id', d.outbox_seq)
      FROM d)
SELECT 'accepted' AS outcome, webhook_delivery_json(d, o)::text AS body, NULL::int AS version,
       NULL::text AS location
  FROM d, o
UNION ALL
SELECT problem(409, 'webhook-inactive', 'A disabled webhook gets no events: enable it first '
                                        '(PATCH {"active": true}).'), NULL, NULL, NULL
  FROM w WHERE NOT w.active;

-- name: webhooks_claim
-- params: lease_seconds, limit
-- The dispatcher: due deliveries of active webhooks, locked without waiting for other
-- processes' (SKIP LOCKED), leased, counted.
WITH due AS (
    SELECT d.id
      FROM webhook_delivery d
      JOIN webhook w ON w.id = d.webhook_id
     WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND w.active
       AND (d.lease_until IS NULL OR d.lease_until < now())
     ORDER BY d.next_attempt_at, d.id
       FOR UPDATE OF d SKIP LOCKED
     LIMIT $2::int)
UPDATE webhook_delivery d
   SET lease_until = now() + make_interval(secs => $1::int),
       lease_token = gen_random_uuid(),
       attempts = d.attempts + 1,
       last_attempt_at = now()
  FROM due, webhook w, outbox o
 WHERE d.id = due.id AND w.id = d.webhook_id AND o.seq = d.outbox_seq
RETURNING d.id::text, d.lease_token::text, w.url, w.secret, event_json(o, w.node_id)::text, o.seq::text;

-- name: webhooks_record
-- params: delivery, lease_token, delivered, http_status, error, backoff_base_ms,
--         backoff_max_s, give_up_s, duration_ms
-- Only the lease holder records. The next attempt waits base * 2^(attempts-1), capped, less
-- up to a quarter (jitter: retries of many deliveries spread, and each gap still grows); a
-- delivery whose next attempt would fall after the give-up time fails, and disables its
-- webhook.
WITH d AS (
    UPDATE webhook_delivery d SET
        state = CASE WHEN $3::boolean THEN 'delivered'
                     WHEN now() + n.delay > d.created_at + make_interval(secs => $8::int)
                     THEN 'failed'
                     ELSE 'pending' END,
        delivered_at = CASE WHEN $3::boolean THEN now() END,
        next_attempt_at = CASE WHEN $3::boolean THEN d.next_attempt_at ELSE now() + n.delay END,
        lease_until = NULL,
        lease_token = NULL,
        last_status = $4::int,
        last_error = $5
      FROM (SELECT x.id,
                   make_interval(secs => least($7::float8,
                                               $6::float8 / 1000 * 2 ^ least(x.attempts - 1, 40))
                                         * (0.75 + random() * 0.25)) AS delay
              FROM webhook_delivery x
             WHERE x.id = $1::bigint) n
     WHERE d.id = n.id AND d.lease_token = $2::uuid
    RETURNING d.*),
a AS (
    INSERT INTO webhook_attempt (delivery_id, status, error, duration_ms)
    SELECT d.id, $4::int, $5, $9::int FROM d),
off AS (
    UPDATE webhook w SET
        active = false,
        disabled_at = now(),
        version = w.version + 1,
        updated_at = now(),
        disabled_reason = format('Event %s could not be delivered for %s (%s attempts); '
                                 'the last attempt: %s.', d.outbox_seq,
                                 date_trunc('second', now() - d.created_at), d.attempts,
                                 coalesce('HTTP ' || $4::int, $5))
      FROM d
     WHERE d.state = 'failed' AND w.id = d.webhook_id AND w.active
    RETURNING w.id, w.node_id, w.disabled_reason),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT NULL, off.node_id, 'webhook.disable', 'webhook', off.id, NULL, NULL,
           jsonb_build_object('reason', off.disabled_reason)
      FROM off)
SELECT d.state FROM d;
