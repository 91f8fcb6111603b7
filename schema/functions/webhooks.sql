-- Webhooks of a node and their deliveries (server/api/webhooks.c, server/webhook.c;
-- docs/events.md).

-- The webhook as its owner sees it (never the secret).
CREATE FUNCTION webhook_json(w webhook) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', w.id, 'node_id', w.node_id, 'url', w.url, 'event_types', w.event_types,
        'description', w.description, 'active', w.active,
        'disabled_reason', w.disabled_reason, 'disabled_at', w.disabled_at,
        'version', w.version, 'created_at', w.created_at, 'updated_at', w.updated_at);
$$;

-- One delivery of event o, with what its attempts found.
CREATE FUNCTION webhook_delivery_json(d webhook_delivery, o outbox) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'event_id', d.outbox_seq, 'type', o.type, 'state', d.state,
        'attempts', d.attempts,
        'next_attempt_at', CASE WHEN d.state = 'pending' THEN d.next_attempt_at END,
        'last_attempt_at', d.last_attempt_at, 'last_status', d.last_status,
        'last_error', d.last_error, 'delivered_at', d.delivered_at,
        'created_at', d.created_at);
$$;

-- Deliveries are born with their event, in the same transaction: an event whose change rolls
-- back has none, and one that commits cannot lose them.
CREATE FUNCTION outbox_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_delivery (webhook_id, outbox_seq)
    SELECT w.id, NEW.seq FROM webhook w
     WHERE w.active AND w.node_id = ANY (NEW.node_ids) AND NEW.type = ANY (w.event_types);
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_webhook_deliveries AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_webhook_deliveries();
