-- Who is responsible for a case (Fallverantwortung), who stands in (Vertretung), and when to
-- look at it again (Wiedervorlage): docs/data-model.md, "Responsibility, absence and
-- follow-ups". Everything here is the owner node's own business: another node sees none of it.

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

CREATE FUNCTION case_event_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_event is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER case_event_append_only BEFORE UPDATE ON case_event
    FOR EACH ROW EXECUTE FUNCTION case_event_refuse_update();

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
    -- claims the row first (follow_up_due_events()).
    due_event_at timestamptz,
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

-- The opener is responsible for a new case when it is a caseworker of the owner node (every
-- way a case is made, the API and the demo data alike).
CREATE FUNCTION client_case_default_responsible() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.responsible_account_id IS NULL THEN
        NEW.responsible_account_id := (
            SELECT a.id FROM account a
             WHERE a.id = NEW.created_by AND a.role = 'caseworker'
               AND a.node_id = NEW.owner_node_id AND NOT a.disabled);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER client_case_default_responsible BEFORE INSERT ON client_case
    FOR EACH ROW EXECUTE FUNCTION client_case_default_responsible();

-- Whether p_account is an active caseworker of p_node: who may be responsible, deputy or
-- stand-in there.
CREATE FUNCTION account_is_caseworker_of(p_account uuid, p_node uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM account a WHERE a.id = p_account AND a.role = 'caseworker'
                      AND a.node_id = p_node AND NOT a.disabled);
$$;

-- Who is to hear of a case, in one place (SSE and webhooks mark these accounts in an event's
-- recipients; an e-mail sender asks the same): the responsible account, the deputies, and
-- for each of them absent today the stand-in, on behalf of the absent one. Only active
-- caseworkers of the owner node.
CREATE FUNCTION case_recipients(p_case uuid)
RETURNS TABLE (account_id uuid, role text, on_behalf_of uuid)
LANGUAGE sql STABLE AS $$
    WITH c AS (SELECT * FROM client_case WHERE id = p_case),
    team AS (
        SELECT c.responsible_account_id AS account_id, 'responsible' AS role, 1 AS rank
          FROM c WHERE c.responsible_account_id IS NOT NULL
        UNION ALL
        SELECT d.account_id, 'deputy', 2 FROM case_deputy d WHERE d.case_id = p_case
    ),
    everyone AS (
        SELECT t.account_id, t.role, NULL::uuid AS on_behalf_of, t.rank FROM team t
        UNION ALL
        SELECT x.stand_in_account_id, 'stand_in', t.account_id, 3
          FROM team t
          JOIN account_absence x ON x.account_id = t.account_id
                                AND current_date BETWEEN x.starts_on AND x.ends_on
    )
    SELECT e.account_id, e.role, e.on_behalf_of
      FROM everyone e, c
     WHERE account_is_caseworker_of(e.account_id, c.owner_node_id)
     ORDER BY e.rank, e.account_id;
$$;

-- The recipients of a case's events as the owner node sees them.
CREATE FUNCTION case_recipients_json(p_case uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'node_id', c.owner_node_id,
        'accounts', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                  'account_id', r.account_id, 'role', r.role,
                                  'on_behalf_of', r.on_behalf_of))
                              FROM case_recipients(c.id) r), '[]'))
      FROM client_case c WHERE c.id = p_case;
$$;

-- Every event about a case carries its recipients at the owner node, fixed when it is
-- written (who stood in that day). Streams and webhooks show them to the owner node only.
ALTER TABLE outbox ADD COLUMN recipients jsonb;

CREATE FUNCTION outbox_case_recipients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.recipients IS NULL AND NEW.payload ? 'case_id' THEN
        NEW.recipients := case_recipients_json((NEW.payload->>'case_id')::uuid);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_case_recipients BEFORE INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_case_recipients();

