-- replaces sha256 1e282818215030ef526d3a789e01437e5a4695d73443741df940d2396b5438de
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- Live events (docs/events.md): the order in which event streams read the outbox, and webhooks
-- with their deliveries.

-- Outbox rows become visible in commit order, not in seq order: a transaction that took seq
-- 10 may commit after one that took seq 11. A reader that moved past 11 would never see 10.
-- So readers go in (txid, seq) order and only read rows whose transaction is older than every
-- transaction still running (txid < pg_snapshot_xmin(pg_current_snapshot())): no row can
-- appear behind that point any more. A reader's position is the (txid, seq) of the last row
-- it read; Last-Event-ID (a seq) is turned back into that position.
ALTER TABLE outbox ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX outbox_order_idx ON outbox (txid, seq);

CREATE TABLE webhook (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    node_id         uuid NOT NULL,
    url             text NOT NULL,
    event_types     text[] NOT NULL,
    description     text,
    -- The signing key, shown once when the webhook is created.
    secret          text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    -- Why pnet disabled it (deliveries kept failing); cleared when its owner enables it again.
    disabled_reason text,
    disabled_at     timestamptz,
    created_by      uuid,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id) ON DELETE CASCADE,
    CONSTRAINT webhook_url_length CHECK (char_length(url) BETWEEN 8 AND 2000),
    CONSTRAINT webhook_event_types_check CHECK (cardinality(event_types) >= 1 AND event_types
        <@ ARRAY['referral.created', 'referral.updated', 'referral.handover', 'consent.revoked']),
    CONSTRAINT webhook_description_length CHECK (description IS NULL
        OR char_length(description) <= 200)
);
CREATE INDEX webhook_node_idx ON webhook (node_id, created_at DESC, id DESC);

CREATE TABLE webhook_delivery (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      uuid NOT NULL,
    outbox_seq      bigint NOT NULL,
    state           text NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A process that claimed the delivery owns it until then (a crash lets it expire).
    lease_until     timestamptz,
    lease_token     uuid,
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_delivery_webhook_id_fkey FOREIGN KEY (webhook_id) REFERENCES webhook (id)
        ON DELETE CASCADE,
    CONSTRAINT webhook_delivery_outbox_seq_fkey FOREIGN KEY (outbox_seq) REFERENCES outbox (seq)
        ON DELETE CASCADE,
    CONSTRAINT webhook_delivery_state_check CHECK (state IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_delivery_once UNIQUE (webhook_id, outbox_seq)
);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at, id)
    WHERE state = 'pending';
CREATE INDEX webhook_delivery_list_idx ON webhook_delivery (webhook_id, id DESC);

-- Every attempt of a delivery, for its owner to see what went wrong.
CREATE TABLE webhook_attempt (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id bigint NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    status      integer,
    error       text,
    duration_ms integer,
    CONSTRAINT webhook_attempt_delivery_id_fkey FOREIGN KEY (delivery_id)
        REFERENCES webhook_delivery (id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempt_delivery_idx ON webhook_attempt (delivery_id, id);
