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

-- The timeline is append-only; rows leave only with their case (retention).
CREATE FUNCTION referral_event_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'referral_event is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER referral_event_append_only BEFORE UPDATE ON referral_event
    FOR EACH ROW EXECUTE FUNCTION referral_event_refuse_update();

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

-- Raise an application problem: SQLSTATE PN<status>, the slug in DETAIL, the field in COLUMN.
CREATE FUNCTION problem(p_status integer, p_slug text, p_message text, p_field text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'PN' || p_status::text, MESSAGE = p_message,
        DETAIL = p_slug, COLUMN = coalesce(p_field, '');
END $$;

-- Whether an active consent of the case covers node. PL/pgSQL on purpose: it runs once per
-- row of every referral list (referral_json), and PostgreSQL plans a SQL function that it
-- cannot inline afresh at each call, while PL/pgSQL keeps its plan (3x faster on a busy inbox).
CREATE FUNCTION consent_covers(p_case uuid, p_node uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM consent c JOIN client_case k ON k.id = c.case_id
        WHERE c.case_id = p_case AND c.revoked_at IS NULL
          AND c.given_on <= current_date AND (c.expires_on IS NULL OR c.expires_on >= current_date)
          AND (c.recipient_node_id = p_node
               OR (c.scope = 'network' AND EXISTS (
                   SELECT 1 FROM network_member m
                   WHERE m.network_id = k.network_id AND m.node_id = p_node AND m.active))));
END $$;

-- Not accepted by its due time (or, waitlisted, past the expected date).
CREATE FUNCTION referral_is_overdue(r referral) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (r.status IN ('sent', 'received') AND r.due_at < now())
        OR (r.status = 'waitlisted' AND r.expected_on < current_date);
$$;

-- A referral as node p_node sees it: the receiver sees the case's reference and target group
-- and nothing else of the case, and the note only while a consent covers it.
CREATE FUNCTION referral_json(r referral, p_node uuid) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id, 'case_id', r.case_id, 'network_id', r.network_id,
        'from_node_id', r.from_node_id, 'to_node_id', r.to_node_id, 'kind', r.kind,
        'chain_step_key', r.chain_step_key, 'service_id', r.service_id, 'status', r.status,
        'reason', r.reason,
        'note', CASE WHEN p_node = r.from_node_id OR consent_covers(r.case_id, r.to_node_id)
                     THEN r.note END,
        'priority', r.priority, 'due_at', r.due_at, 'appointment_at', r.appointment_at,
        'expected_on', r.expected_on, 'status_reason', r.status_reason, 'outcome', r.outcome,
        'redirected_from', r.redirected_from, 'version', r.version,
        'overdue', referral_is_overdue(r),
        'case', (SELECT json_build_object('reference', k.reference,
                                          'target_group_id', k.target_group_id)
                 FROM client_case k WHERE k.id = r.case_id),
        'created_at', r.created_at, 'updated_at', r.updated_at);
$$;

-- One timeline entry as node p_node sees it: notes follow the referral's note rule, except
-- that a node always sees what it wrote itself.
CREATE FUNCTION referral_event_json(e referral_event, p_node uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'referral_id', e.referral_id, 'at', e.at, 'kind', e.kind,
        'from_status', e.from_status, 'to_status', e.to_status,
        'actor_account_id', e.actor_account, 'actor_node_id', e.actor_node,
        'status_reason', e.status_reason, 'outcome', e.outcome,
        'note', CASE WHEN p_node = r.from_node_id OR p_node = e.actor_node
                          OR consent_covers(r.case_id, r.to_node_id) THEN e.note END,
        'channel', e.channel, 'warm', e.warm, 'handover_at', e.handover_at)
    FROM referral r WHERE r.id = e.referral_id;
$$;