-- The event as a node sees it (SSE data, webhook body): the recipients only for the owner.
CREATE FUNCTION outbox_event_json(o outbox, p_node uuid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN o.recipients->>'node_id' = p_node::text
                THEN json_build_object('id', o.seq, 'type', o.type, 'created_at', o.at,
                                       'data', o.payload,
                                       'recipients', o.recipients->'accounts')
                ELSE json_build_object('id', o.seq, 'type', o.type, 'created_at', o.at,
                                       'data', o.payload)
           END::text;
$$;

ALTER TABLE webhook DROP CONSTRAINT webhook_event_types_check;
ALTER TABLE webhook ADD CONSTRAINT webhook_event_types_check CHECK (cardinality(event_types) >= 1
    AND event_types <@ ARRAY['referral.created', 'referral.updated', 'referral.handover',
                             'consent.revoked', 'case.responsible_changed',
                             'case.follow_up_due']);

-- Names of accounts for the owner's screens.
CREATE FUNCTION account_ref(p_account uuid) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', a.id, 'display_name', a.display_name)
      FROM account a WHERE a.id = p_account;
$$;

-- Whether the owner may read the case's free text (follow-up reasons): like notes, it is
-- hidden once a consent of the case was revoked and no active consent remains.
CREATE FUNCTION case_text_visible(p_case uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM consent k WHERE k.case_id = p_case
                          AND k.revoked_at IS NOT NULL)
        OR EXISTS (SELECT 1 FROM consent k WHERE k.case_id = p_case AND k.revoked_at IS NULL
                      AND k.given_on <= current_date
                      AND (k.expires_on IS NULL OR k.expires_on >= current_date));
$$;

-- The role of p_account on case c: responsible, deputy, stand_in (for an absent one of
-- those) or NULL.
CREATE FUNCTION case_role(c client_case, p_account uuid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN c.responsible_account_id = p_account THEN 'responsible'
        WHEN EXISTS (SELECT 1 FROM case_deputy d WHERE d.case_id = c.id
                        AND d.account_id = p_account) THEN 'deputy'
        WHEN EXISTS (SELECT 1 FROM case_recipients(c.id) r
                      WHERE r.account_id = p_account AND r.role = 'stand_in') THEN 'stand_in'
    END;
$$;

-- The cases p_account works on: responsible, deputy, or standing in today for one of them.
CREATE FUNCTION account_case_ids(p_account uuid) RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT c.id FROM client_case c WHERE c.responsible_account_id = p_account
    UNION
    SELECT d.case_id FROM case_deputy d WHERE d.account_id = p_account
    UNION
    SELECT c.id FROM account_absence x
      JOIN client_case c ON c.responsible_account_id = x.account_id
     WHERE x.stand_in_account_id = p_account AND current_date BETWEEN x.starts_on AND x.ends_on
    UNION
    SELECT d.case_id FROM account_absence x
      JOIN case_deputy d ON d.account_id = x.account_id
     WHERE x.stand_in_account_id = p_account AND current_date BETWEEN x.starts_on AND x.ends_on;
$$;

-- A case as node p_node sees it (0011), now with its team and next follow-up for the owner.
CREATE OR REPLACE FUNCTION case_json(c client_case, p_node uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN c.owner_node_id = p_node THEN json_build_object(
        'id', c.id, 'network_id', c.network_id, 'owner_node_id', c.owner_node_id,
        'reference', c.reference, 'target_group_id', c.target_group_id, 'district', c.district,
        'chain_id', v.chain_id, 'chain_version', v.number, 'enrolled_at', c.enrolled_at,
        'status', c.status, 'close_reason', c.close_reason, 'opened_at', c.opened_at,
        'closed_at', c.closed_at, 'version', c.version, 'updated_at', c.updated_at,
        'access', 'owner',
        'responsible', account_ref(c.responsible_account_id),
        'deputies', coalesce((SELECT json_agg(account_ref(d.account_id)
                                              ORDER BY d.added_at, d.account_id)
                              FROM case_deputy d WHERE d.case_id = c.id), '[]'),
        'next_follow_up_on', (SELECT min(f.due_on) FROM case_follow_up f
                               WHERE f.case_id = c.id AND f.node_id = c.owner_node_id
                                 AND f.done_at IS NULL))
    ELSE json_build_object('id', c.id, 'reference', c.reference,
                           'target_group_id', c.target_group_id, 'access', 'referral')
    END
    FROM (SELECT 1) one LEFT JOIN chain_version v ON v.id = c.chain_version_id;
$$;

-- One entry of the case's timeline.
CREATE FUNCTION case_event_json(e case_event) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'case_id', e.case_id, 'at', e.at, 'kind', e.kind,
        'actor', account_ref(e.actor_account), 'account', account_ref(e.account_id),
        'previous_account', account_ref(e.previous_account_id));
$$;

-- The actor's open case, locked, or a problem; NULL (not found) when it is not the node's.
CREATE FUNCTION case_for_team_change(p_node uuid, p_case uuid) RETURNS client_case
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
BEGIN
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node FOR UPDATE;
    IF FOUND AND c.status <> 'open' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed; closed cases do not change.');
    END IF;
    RETURN c;
END $$;

-- The event case.responsible_changed for the owner node (its recipients include the new
-- responsible person).
CREATE FUNCTION case_responsible_outbox(c client_case, p_previous uuid) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO outbox (type, node_ids, payload)
    VALUES ('case.responsible_changed', ARRAY[c.owner_node_id],
            jsonb_build_object('case_id', c.id, 'responsible_account_id',
                               c.responsible_account_id,
                               'previous_account_id', p_previous, 'version', c.version));
    SELECT pg_notify('pnet_outbox', '');
$$;

-- Hand the actor's case to p_to, a caseworker of the node (themselves included: taking a
-- case nobody is responsible for). Answers 'ok', 'not_found' or 'stale'.
CREATE FUNCTION case_responsible_set(p_account uuid, p_node uuid, p_request text,
                                     p_client text, p_case uuid, p_version integer, p_to uuid,
                                     OUT outcome text, OUT body text, OUT version integer)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case := case_for_team_change(p_node, p_case);
    previous uuid;
BEGIN
    IF c.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF p_version IS NOT NULL AND c.version <> p_version THEN
        outcome := 'stale';
        version := c.version;
        RETURN;
    END IF;
    IF NOT account_is_caseworker_of(p_to, p_node) THEN
        PERFORM problem(422, 'validation', 'Not an active caseworker of your node.',
                        'account_id', 'not_a_colleague');
    END IF;
    previous := c.responsible_account_id;
    IF previous IS DISTINCT FROM p_to THEN
        UPDATE client_case SET responsible_account_id = p_to,
                               version = client_case.version + 1, updated_at = now()
         WHERE id = p_case
        RETURNING * INTO c;
        -- The responsible person is not also their own deputy.
        DELETE FROM case_deputy WHERE case_id = p_case AND account_id = p_to;
        INSERT INTO case_event (case_id, kind, actor_account, actor_node, account_id,
                                previous_account_id)
        VALUES (p_case, 'responsible', p_account, p_node, p_to, previous);
        PERFORM case_responsible_outbox(c, previous);
        PERFORM audit(p_account, p_node, 'case.responsible', 'client_case', p_case, p_request,
                      p_client, jsonb_build_object('from', previous, 'to', p_to));
    END IF;
    outcome := 'ok';
    body := case_json(c, p_node)::text;
    version := c.version;
END $$;

-- Make p_accounts the deputies of the actor's case (at most 10, caseworkers of the node,
-- not the responsible person). Answers 'ok', 'not_found' or 'stale'.
CREATE FUNCTION case_deputies_set(p_account uuid, p_node uuid, p_request text, p_client text,
                                  p_case uuid, p_version integer, p_accounts uuid[],
                                  OUT outcome text, OUT body text, OUT version integer)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case := case_for_team_change(p_node, p_case);
    wanted uuid[] := ARRAY(SELECT DISTINCT x FROM unnest(p_accounts) x);
    added uuid[];
    removed uuid[];
