-- Notifications by e-mail (docs/architecture.md, "Notifications by e-mail"): each account
-- chooses the kinds it wants; an event of the outbox that concerns an account queues a notice
-- in the same transaction (a trigger, as for webhook deliveries: nothing committed is lost,
-- nothing rolled back is sent); pnetd gathers an account's notices into at most one e-mail
-- every --mail-batch-minutes and sends it through the SMTP server of its options, retrying
-- while that server is away. An e-mail holds counts, node names and a link: no case
-- reference, no names of people, no free text.

ALTER TABLE account ADD COLUMN email_kinds text[] NOT NULL DEFAULT '{}';
ALTER TABLE account ADD CONSTRAINT account_email_kinds_check CHECK (email_kinds <@ ARRAY[
    'new_referral', 'referral_update', 'message', 'overdue']);

-- One e-mail, composed (subject and text) and waiting for, or done with, the SMTP server.
CREATE TABLE email_outgoing (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL,
    recipient       text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A process that claimed it sends it until then; after, another may (a crashed sender).
    lease_until     timestamptz,
    sent_at         timestamptz,
    -- The SMTP server refused it for good (5xx): not tried again.
    failed_at       timestamptz,
    last_error      text,
    CONSTRAINT email_outgoing_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id)
        ON DELETE CASCADE
);
CREATE INDEX email_outgoing_due_idx ON email_outgoing (next_attempt_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX email_outgoing_account_idx ON email_outgoing (account_id, created_at);

-- A notice for one account: one event of one kind about one node, until an e-mail takes it.
CREATE TABLE email_notice (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  uuid NOT NULL,
    kind        text NOT NULL,
    -- The node the notice counts for (the account's, or for a referral it sent, the receiver).
    node_id     uuid NOT NULL,
    outbox_seq  bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    outgoing_id bigint,
    CONSTRAINT email_notice_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id)
        ON DELETE CASCADE,
    CONSTRAINT email_notice_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id),
    CONSTRAINT email_notice_outgoing_id_fkey FOREIGN KEY (outgoing_id)
        REFERENCES email_outgoing (id) ON DELETE CASCADE,
    -- One notice per event and account, whatever runs twice.
    CONSTRAINT email_notice_account_seq_key UNIQUE (account_id, outbox_seq, kind)
);
CREATE INDEX email_notice_pending_idx ON email_notice (account_id) WHERE outgoing_id IS NULL;

