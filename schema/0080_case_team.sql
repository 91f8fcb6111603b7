-- Who is responsible for a case (Fallverantwortung), who stands in (Vertretung), and when to
-- look at it again (Wiedervorlage): docs/data-model.md, "Responsibility, absence and
-- follow-ups". Everything here is the owner node's own business: another node sees none of it.
-- The functions and triggers are in schema/functions/case_team.sql and follow_ups.sql.

-- The responsible account: a caseworker of the owning node; NULL is the visible state
-- "nobody responsible" (cases from before responsibility existed whose opener is gone).
ALTER TABLE client_case ADD COLUMN responsible_account_id uuid;
ALTER TABLE client_case ADD CONSTRAINT client_case_responsible_account_id_fkey
    FOREIGN KEY (responsible_account_id) REFERENCES account (id);
CREATE INDEX client_case_responsible_idx ON client_case (responsible_account_id)
    WHERE status = 'open';

-- Deputies: further caseworkers of the owning node who share the case.
CREATE TABLE case_deputy (
    case_id    uuid NOT NULL,
    account_id uuid NOT NULL,
    added_by   uuid,
    added_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_deputy_pkey PRIMARY KEY (case_id, account_id),
    CONSTRAINT case_deputy_case_id_fkey FOREIGN KEY (case_id) REFERENCES client_case (id)
        ON DELETE CASCADE,
    CONSTRAINT case_deputy_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id)
);
CREATE INDEX case_deputy_account_idx ON case_deputy (account_id);

-- The case's own timeline: who became responsible, deputies added and removed, the arrival
-- by transfer. Append-only like referral_event; rows leave only with their case.
CREATE TABLE case_event (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id             uuid NOT NULL,
    at                  timestamptz NOT NULL DEFAULT now(),
    kind                text NOT NULL,
    actor_account       uuid,
    actor_node          uuid,
    -- The account the entry is about (the new responsible person, the deputy).
    account_id          uuid,
    previous_account_id uuid,
    CONSTRAINT case_event_case_id_fkey FOREIGN KEY (case_id) REFERENCES client_case (id)
        ON DELETE CASCADE,
    CONSTRAINT case_event_kind_check CHECK (kind IN ('responsible', 'deputy_added',
        'deputy_removed', 'transferred'))
);
CREATE INDEX case_event_case_idx ON case_event (case_id, id);

-- An absence of an account (holiday, illness) and the colleague who stands in meanwhile.
-- Days inclusive; an account's absences never overlap (absence_create checks).
CREATE TABLE account_absence (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id          uuid NOT NULL,
    starts_on           date NOT NULL,
    ends_on             date NOT NULL,
    stand_in_account_id uuid NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT account_absence_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id)
        ON DELETE CASCADE,
    CONSTRAINT account_absence_stand_in_account_id_fkey FOREIGN KEY (stand_in_account_id)
        REFERENCES account (id) ON DELETE CASCADE,
    CONSTRAINT account_absence_ends_on_range CHECK (ends_on >= starts_on),
    CONSTRAINT account_absence_stand_in_account_id_self CHECK (stand_in_account_id <> account_id)
);
CREATE INDEX account_absence_account_idx ON account_absence (account_id, ends_on);
CREATE INDEX account_absence_stand_in_idx ON account_absence (stand_in_account_id, ends_on);

-- A follow-up date (Wiedervorlage) on a case with a short reason. It belongs to the node that
-- set it: after a transfer the new owner does not see the old owner's follow-ups.
CREATE TABLE case_follow_up (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid NOT NULL,
    node_id      uuid NOT NULL,
    due_on       date NOT NULL,
    reason       text NOT NULL,
    created_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    done_at      timestamptz,
    done_by      uuid,
    -- When the event case.follow_up_due was written: set once, by whichever pnetd's timer
    -- claims the row first (follow_up_due_events(), schema/functions/follow_ups.sql).
    due_event_at timestamptz,
    version      integer NOT NULL DEFAULT 1,
    CONSTRAINT case_follow_up_case_id_fkey FOREIGN KEY (case_id) REFERENCES client_case (id)
        ON DELETE CASCADE,
    CONSTRAINT case_follow_up_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id),
    CONSTRAINT case_follow_up_reason_length CHECK (char_length(reason) BETWEEN 1 AND 200)
);
CREATE INDEX case_follow_up_case_idx ON case_follow_up (case_id, due_on);
CREATE INDEX case_follow_up_open_idx ON case_follow_up (due_on, id) WHERE done_at IS NULL;
CREATE INDEX case_follow_up_unannounced_idx ON case_follow_up (due_on)
    WHERE done_at IS NULL AND due_event_at IS NULL;

-- Existing cases: the opener when still an active caseworker of the owner node; for a case
-- that came by transfer, the account of the owner node that completed the transfer; else
-- nobody (shown as "nobody responsible" until a colleague takes the case).
UPDATE client_case c SET responsible_account_id = coalesce(
    (SELECT a.id FROM account a
      WHERE a.id = c.created_by AND a.role = 'caseworker' AND a.node_id = c.owner_node_id
        AND NOT a.disabled),
    (SELECT a.id FROM referral r
       JOIN referral_event e ON e.referral_id = r.id AND e.to_status = 'completed'
       JOIN account a ON a.id = e.actor_account
      WHERE r.case_id = c.id AND r.kind = 'transfer' AND r.to_node_id = c.owner_node_id
        AND a.role = 'caseworker' AND a.node_id = c.owner_node_id AND NOT a.disabled
      ORDER BY e.at DESC LIMIT 1));

-- Every event about a case carries its recipients at the owner node, fixed when it is
-- written (who stood in that day: outbox_case_recipients, schema/functions/case_team.sql).
-- Streams and webhooks show them to the owner node only.
ALTER TABLE outbox ADD COLUMN recipients jsonb;

ALTER TABLE webhook DROP CONSTRAINT webhook_event_types_check;
ALTER TABLE webhook ADD CONSTRAINT webhook_event_types_check CHECK (cardinality(event_types) >= 1
    AND event_types <@ ARRAY['referral.created', 'referral.updated', 'referral.handover',
                             'referral.message', 'referral.overdue', 'referral.appointment',
                             'consent.revoked', 'case.responsible_changed',
                             'case.follow_up_due']);

-- The person the receiving node of a transfer named, on accepting it, as the case's next
-- responsible person (transfer_responsible_name, schema/functions/case_team.sql); it becomes
-- so when the transfer hands the case over.
CREATE TABLE transfer_responsible (
    referral_id uuid PRIMARY KEY,
    account_id  uuid NOT NULL,
    named_by    uuid,
    named_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT transfer_responsible_referral_id_fkey FOREIGN KEY (referral_id)
        REFERENCES referral (id) ON DELETE CASCADE,
    CONSTRAINT transfer_responsible_account_id_fkey FOREIGN KEY (account_id)
        REFERENCES account (id)
);