BEGIN
    IF c.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF p_version IS NOT NULL AND c.version <> p_version THEN
        outcome := 'stale';
        version := c.version;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(wanted) x WHERE NOT account_is_caseworker_of(x, p_node)) THEN
        PERFORM problem(422, 'validation', 'Not an active caseworker of your node.',
                        'account_ids', 'not_a_colleague');
    END IF;
    IF c.responsible_account_id = ANY (wanted) THEN
        PERFORM problem(422, 'validation', 'The responsible person is not also a deputy.',
                        'account_ids', 'responsible');
    END IF;
    removed := ARRAY(SELECT d.account_id FROM case_deputy d
                      WHERE d.case_id = p_case AND NOT d.account_id = ANY (wanted));
    added := ARRAY(SELECT x FROM unnest(wanted) x
                    WHERE NOT EXISTS (SELECT 1 FROM case_deputy d
                                       WHERE d.case_id = p_case AND d.account_id = x));
    IF cardinality(added) + cardinality(removed) > 0 THEN
        DELETE FROM case_deputy WHERE case_id = p_case AND account_id = ANY (removed);
        INSERT INTO case_deputy (case_id, account_id, added_by)
        SELECT p_case, x, p_account FROM unnest(added) x;
        INSERT INTO case_event (case_id, kind, actor_account, actor_node, account_id)
        SELECT p_case, 'deputy_removed', p_account, p_node, x FROM unnest(removed) x
        UNION ALL
        SELECT p_case, 'deputy_added', p_account, p_node, x FROM unnest(added) x;
        UPDATE client_case SET version = client_case.version + 1, updated_at = now()
         WHERE id = p_case
        RETURNING * INTO c;
        PERFORM audit(p_account, p_node, 'case.deputies', 'client_case', p_case, p_request,
                      p_client, jsonb_build_object('added', to_jsonb(added),
                                                   'removed', to_jsonb(removed)));
    END IF;
    outcome := 'ok';
    body := case_json(c, p_node)::text;
    version := c.version;
