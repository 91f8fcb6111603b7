-- Live events (server/api/events.c, sse.c, webhook.c; docs/events.md).

-- One outbox row as an event: what a stream sends as data and a webhook as its body.
CREATE FUNCTION event_json(o outbox) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', o.seq, 'type', o.type, 'created_at', o.at,
                             'data', o.payload);
$$;
