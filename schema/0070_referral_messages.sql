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