-- The event for SSE and webhooks: type, the two nodes, and metadata without any text.
CREATE FUNCTION referral_outbox(p_type text, r referral) RETURNS void LANGUAGE sql AS $$
    INSERT INTO outbox (type, node_ids, payload)
    VALUES (p_type, ARRAY[r.from_node_id, r.to_node_id],
            jsonb_build_object('referral_id', r.id, 'case_id', r.case_id, 'status', r.status,
                               'from_node_id', r.from_node_id, 'to_node_id', r.to_node_id,
                               'kind', r.kind, 'version', r.version, 'due_at', r.due_at));
    SELECT pg_notify('pnet_outbox', '');
$$;

-- Idempotency: the stored answer of (account, key), NULL when new; 422 for another body,
-- 409 while the first request with the key is still running.
CREATE FUNCTION idempotency_replay(p_account uuid, p_key text, p_hash text)
RETURNS idempotency_key LANGUAGE plpgsql AS $$
DECLARE
    k idempotency_key;
BEGIN
    IF p_key IS NULL THEN
        RETURN NULL;
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtextextended(p_account::text || '/' || p_key, 0)) THEN
        PERFORM problem(409, 'idempotency-in-progress',
                        'A request with this Idempotency-Key is still running.');
    END IF;
    SELECT * INTO k FROM idempotency_key
     WHERE account_id = p_account AND key = p_key AND created_at > now() - interval '24 hours';
    IF FOUND AND k.request_hash <> p_hash THEN
        PERFORM problem(422, 'idempotency-key-reused',
                        'This Idempotency-Key was used with another request body.');
    END IF;
    RETURN CASE WHEN FOUND THEN k END;
END $$;

