-- replaces sha256 52d489ebab2d27bb6c9b07ffa16d71bf3e29b748b2b0ce75ff401d120ed17fc5
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- Cases, consent, referrals and their timeline: the closed loop (docs/architecture.md:
-- "The handover state machine", "Access rules").
-- The handover table itself lives in lib/referral.c; the UPDATE here names the source
-- statuses the server computed from it and the version the client read, so two racing moves
-- can never both win.

CREATE TABLE client_case (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    network_id       uuid NOT NULL,
    owner_node_id    uuid NOT NULL,
    -- An opaque pseudonym chosen by the owner: never a name, birth date or benefit number.
    reference        text NOT NULL,
    target_group_id  uuid NOT NULL,
    -- Where the client lives (Sozialraum): suggestions prefer providers there.
    district         text,
    chain_version_id uuid,
    enrolled_at      timestamptz,
    status           text NOT NULL DEFAULT 'open',
    close_reason     text,
    opened_at        timestamptz NOT NULL DEFAULT now(),
    closed_at        timestamptz,
    created_by       uuid,
    version          integer NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT client_case_network_id_fkey FOREIGN KEY (network_id) REFERENCES network (id),
    CONSTRAINT client_case_owner_node_id_fkey FOREIGN KEY (owner_node_id) REFERENCES node (id),
    CONSTRAINT client_case_target_group_id_fkey FOREIGN KEY (target_group_id)
        REFERENCES target_group (id),
    CONSTRAINT client_case_chain_version_id_fkey FOREIGN KEY (chain_version_id)
        REFERENCES chain_version (id),
    CONSTRAINT client_case_reference_length CHECK (char_length(reference) BETWEEN 1 AND 64),
    CONSTRAINT client_case_district_length CHECK (district IS NULL OR char_length(district) BETWEEN 1 AND 100),
    CONSTRAINT client_case_status_check CHECK (status IN ('open', 'closed')),
    CONSTRAINT client_case_close_reason_check CHECK (close_reason IS NULL OR close_reason IN
        ('goal_reached', 'moved_away', 'no_longer_eligible', 'client_withdrew', 'no_contact', 'other')),
    CONSTRAINT client_case_closed_at_status CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- One open case per pseudonym and owner, so that a reference names one client.
CREATE UNIQUE INDEX client_case_reference_key ON client_case (owner_node_id, reference)
    WHERE status = 'open';
CREATE INDEX client_case_owner_idx ON client_case (owner_node_id, opened_at DESC);
CREATE INDEX client_case_closed_idx ON client_case (closed_at) WHERE status = 'closed';

CREATE TABLE consent (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id           uuid NOT NULL,
    -- scope node: recipient_node_id names it; scope network: every active member.
    scope             text NOT NULL,
    recipient_node_id uuid,
    purpose           text NOT NULL,
    given_on          date NOT NULL,
    expires_on        date,
    -- Where the signed form is kept by the owner (a file number, not the form).
    evidence          text NOT NULL,
    recorded_by       uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    revoked_at        timestamptz,
    revoked_by        uuid,
    CONSTRAINT consent_case_id_fkey FOREIGN KEY (case_id) REFERENCES client_case (id)
        ON DELETE CASCADE,
    CONSTRAINT consent_recipient_node_id_fkey FOREIGN KEY (recipient_node_id) REFERENCES node (id),
    CONSTRAINT consent_scope_check CHECK (scope IN ('node', 'network')),
    CONSTRAINT consent_recipient_node_id_scope CHECK ((scope = 'node') = (recipient_node_id IS NOT NULL)),
    CONSTRAINT consent_purpose_length CHECK (char_length(purpose) BETWEEN 1 AND 200),
    CONSTRAINT consent_evidence_length CHECK (char_length(evidence) BETWEEN 1 AND 200),
    CONSTRAINT consent_expires_on_range CHECK (expires_on IS NULL OR expires_on >= given_on)
);
CREATE INDEX consent_case_idx ON consent (case_id);

CREATE TABLE referral (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id         uuid NOT NULL,
    network_id      uuid NOT NULL,
    from_node_id    uuid NOT NULL,
    to_node_id      uuid NOT NULL,
    kind            text NOT NULL DEFAULT 'service',
    chain_step_key  text,
    service_id      uuid,
    status          text NOT NULL DEFAULT 'sent',
    -- Why this referral (the sender's words, short).
    reason          text,
    note            text,
    priority        text NOT NULL DEFAULT 'normal',
    due_at          timestamptz NOT NULL,
    appointment_at  timestamptz,
    expected_on     date,
    -- The reason code of a decline, drop-out or withdrawal.
    status_reason   text,
    outcome         text,
    redirected_from uuid,
    received_at     timestamptz,
    accepted_at     timestamptz,
    started_at      timestamptz,
    closed_at       timestamptz,
    created_by      uuid,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT referral_case_id_fkey FOREIGN KEY (case_id) REFERENCES client_case (id)
        ON DELETE CASCADE,
    CONSTRAINT referral_from_node_id_fkey FOREIGN KEY (from_node_id) REFERENCES node (id),
    CONSTRAINT referral_to_node_id_fkey FOREIGN KEY (to_node_id) REFERENCES node (id),
    CONSTRAINT referral_service_id_fkey FOREIGN KEY (service_id) REFERENCES service (id),
    CONSTRAINT referral_redirected_from_fkey FOREIGN KEY (redirected_from) REFERENCES referral (id)
        ON DELETE SET NULL,
    CONSTRAINT referral_kind_check CHECK (kind IN ('service', 'transfer')),
    CONSTRAINT referral_status_check CHECK (status IN ('sent', 'received', 'waitlisted',
        'accepted', 'declined', 'in_progress', 'completed', 'dropped_out', 'withdrawn')),
    CONSTRAINT referral_priority_check CHECK (priority IN ('normal', 'urgent')),
    CONSTRAINT referral_reason_length CHECK (reason IS NULL OR char_length(reason) <= 200),
    CONSTRAINT referral_note_length CHECK (note IS NULL OR char_length(note) <= 2000),
    CONSTRAINT referral_outcome_check CHECK (outcome IS NULL OR outcome IN
        ('goal_reached', 'partially_reached', 'not_reached', 'referred_on')),
    CONSTRAINT referral_to_node_id_other CHECK (to_node_id <> from_node_id)
);
-- Inbox and outbox read newest first per node and status.
CREATE INDEX referral_inbox_idx ON referral (to_node_id, status, created_at DESC, id DESC);
CREATE INDEX referral_inbox_all_idx ON referral (to_node_id, created_at DESC, id DESC);
CREATE INDEX referral_outbox_idx ON referral (from_node_id, created_at DESC, id DESC);
CREATE INDEX referral_case_idx ON referral (case_id);
CREATE INDEX referral_overdue_idx ON referral (network_id, due_at)
    WHERE status IN ('sent', 'received', 'waitlisted');
-- The race guard behind the duplicate check: one open referral per case, receiver and step.
CREATE UNIQUE INDEX referral_open_once ON referral (case_id, to_node_id, coalesce(chain_step_key, ''))
    WHERE status IN ('sent', 'received', 'waitlisted', 'accepted', 'in_progress');

CREATE TABLE referral_event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id   uuid NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    -- created, transition, handover
    kind          text NOT NULL,
    from_status   text,
    to_status     text,
    actor_account uuid,
    actor_node    uuid,
    status_reason text,
    outcome       text,
    note          text,
    channel       text,
    warm          boolean,
    handover_at   timestamptz,
    CONSTRAINT referral_event_referral_id_fkey FOREIGN KEY (referral_id) REFERENCES referral (id)
        ON DELETE CASCADE,
    CONSTRAINT referral_event_kind_check CHECK (kind IN ('created', 'transition', 'handover')),
    CONSTRAINT referral_event_channel_check CHECK (channel IS NULL OR channel IN
        ('in_person', 'phone', 'video', 'letter', 'portal')),
    CONSTRAINT referral_event_note_length CHECK (note IS NULL OR char_length(note) <= 2000)
);
CREATE INDEX referral_event_referral_idx ON referral_event (referral_id, id);

-- Every referral change, for Server-Sent Events and webhooks (docs/events.md); no notes in it.
CREATE TABLE outbox (
    seq      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    type     text NOT NULL,
    node_ids uuid[] NOT NULL,
    payload  jsonb NOT NULL
);
CREATE INDEX outbox_node_idx ON outbox USING gin (node_ids);

-- What statistics keep of a referral once retention has deleted its case: no case, no text.
CREATE TABLE referral_archive (
    id             uuid PRIMARY KEY,
    network_id     uuid NOT NULL,
    chain_id       uuid,
    chain_step_key text,
    from_node_id   uuid NOT NULL,
    to_node_id     uuid NOT NULL,
    kind           text NOT NULL,
    status         text NOT NULL,
    status_reason  text,
    outcome        text,
    warm_handover  boolean NOT NULL DEFAULT false,
    due_at         timestamptz,
    -- The receiver's first reaction (received, waitlisted, accepted or declined).
    answered_at    timestamptz,
    created_at     timestamptz NOT NULL,
    accepted_at    timestamptz,
    started_at     timestamptz,
    closed_at      timestamptz
);

-- Creates that may be repeated: the first answer, kept 24 hours.
CREATE TABLE idempotency_key (
    account_id   uuid NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    status       integer NOT NULL,
    response     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_key_created_idx ON idempotency_key (created_at);