END $$;

-- A transition of a referral (0010's referral_transition) that may name, for a transfer, the
-- receiving node's new responsible person: on acceptance (remembered) or on completion. When a
-- transfer completes, the case's responsible person becomes the one named (else the account
-- that completes it), its deputies are dropped, and the timeline says so.
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

CREATE FUNCTION referral_transition_named(p_account uuid, p_node uuid, p_request text,
                                          p_client text, p_id uuid, p_version integer,
                                          p_to text, p_sources text[], p_status_reason text,
                                          p_outcome text, p_appointment timestamptz,
                                          p_expected date, p_note text, p_responsible uuid,
                                          OUT outcome text, OUT current_status text,
                                          OUT current_version integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    r referral;
    c client_case;
    named uuid;
BEGIN
    IF p_responsible IS NOT NULL THEN
        IF p_to NOT IN ('accepted', 'completed') OR NOT EXISTS (
                SELECT 1 FROM referral x WHERE x.id = p_id AND x.kind = 'transfer'
                   AND x.to_node_id = p_node) THEN
            PERFORM problem(422, 'validation',
                            'Only the receiver of a transfer names the responsible person, '
                            'when accepting or completing it.',
                            'responsible_account_id', 'not_allowed');
        END IF;
        IF NOT account_is_caseworker_of(p_responsible, p_node) THEN
            PERFORM problem(422, 'validation', 'Not an active caseworker of your node.',
                            'responsible_account_id', 'not_a_colleague');
        END IF;
    END IF;
    SELECT t.outcome, t.current_status, t.current_version, t.body
      INTO outcome, current_status, current_version, body
      FROM referral_transition(p_account, p_node, p_request, p_client, p_id, p_version, p_to,
                               p_sources, p_status_reason, p_outcome, p_appointment,
                               p_expected, p_note) t;
    IF outcome <> 'ok' THEN
        RETURN;
    END IF;
    SELECT * INTO r FROM referral WHERE id = p_id;
    IF r.kind <> 'transfer' THEN
        RETURN;
    END IF;
    IF p_to = 'accepted' THEN
        INSERT INTO transfer_responsible (referral_id, account_id, named_by)
        VALUES (r.id, coalesce(p_responsible, p_account), p_account)
        ON CONFLICT (referral_id) DO UPDATE
            SET account_id = EXCLUDED.account_id, named_by = EXCLUDED.named_by,
                named_at = now();
    ELSIF p_to = 'completed' THEN
        SELECT t.account_id INTO named FROM transfer_responsible t
         WHERE t.referral_id = r.id AND account_is_caseworker_of(t.account_id, p_node);
        named := coalesce(p_responsible, named, p_account);
        UPDATE client_case SET responsible_account_id = named WHERE id = r.case_id
        RETURNING * INTO c;
        DELETE FROM case_deputy WHERE case_id = r.case_id;
        INSERT INTO case_event (case_id, kind, actor_account, actor_node, account_id)
        VALUES (r.case_id, 'transferred', p_account, p_node, named);
        PERFORM case_responsible_outbox(c, NULL);
        PERFORM audit(p_account, p_node, 'case.responsible', 'client_case', r.case_id,
                      p_request, p_client,
                      jsonb_build_object('to', named, 'transfer_referral_id', r.id));
    END IF;
END $$;
