-- Messages on a referral (docs/architecture.md, "Messages on a referral"): sender and receiver
-- write short texts in a thread; each is unread for the other node until one of that node's
-- accounts reads it. The text is social data: it follows the note rule (a receiver whose
-- consent no longer covers the case sees that a message exists, not its text), it is never in
-- an event, and it leaves with its case (ON DELETE CASCADE from referral, retention).

CREATE TABLE referral_message (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referral_id    uuid NOT NULL,
    author_account uuid,
    author_node    uuid NOT NULL,
    -- The node that has to read it: the referral's other side, fixed when written.
    to_node        uuid NOT NULL,
    body           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- Who of to_node read it first, and when.
    read_at        timestamptz,
    read_by        uuid,
    CONSTRAINT referral_message_referral_id_fkey FOREIGN KEY (referral_id)
        REFERENCES referral (id) ON DELETE CASCADE,
    CONSTRAINT referral_message_author_account_fkey FOREIGN KEY (author_account)
        REFERENCES account (id) ON DELETE SET NULL,
    CONSTRAINT referral_message_author_node_fkey FOREIGN KEY (author_node) REFERENCES node (id),
    CONSTRAINT referral_message_to_node_fkey FOREIGN KEY (to_node) REFERENCES node (id),
    CONSTRAINT referral_message_read_by_fkey FOREIGN KEY (read_by)
        REFERENCES account (id) ON DELETE SET NULL,
    CONSTRAINT referral_message_text_length CHECK (char_length(body) BETWEEN 1 AND 4000),
    CONSTRAINT referral_message_to_node_other CHECK (to_node <> author_node)
);
-- The thread, oldest first.
CREATE INDEX referral_message_referral_idx ON referral_message (referral_id, created_at, id);
-- The unread counts of a node (the navigation asks on every page): only unread rows.
CREATE INDEX referral_message_unread_idx ON referral_message (to_node, referral_id)
    WHERE read_at IS NULL;

-- A message is in the timeline as an entry of kind 'message' naming it (without its text).
ALTER TABLE referral_event ADD COLUMN message_id uuid;
ALTER TABLE referral_event ADD CONSTRAINT referral_event_message_id_fkey FOREIGN KEY (message_id)
    REFERENCES referral_message (id) ON DELETE CASCADE;
ALTER TABLE referral_event DROP CONSTRAINT referral_event_kind_check;
ALTER TABLE referral_event ADD CONSTRAINT referral_event_kind_check
    CHECK (kind IN ('created', 'transition', 'handover', 'message'));

-- Webhooks may ask for the new event.
ALTER TABLE webhook DROP CONSTRAINT webhook_event_types_check;
ALTER TABLE webhook ADD CONSTRAINT webhook_event_types_check CHECK (cardinality(event_types) >= 1
    AND event_types <@ ARRAY['referral.created', 'referral.updated', 'referral.handover',
                             'referral.message', 'consent.revoked']);

-- Whether node p_node may read the texts of referral r's thread: its sender always, its
-- receiver while a consent covers the case (the rule of the referral's note); an author always
-- reads its own message (checked by the caller).
CREATE FUNCTION referral_message_readable(r referral, p_node uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_node = r.from_node_id OR consent_covers(r.case_id, r.to_node_id);
$$;

-- One message as node p_node sees it: the text, or withheld; unread when it is p_node's to
-- read and nobody of p_node has read it yet.
CREATE FUNCTION referral_message_json(m referral_message, r referral, p_node uuid)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', m.id, 'referral_id', m.referral_id,
        'author_node_id', m.author_node, 'author_account_id', m.author_account,
        'author_name', (SELECT a.display_name FROM account a WHERE a.id = m.author_account),
        'text', CASE WHEN p_node = m.author_node OR referral_message_readable(r, p_node)
                     THEN m.body END,
        'withheld', NOT (p_node = m.author_node OR referral_message_readable(r, p_node)),
        'created_at', m.created_at,
        'unread', m.to_node = p_node AND m.read_at IS NULL,
        'read_at', m.read_at, 'read_by_account_id', m.read_by);
$$;

-- The timeline entry gains the message it stands for.
CREATE OR REPLACE FUNCTION referral_event_json(e referral_event, p_node uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'referral_id', e.referral_id, 'at', e.at, 'kind', e.kind,
        'from_status', e.from_status, 'to_status', e.to_status,
        'actor_account_id', e.actor_account, 'actor_node_id', e.actor_node,
        'status_reason', e.status_reason, 'outcome', e.outcome,
        'note', CASE WHEN p_node = r.from_node_id OR p_node = e.actor_node
                          OR consent_covers(r.case_id, r.to_node_id) THEN e.note END,
        'channel', e.channel, 'warm', e.warm, 'handover_at', e.handover_at,
        'message_id', e.message_id)
    FROM referral r WHERE r.id = e.referral_id;
$$;

-- Write a message: the row, its timeline entry, the event (no text: docs/events.md) and the
-- audit row, in one transaction. outcome 'not_found' when p_node is neither side.
CREATE FUNCTION referral_message_post(p_account uuid, p_node uuid, p_request text, p_client text,
                                      p_id uuid, p_text text, OUT outcome text, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    r referral;
    m referral_message;
BEGIN
    -- FOR SHARE: the referral's sides cannot change meanwhile (a transfer only moves the case).
    SELECT * INTO r FROM referral
     WHERE id = p_id AND p_node IN (from_node_id, to_node_id) FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    INSERT INTO referral_message (referral_id, author_account, author_node, to_node, body)
    VALUES (r.id, p_account, p_node,
            CASE WHEN p_node = r.from_node_id THEN r.to_node_id ELSE r.from_node_id END, p_text)
    RETURNING * INTO m;
    INSERT INTO referral_event (referral_id, kind, actor_account, actor_node, message_id)
    VALUES (r.id, 'message', p_account, p_node, m.id);
    INSERT INTO outbox (type, node_ids, payload)
    VALUES ('referral.message', ARRAY[r.from_node_id, r.to_node_id],
            jsonb_build_object('referral_id', r.id, 'case_id', r.case_id, 'message_id', m.id,
                               'author_node_id', p_node, 'from_node_id', r.from_node_id,
                               'to_node_id', r.to_node_id, 'at', m.created_at));
    PERFORM pg_notify('pnet_outbox', '');
    PERFORM audit(p_account, p_node, 'referral.message', 'referral', r.id, p_request, p_client,
                  jsonb_build_object('message_id', m.id));
    outcome := 'ok';
    body := referral_message_json(m, r, p_node)::text;
END $$;
