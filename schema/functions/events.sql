-- Live events (server/api/events.c, sse.c, webhook.c; docs/events.md).

-- One outbox row as node p_node sees it: what a stream sends as data and a webhook as its
-- body. An event about a case names its recipients at the owner node (who is responsible,
-- deputy or standing in: case_recipients, schema/functions/case_team.sql) to that node only.
CREATE FUNCTION event_json(o outbox, p_node uuid) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN o.recipients->>'node_id' = p_node::text
                THEN json_build_object('id', o.seq, 'type', o.type, 'created_at', o.at,
                                       'data', o.payload,
                                       'recipients', o.recipients->'accounts')
                ELSE json_build_object('id', o.seq, 'type', o.type, 'created_at', o.at,
                                       'data', o.payload)
           END;
$$;