CREATE FUNCTION idempotency_store(p_account uuid, p_key text, p_hash text, p_status integer,
                                  p_response text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO idempotency_key (account_id, key, request_hash, status, response)
    SELECT p_account, p_key, p_hash, p_status, p_response WHERE p_key IS NOT NULL
    ON CONFLICT (account_id, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, status = EXCLUDED.status,
            response = EXCLUDED.response, created_at = now();
$$;

-- Create a referral from the actor's node ("(creation) → sent" in docs/architecture.md): the case is open and
-- the sender's, the receiver an active member of the case's network covered by an active
-- consent, no open duplicate. Repeats with the same Idempotency-Key replay the first answer.
CREATE FUNCTION referral_create(p_account uuid, p_node uuid, p_request text, p_client text,
                                p_idem_key text, p_idem_hash text, p_case uuid, p_to uuid,
                                p_kind text, p_step text, p_service uuid, p_reason text,
                                p_note text, p_priority text, p_redirected_from uuid,
                                OUT http_status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    k idempotency_key;
    c client_case;
    r referral;
    step_days integer;
    member_days integer;
    network_days integer;
BEGIN
    k := idempotency_replay(p_account, p_idem_key, p_idem_hash);
    IF k.account_id IS NOT NULL THEN
        http_status := k.status;
        body := k.response;
        RETURN;
    END IF;

    -- FOR SHARE: a concurrent close of the case waits for this referral, and then sees it.
    SELECT * INTO c FROM client_case WHERE id = p_case FOR SHARE;
    IF NOT FOUND OR c.owner_node_id IS DISTINCT FROM p_node THEN
        PERFORM problem(422, 'validation', 'There is no case of yours with this id.', 'case_id');
    END IF;
    IF c.status <> 'open' THEN
        PERFORM problem(422, 'case-closed', 'The case is closed.', 'case_id');
    END IF;
    IF p_to = p_node THEN
        PERFORM problem(422, 'validation', 'A node cannot refer to itself.', 'to_node_id');
    END IF;
    SELECT m.days_to_accept, n.default_days_to_accept INTO member_days, network_days
      FROM network_member m
      JOIN node d ON d.id = m.node_id
      JOIN network n ON n.id = m.network_id
     WHERE m.network_id = c.network_id AND m.node_id = p_to AND m.active AND d.active;
    IF NOT FOUND THEN
        PERFORM problem(422, 'not-a-member',
                        'The receiver is not an active member of the case''s network.',
                        'to_node_id');
    END IF;
    IF NOT consent_covers(p_case, p_to) THEN
        PERFORM problem(422, 'consent-required',
                        'No active consent of the client covers this receiver.', 'to_node_id');
    END IF;
    IF p_step IS NOT NULL THEN
        SELECT s.target_days_to_accept INTO step_days FROM chain_step s
         WHERE s.version_id = c.chain_version_id AND s.key = p_step;
        IF NOT FOUND THEN
            PERFORM problem(422, 'validation',
                            'The case''s chain has no such step (is the case enrolled?).',
                            'chain_step_key');
        END IF;
    END IF;
    IF p_service IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM service s WHERE s.id = p_service AND s.node_id = p_to
               AND s.status = 'active') THEN
        PERFORM problem(422, 'validation', 'The receiver has no active service with this id.',
                        'service_id');
    END IF;
    IF p_redirected_from IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM referral x WHERE x.id = p_redirected_from AND x.case_id = p_case
               AND x.from_node_id = p_node AND x.status = 'declined') THEN
        PERFORM problem(422, 'validation',
                        'Only a declined referral of this case that you sent can be redirected.',
                        'redirected_from');
    END IF;
    IF EXISTS (SELECT 1 FROM referral x
                WHERE x.case_id = p_case AND x.to_node_id = p_to
                  AND coalesce(x.chain_step_key, '') = coalesce(p_step, '')
                  AND x.status IN ('sent', 'received', 'waitlisted', 'accepted', 'in_progress')) THEN
        PERFORM problem(409, 'duplicate',
                        'This case has an open referral to this node for this step already.');
    END IF;

    BEGIN
        INSERT INTO referral (case_id, network_id, from_node_id, to_node_id, kind,
                              chain_step_key, service_id, reason, note, priority, due_at,
                              redirected_from, created_by)
        VALUES (p_case, c.network_id, p_node, p_to, coalesce(p_kind, 'service'), p_step,
                p_service, p_reason, p_note, coalesce(p_priority, 'normal'),
                now() + make_interval(days => coalesce(step_days, member_days, network_days)),
                p_redirected_from, p_account)
        RETURNING * INTO r;
    EXCEPTION WHEN unique_violation THEN
        PERFORM problem(409, 'duplicate',
                        'This case has an open referral to this node for this step already.');
    END;
    INSERT INTO referral_event (referral_id, kind, to_status, actor_account, actor_node, note)
    VALUES (r.id, 'created', 'sent', p_account, p_node, NULL);
    PERFORM referral_outbox('referral.created', r);
    PERFORM audit(p_account, p_node, 'referral.create', 'referral', r.id, p_request, p_client,
                  jsonb_build_object('case_id', r.case_id, 'to_node_id', r.to_node_id,
                                     'kind', r.kind));
    http_status := 201;
    body := referral_json(r, p_node)::text;
    PERFORM idempotency_store(p_account, p_idem_key, p_idem_hash, http_status, body);
END $$;

-- Move a referral: one UPDATE that names the source statuses the server allows for the
-- actor's side and the version the client read. Answers 'ok', or why not: 'not_found' (not
-- the actor's), 'stale' (another version), 'conflict' (another status), with the current state.
CREATE FUNCTION referral_transition(p_account uuid, p_node uuid, p_request text, p_client text,
                                    p_id uuid, p_version integer, p_to text, p_sources text[],
                                    p_status_reason text, p_outcome text,
                                    p_appointment timestamptz, p_expected date, p_note text,
                                    OUT outcome text, OUT current_status text,
                                    OUT current_version integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    r referral;
    old_status text;
BEGIN
    -- lib has no clock: a waitlisted referral's expected date lies ahead (or is today).
    IF p_to = 'waitlisted' AND p_expected < current_date THEN
        PERFORM problem(422, 'validation', 'Must not lie in the past.', 'expected_on');
    END IF;
    UPDATE referral x SET
        status = p_to,
        version = x.version + 1,
        updated_at = now(),
        status_reason = CASE WHEN p_to IN ('declined', 'dropped_out', 'withdrawn')
                             THEN p_status_reason ELSE x.status_reason END,
        outcome = CASE WHEN p_to = 'completed' THEN p_outcome ELSE x.outcome END,
        appointment_at = CASE WHEN p_to = 'accepted' THEN p_appointment ELSE x.appointment_at END,
        expected_on = CASE WHEN p_to = 'waitlisted' THEN p_expected ELSE x.expected_on END,
        received_at = CASE WHEN p_to = 'received' THEN now() ELSE x.received_at END,
        accepted_at = CASE WHEN p_to = 'accepted' THEN now() ELSE x.accepted_at END,
        started_at = CASE WHEN p_to = 'in_progress' THEN now() ELSE x.started_at END,
        closed_at = CASE WHEN p_to IN ('declined', 'completed', 'dropped_out', 'withdrawn')
                         THEN now() ELSE x.closed_at END
      FROM (SELECT id, status FROM referral WHERE id = p_id FOR UPDATE) o
     WHERE x.id = o.id AND x.version = p_version AND x.status = ANY (p_sources)
       AND p_node IN (x.from_node_id, x.to_node_id)
    RETURNING o.status INTO old_status;
    IF NOT FOUND THEN
        SELECT * INTO r FROM referral WHERE id = p_id AND p_node IN (from_node_id, to_node_id);
        IF NOT FOUND THEN
            outcome := 'not_found';
            RETURN;
        END IF;
        outcome := CASE WHEN r.version <> p_version THEN 'stale' ELSE 'conflict' END;
        current_status := r.status;
        current_version := r.version;
        RETURN;
    END IF;
    SELECT * INTO r FROM referral WHERE id = p_id;

    -- A completed transfer hands the whole case over (Fallübergabe).
    IF r.kind = 'transfer' AND p_to = 'completed' THEN
        UPDATE client_case SET owner_node_id = r.to_node_id, version = version + 1,
                               updated_at = now()
         WHERE id = r.case_id;
    END IF;
    INSERT INTO referral_event (referral_id, kind, from_status, to_status, actor_account,
                                actor_node, status_reason, outcome, note)
    VALUES (r.id, 'transition', old_status, p_to, p_account, p_node, p_status_reason,
            p_outcome, p_note);
    PERFORM referral_outbox('referral.updated', r);
    PERFORM audit(p_account, p_node, 'referral.transition', 'referral', r.id, p_request,
                  p_client, jsonb_build_object('from', old_status, 'to', p_to));
    outcome := 'ok';
    current_status := r.status;
    current_version := r.version;
    body := referral_json(r, p_node)::text;
END $$;

-- The sender logs the handover itself (warm: a joint meeting or a personal introduction).
CREATE FUNCTION referral_handover(p_account uuid, p_node uuid, p_request text, p_client text,
                                  p_id uuid, p_channel text, p_warm boolean, p_at timestamptz,
                                  p_note text, OUT outcome text, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    r referral;
    e referral_event;
BEGIN
    SELECT * INTO r FROM referral WHERE id = p_id AND p_node IN (from_node_id, to_node_id);
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF r.from_node_id <> p_node THEN
        outcome := 'not_sender';
        RETURN;
    END IF;
    IF r.status IN ('declined', 'withdrawn') THEN
        outcome := 'closed';
        body := r.status;
        RETURN;
    END IF;
    INSERT INTO referral_event (referral_id, kind, actor_account, actor_node, note, channel,
                                warm, handover_at)
    VALUES (r.id, 'handover', p_account, p_node, p_note, p_channel, p_warm,
            coalesce(p_at, now()))
    RETURNING * INTO e;
    INSERT INTO outbox (type, node_ids, payload)
    VALUES ('referral.handover', ARRAY[r.from_node_id, r.to_node_id],
            jsonb_build_object('referral_id', r.id, 'event_id', e.id, 'channel', p_channel,
                               'warm', p_warm, 'at', e.handover_at));
    PERFORM pg_notify('pnet_outbox', '');
    PERFORM audit(p_account, p_node, 'referral.handover', 'referral', r.id, p_request,
                  p_client, jsonb_build_object('channel', p_channel, 'warm', p_warm));
    outcome := 'ok';
    body := referral_event_json(e, p_node)::text;
END $$;
