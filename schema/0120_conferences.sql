-- Case conferences (Fallkonferenzen): a meeting on one case, optionally on one step of the
-- case's chain, planned by the case's owner with other members of the case's network, with
-- its agenda, the decisions taken there and the referrals made from them
-- (docs/data-model.md, "Case conferences"). They belong to the case: retention deletes them
-- with it (ON DELETE CASCADE); statistics keep an anonymous row (conference_archive).

CREATE TABLE conference (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id        uuid NOT NULL,
    -- The case's network and owner when planned (a transfer moves the case, not its past).
    network_id     uuid NOT NULL,
    owner_node_id  uuid NOT NULL,
    chain_step_key text,
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz,
    place          text,
    video_url      text,
    -- Free text: shown to a participant only while a consent of the client covers it.
    agenda         text,
    status         text NOT NULL DEFAULT 'planned',
    held_at        timestamptz,
    cancelled_at   timestamptz,
    created_by     uuid,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conference_case_id_fkey FOREIGN KEY (case_id) REFERENCES client_case (id)
        ON DELETE CASCADE,
    CONSTRAINT conference_network_id_fkey FOREIGN KEY (network_id) REFERENCES network (id),
    CONSTRAINT conference_owner_node_id_fkey FOREIGN KEY (owner_node_id) REFERENCES node (id),
    CONSTRAINT conference_status_check CHECK (status IN ('planned', 'held', 'cancelled')),
    CONSTRAINT conference_ends_at_range CHECK (ends_at IS NULL OR ends_at > starts_at),
    CONSTRAINT conference_place_length CHECK (place IS NULL OR char_length(place) BETWEEN 1 AND 200),
    CONSTRAINT conference_video_url_format CHECK (video_url IS NULL
        OR (video_url ~ '^https://[^/@[:space:]]+' AND char_length(video_url) <= 2000)),
    CONSTRAINT conference_place_required CHECK (place IS NOT NULL OR video_url IS NOT NULL),
    CONSTRAINT conference_agenda_length CHECK (agenda IS NULL OR char_length(agenda) <= 4000),
    CONSTRAINT conference_held_at_status CHECK ((status = 'held') = (held_at IS NOT NULL)),
    CONSTRAINT conference_cancelled_at_status CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX conference_case_idx ON conference (case_id, starts_at, id);
CREATE INDEX conference_owner_idx ON conference (owner_node_id, starts_at, id);

-- The nodes invited, besides the owner (who plans and always takes part).
CREATE TABLE conference_participant (
    conference_id uuid NOT NULL,
    node_id       uuid NOT NULL,
    invited_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conference_id, node_id),
    CONSTRAINT conference_participant_conference_id_fkey FOREIGN KEY (conference_id)
        REFERENCES conference (id) ON DELETE CASCADE,
    CONSTRAINT conference_participant_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id)
);
CREATE INDEX conference_participant_node_idx ON conference_participant (node_id, conference_id);

-- What the conference decided, in the owner's words; never changed once recorded.
CREATE TABLE conference_decision (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conference_id uuid NOT NULL,
    text          text NOT NULL,
    recorded_by   uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conference_decision_conference_id_fkey FOREIGN KEY (conference_id)
        REFERENCES conference (id) ON DELETE CASCADE,
    CONSTRAINT conference_decision_text_length CHECK (char_length(text) BETWEEN 1 AND 4000)
);
CREATE INDEX conference_decision_conference_idx ON conference_decision (conference_id, created_at);

-- The referrals made from a decision ("Vermittlung aus Beschluss").
CREATE TABLE conference_decision_referral (
    decision_id uuid NOT NULL,
    referral_id uuid NOT NULL PRIMARY KEY,
    CONSTRAINT conference_decision_referral_decision_id_fkey FOREIGN KEY (decision_id)
        REFERENCES conference_decision (id) ON DELETE CASCADE,
    CONSTRAINT conference_decision_referral_referral_id_fkey FOREIGN KEY (referral_id)
        REFERENCES referral (id) ON DELETE CASCADE
);
CREATE INDEX conference_decision_referral_decision_idx
    ON conference_decision_referral (decision_id);

-- The case's timeline of its conferences: planned, changed, held, cancelled, decision.
CREATE TABLE conference_event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conference_id uuid NOT NULL,
    case_id       uuid NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    kind          text NOT NULL,
    actor_account uuid,
    actor_node    uuid,
    decision_id   uuid,
    -- What changed (field names) or, for a decision's referral, its id: never free text.
    detail        jsonb,
    CONSTRAINT conference_event_conference_id_fkey FOREIGN KEY (conference_id)
        REFERENCES conference (id) ON DELETE CASCADE,
    CONSTRAINT conference_event_kind_check CHECK (kind IN ('planned', 'changed', 'held',
        'cancelled', 'decision', 'referral'))
);
CREATE INDEX conference_event_case_idx ON conference_event (case_id, id);

-- What statistics keep of a conference once retention has deleted its case: no case, no text.
CREATE TABLE conference_archive (
    id             uuid PRIMARY KEY,
    network_id     uuid NOT NULL,
    chain_id       uuid,
    chain_step_key text,
    status         text NOT NULL,
    starts_at      timestamptz NOT NULL,
    created_at     timestamptz NOT NULL
);

-- Webhooks may follow the conference events too (docs/events.md).
ALTER TABLE webhook DROP CONSTRAINT webhook_event_types_check;
ALTER TABLE webhook ADD CONSTRAINT webhook_event_types_check CHECK (cardinality(event_types) >= 1
    AND event_types <@ ARRAY['referral.created', 'referral.updated', 'referral.handover',
                             'referral.message', 'referral.overdue', 'referral.appointment',
                             'consent.revoked', 'case.responsible_changed',
                             'case.follow_up_due', 'conference.invited', 'conference.updated']);
