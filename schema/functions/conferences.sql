-- Case conferences (Fallkonferenzen): planned by the case's owner with other members of the
-- case's network, with agenda, decisions and the referrals made from decisions
-- (server/api/conferences.c; docs/architecture.md, "Case conferences").
--
-- Who sees what: the case's owner everything; a participating node the conference, and its
-- agenda, the case's reference and the decisions' text only while a consent of the client
-- covers it (consent_covers, the rule of a referral's note); it sees that a decision exists
-- either way. Any other node nothing (404).

-- Whether p_node may see conference f: it owns the case or is invited.
CREATE FUNCTION conference_visible(f conference, p_node uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM client_case c WHERE c.id = f.case_id
                      AND c.owner_node_id = p_node)
        OR EXISTS (SELECT 1 FROM conference_participant p
                    WHERE p.conference_id = f.id AND p.node_id = p_node);
END $$;

-- A decision as p_node sees it: p_covered says whether its text may be shown. The referrals
-- made from it: all for the case's owner, a participant's own (it receives them) otherwise.
CREATE FUNCTION conference_decision_json(d conference_decision, p_node uuid, p_owner boolean,
                                         p_covered boolean)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'conference_id', d.conference_id,
        'text', CASE WHEN p_covered THEN d.text END,
        'text_withheld', NOT p_covered,
        'recorded_by', CASE WHEN p_owner THEN d.recorded_by END,
        'created_at', d.created_at,
        'referrals', coalesce((
            SELECT json_agg(json_build_object('id', r.id, 'to_node_id', r.to_node_id,
                                              'status', r.status)
                            ORDER BY r.created_at, r.id)
              FROM conference_decision_referral l JOIN referral r ON r.id = l.referral_id
             WHERE l.decision_id = d.id AND (p_owner OR r.to_node_id = p_node)), '[]'));
$$;

-- A conference as p_node sees it (the caller checked conference_visible).
CREATE FUNCTION conference_json(f conference, p_node uuid) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c client_case;
    owner boolean;
    covered boolean;
BEGIN
    SELECT * INTO c FROM client_case WHERE id = f.case_id;
    owner := c.owner_node_id = p_node;
    covered := owner OR consent_covers(f.case_id, p_node);
    RETURN json_build_object(
        'id', f.id, 'case_id', f.case_id, 'network_id', f.network_id,
        'owner_node_id', c.owner_node_id, 'access', CASE WHEN owner THEN 'owner'
                                                         ELSE 'participant' END,
        'case', json_build_object('reference', CASE WHEN covered THEN c.reference END,
                                  'target_group_id', c.target_group_id),
        'chain_step_key', f.chain_step_key,
        'chain_step_name', (SELECT s.name FROM chain_step s
                             WHERE s.version_id = c.chain_version_id AND s.key = f.chain_step_key),
        'starts_at', f.starts_at, 'ends_at', f.ends_at, 'place', f.place,
        'video_url', f.video_url,
        'agenda', CASE WHEN covered THEN f.agenda END,
        'agenda_withheld', NOT covered AND f.agenda IS NOT NULL,
        'status', f.status, 'held_at', f.held_at, 'cancelled_at', f.cancelled_at,
        'participants', coalesce((
            SELECT json_agg(json_build_object('node_id', p.node_id, 'invited_at', p.invited_at)
                            ORDER BY p.invited_at, p.node_id)
              FROM conference_participant p WHERE p.conference_id = f.id), '[]'),
        'decisions', coalesce((
            SELECT json_agg(conference_decision_json(d, p_node, owner, covered)
                            ORDER BY d.created_at, d.id)
              FROM conference_decision d WHERE d.conference_id = f.id), '[]'),
        'version', f.version, 'created_at', f.created_at, 'updated_at', f.updated_at);
END $$;

-- The event for SSE and webhooks (docs/events.md): metadata only, never agenda or decisions.
CREATE FUNCTION conference_outbox(p_type text, f conference, p_nodes uuid[], p_change text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_nodes) > 0 THEN
        INSERT INTO outbox (type, node_ids, payload)
        VALUES (p_type, p_nodes,
                jsonb_build_object('conference_id', f.id, 'case_id', f.case_id,
                                   'owner_node_id', f.owner_node_id, 'status', f.status,
                                   'starts_at', f.starts_at, 'chain_step_key', f.chain_step_key,
                                   'version', f.version, 'change', p_change));
    END IF;
    PERFORM pg_notify('pnet_outbox', '');
END $$;

-- The latest entry of conference p_id's timeline: what its newest event is about and who
-- made it (the e-mail notices of schema/functions/email.sql ask).
CREATE FUNCTION conference_last_event(p_id uuid) RETURNS conference_event
LANGUAGE sql STABLE AS $$
    SELECT * FROM conference_event WHERE conference_id = p_id ORDER BY id DESC LIMIT 1;
$$;

-- Everyone a conference's events go to: the case's owner and the participants.
CREATE FUNCTION conference_nodes(f conference) RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT c.owner_node_id FROM client_case c WHERE c.id = f.case_id
                 UNION SELECT p.node_id FROM conference_participant p
                        WHERE p.conference_id = f.id);
$$;

-- Check the participants of a conference on case c: other nodes than the owner, each an
-- active member of the case's network (422 naming participant_node_ids[i]).
CREATE FUNCTION conference_check_participants(c client_case, p_nodes uuid[])
RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
    i integer;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(p_nodes), 0) LOOP
        IF p_nodes[i] = c.owner_node_id THEN
            PERFORM problem(422, 'validation',
                            'The case''s own node takes part anyway; invite the others.',
                            format('participant_node_ids[%s]', i - 1), 'self');
        END IF;
        IF NOT EXISTS (SELECT 1 FROM network_member m JOIN node n ON n.id = m.node_id
                        WHERE m.network_id = c.network_id AND m.node_id = p_nodes[i]
                          AND m.active AND n.active) THEN
            PERFORM problem(422, 'not-a-member',
                            'A participant is not an active member of the case''s network.',
                            format('participant_node_ids[%s]', i - 1));
        END IF;
    END LOOP;
END $$;

-- Check a chain step key for a conference on case c (NULL: none).
CREATE FUNCTION conference_check_step(c client_case, p_step text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_step IS NULL THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM chain_step s WHERE s.version_id = c.chain_version_id
                                                AND s.key = p_step) THEN
        PERFORM problem(422, 'validation',
                        'The case''s chain has no such step (is the case enrolled?).',
                        'chain_step_key', 'not_found');
    END IF;
END $$;

-- The conference p_id for a write by the actor's node: locked with its case (the case first,
-- as every write on a case locks it), refused when the node only takes part (403) or the case
-- is closed (409). NULL when p_node cannot see it (the caller answers 404).
CREATE FUNCTION conference_for_owner(p_id uuid, p_node uuid, OUT f conference,
                                     OUT c client_case)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT k.* INTO c FROM client_case k
     WHERE k.id = (SELECT x.case_id FROM conference x WHERE x.id = p_id)
       FOR NO KEY UPDATE;
    SELECT x.* INTO f FROM conference x WHERE x.id = p_id FOR UPDATE;
    IF f.id IS NULL OR NOT conference_visible(f, p_node) THEN
        f := NULL;
        RETURN;
    END IF;
    IF c.owner_node_id <> p_node THEN
        PERFORM problem(403, 'forbidden',
                        'Only the case''s own node plans, changes and records a conference.');
    END IF;
    PERFORM case_refuse_closed(c);
END $$;

-- A conference that took place or was called off does not change (409).
CREATE FUNCTION conference_refuse_finished(f conference) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF f.status <> 'planned' THEN
        PERFORM problem(409, 'conference-' || f.status,
                        format('The conference is %s; it does not change any more.', f.status));
    END IF;
END $$;

-- Plan a conference on the actor's open case. Answers it as the owner sees it; each invited
-- node gets a conference.invited event.
CREATE FUNCTION conference_create(p_account uuid, p_node uuid, p_request text, p_client text,
                                  p_case uuid, p_step text, p_starts timestamptz,
                                  p_ends timestamptz, p_place text, p_video text,
                                  p_agenda text, p_participants uuid[],
                                  OUT outcome text, OUT body text, OUT version integer,
                                  OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    f conference;
BEGIN
    -- FOR SHARE: a close or transfer of the case waits for the conference, and then sees it.
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    PERFORM case_refuse_closed(c);
    PERFORM conference_check_step(c, p_step);
    PERFORM conference_check_participants(c, p_participants);
    INSERT INTO conference (case_id, network_id, owner_node_id, chain_step_key, starts_at,
                            ends_at, place, video_url, agenda, created_by)
    VALUES (p_case, c.network_id, p_node, p_step, p_starts, p_ends, p_place, p_video, p_agenda,
            p_account)
    RETURNING * INTO f;
    INSERT INTO conference_participant (conference_id, node_id)
    SELECT f.id, n FROM unnest(p_participants) n;
    INSERT INTO conference_event (conference_id, case_id, kind, actor_account, actor_node)
    VALUES (f.id, f.case_id, 'planned', p_account, p_node);
    PERFORM conference_outbox('conference.invited', f, p_participants, 'planned');
    PERFORM audit(p_account, p_node, 'conference.create', 'conference', f.id, p_request,
                  p_client, jsonb_build_object('case_id', f.case_id,
                                               'participant_node_ids', to_jsonb(p_participants)));
    outcome := 'created';
    body := conference_json(f, p_node)::text;
    version := f.version;
    location := '/v1/conferences/' || f.id;
END $$;

-- Change, hold or cancel conference p_id at row version p_expected (NULL: any) with the
-- fields p_patch names (status: held or cancelled). New participants are invited
-- (conference.invited); everyone, those left out too, hears of the change
-- (conference.updated).
CREATE FUNCTION conference_update(p_account uuid, p_node uuid, p_request text, p_client text,
                                  p_id uuid, p_expected integer, p_patch jsonb,
                                  OUT outcome text, OUT body text, OUT version integer,
                                  OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    o record;
    f conference;
    c client_case;
    before_nodes uuid[];
    added uuid[] := '{}';
    wanted uuid[];
    change text;
    fields jsonb := (SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys(p_patch) k);
BEGIN
    SELECT * INTO o FROM conference_for_owner(p_id, p_node);
    f := o.f;
    c := o.c;
    IF f.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF p_expected IS NOT NULL AND f.version <> p_expected THEN
        PERFORM stale('conference', f.version);
    END IF;
    PERFORM conference_refuse_finished(f);
    change := coalesce(p_patch->>'status', 'changed');
    IF change = 'held' AND coalesce((p_patch->>'starts_at')::timestamptz, f.starts_at)
                           > now() + interval '1 minute' THEN
        PERFORM problem(422, 'validation', 'A conference is held once it has begun.', 'status',
                        'not_begun');
    END IF;
    IF p_patch ? 'chain_step_key' THEN
        PERFORM conference_check_step(c, p_patch->>'chain_step_key');
    END IF;
    before_nodes := conference_nodes(f);
    IF p_patch ? 'participant_node_ids' THEN
        wanted := ARRAY(SELECT jsonb_array_elements_text(p_patch->'participant_node_ids'))::uuid[];
        PERFORM conference_check_participants(c, wanted);
        added := ARRAY(SELECT unnest(wanted) EXCEPT
                       SELECT node_id FROM conference_participant WHERE conference_id = f.id);
        DELETE FROM conference_participant
         WHERE conference_id = f.id AND node_id <> ALL (wanted);
        INSERT INTO conference_participant (conference_id, node_id)
        SELECT f.id, n FROM unnest(added) n;
    END IF;
    UPDATE conference x SET
        starts_at = CASE WHEN p_patch ? 'starts_at' THEN (p_patch->>'starts_at')::timestamptz
                         ELSE x.starts_at END,
        ends_at = CASE WHEN p_patch ? 'ends_at' THEN (p_patch->>'ends_at')::timestamptz
                       ELSE x.ends_at END,
        place = CASE WHEN p_patch ? 'place' THEN p_patch->>'place' ELSE x.place END,
        video_url = CASE WHEN p_patch ? 'video_url' THEN p_patch->>'video_url'
                         ELSE x.video_url END,
        agenda = CASE WHEN p_patch ? 'agenda' THEN p_patch->>'agenda' ELSE x.agenda END,
        chain_step_key = CASE WHEN p_patch ? 'chain_step_key' THEN p_patch->>'chain_step_key'
                              ELSE x.chain_step_key END,
        status = CASE WHEN change = 'changed' THEN x.status ELSE change END,
        held_at = CASE WHEN change = 'held' THEN now() ELSE x.held_at END,
        cancelled_at = CASE WHEN change = 'cancelled' THEN now() ELSE x.cancelled_at END,
        version = x.version + 1, updated_at = now()
     WHERE x.id = f.id
    RETURNING x.* INTO f;
    INSERT INTO conference_event (conference_id, case_id, kind, actor_account, actor_node,
                                  detail)
    VALUES (f.id, f.case_id, change, p_account, p_node,
            jsonb_build_object('fields', fields));
    PERFORM conference_outbox('conference.invited', f, added, 'planned');
    PERFORM conference_outbox('conference.updated', f,
                              ARRAY(SELECT unnest(before_nodes || conference_nodes(f))
                                    EXCEPT SELECT unnest(added)), change);
    PERFORM audit(p_account, p_node, CASE change WHEN 'changed' THEN 'conference.update'
                                                 WHEN 'held' THEN 'conference.hold'
                                                 ELSE 'conference.cancel' END,
                  'conference', f.id, p_request, p_client,
                  jsonb_build_object('case_id', f.case_id, 'fields', fields,
                                     'invited_node_ids', to_jsonb(added)));
    outcome := 'ok';
    body := conference_json(f, p_node)::text;
    version := f.version;
END $$;

-- Record a decision of conference p_id (planned or held; not a cancelled one).
CREATE FUNCTION conference_decide(p_account uuid, p_node uuid, p_request text, p_client text,
                                  p_id uuid, p_text text, OUT outcome text, OUT body text,
                                  OUT version integer, OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    o record;
    f conference;
    c client_case;
    d conference_decision;
BEGIN
    SELECT * INTO o FROM conference_for_owner(p_id, p_node);
    f := o.f;
    c := o.c;
    IF f.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF f.status = 'cancelled' THEN
        PERFORM problem(409, 'conference-cancelled',
                        'The conference was cancelled; it has no decisions.');
    END IF;
    INSERT INTO conference_decision (conference_id, text, recorded_by)
    VALUES (f.id, p_text, p_account)
    RETURNING * INTO d;
    UPDATE conference x SET version = x.version + 1, updated_at = now()
     WHERE x.id = f.id RETURNING x.* INTO f;
    INSERT INTO conference_event (conference_id, case_id, kind, actor_account, actor_node,
                                  decision_id)
    VALUES (f.id, f.case_id, 'decision', p_account, p_node, d.id);
    PERFORM conference_outbox('conference.updated', f, conference_nodes(f), 'decision');
    PERFORM audit(p_account, p_node, 'conference.decision', 'conference', f.id, p_request,
                  p_client, jsonb_build_object('case_id', f.case_id, 'decision_id', d.id));
    outcome := 'created';
    body := conference_decision_json(d, p_node, true, true)::text;
    version := f.version;
END $$;

-- A referral made from decision p_decision of conference p_id ("Vermittlung aus Beschluss"):
-- created by referral_create, so that every rule of a referral holds (the case open and the
-- sender's, the receiver a covered active member, no open duplicate), and linked to the
-- decision. p_step_given: whether the request named chain_step_key (else the conference's).
-- A receiver without accounts gets a link, as with every referral (p_link_*, p_url: see
-- referral_create).
CREATE FUNCTION conference_decision_refer(p_account uuid, p_node uuid, p_request text,
                                          p_client text, p_id uuid, p_decision uuid,
                                          p_idem_key text, p_idem_hash text, p_to uuid,
                                          p_step_given boolean, p_step text, p_service uuid,
                                          p_reason text, p_note text, p_priority text,
                                          p_link_hash text DEFAULT NULL,
                                          p_link_token text DEFAULT NULL,
                                          p_link_days integer DEFAULT NULL,
                                          p_url text DEFAULT NULL,
                                          OUT outcome text, OUT body text, OUT version integer,
                                          OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    o record;
    f conference;
    c client_case;
    k idempotency_key;
    made record;
    made_id uuid;
BEGIN
    SELECT * INTO o FROM conference_for_owner(p_id, p_node);
    f := o.f;
    c := o.c;
    IF f.id IS NULL OR NOT EXISTS (SELECT 1 FROM conference_decision d
                                    WHERE d.id = p_decision AND d.conference_id = f.id) THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    -- A resend with the Idempotency-Key of a referral made (p_idem_hash covers the decision
    -- and the body) answers that referral again, whatever became of the conference since;
    -- referral_create stores the first answer under the key.
    k := idempotency_replay(p_account, p_idem_key, p_idem_hash);
    IF k.account_id IS NOT NULL THEN
        outcome := 'created';
        body := k.response;
        version := (k.response::json->>'version')::integer;
        location := '/v1/referrals/' || (k.response::json->>'id');
        RETURN;
    END IF;
    IF f.status = 'cancelled' THEN
        PERFORM problem(409, 'conference-cancelled',
                        'The conference was cancelled; it has no decisions.');
    END IF;
    SELECT * INTO made FROM referral_create(
        p_account, p_node, p_request, p_client, p_idem_key, p_idem_hash, f.case_id, p_to,
        'service', CASE WHEN p_step_given THEN p_step ELSE f.chain_step_key END, p_service,
        p_reason, p_note, p_priority, NULL,
        -- The basis: a covering consent (schema/functions/legal_basis.sql); the funding
        -- source: the service's; no double funding confirmed.
        NULL, NULL, NULL, p_link_hash, p_link_token, p_link_days, p_url);
    made_id := (made.body::json->>'id')::uuid;
    INSERT INTO conference_decision_referral (decision_id, referral_id)
    VALUES (p_decision, made_id);
    INSERT INTO conference_event (conference_id, case_id, kind, actor_account, actor_node,
                                  decision_id, detail)
    VALUES (f.id, f.case_id, 'referral', p_account, p_node, p_decision,
            jsonb_build_object('referral_id', made_id));
    PERFORM audit(p_account, p_node, 'conference.decision_referral', 'conference', f.id,
                  p_request, p_client,
                  jsonb_build_object('case_id', f.case_id, 'decision_id', p_decision,
                                     'referral_id', made_id));
    outcome := made.outcome;
    body := made.body;
    version := made.version;
    location := made.location;
END $$;

-- Closing case c (case_update, schema/functions/cases.sql) cancels its planned conferences
-- that are yet to come, each as a cancellation by the closer would: the event
-- conference.updated (change cancelled) to the owner and the participants, and so their
-- notifications and e-mails; a timeline entry; an audit row (case_closed in the detail). A
-- planned one that has begun stops the close (409 conference-begun, one error naming each):
-- only the case manager knows whether it took place, and a conference that did must not
-- become a cancelled one.
CREATE FUNCTION conference_cancel_for_close(c client_case, p_account uuid, p_node uuid,
                                            p_request text, p_client text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    f conference;
    begun jsonb;
BEGIN
    SELECT jsonb_agg(jsonb_build_object(
               'field', 'conference_id', 'code', 'begun',
               'message', 'has begun and is not recorded as held or cancelled',
               'conference_id', x.id, 'starts_at', x.starts_at) ORDER BY x.starts_at, x.id)
      INTO begun
      FROM conference x
     WHERE x.case_id = c.id AND x.status = 'planned' AND x.starts_at <= now();
    IF begun IS NOT NULL THEN
        PERFORM problem_fields(409, 'conference-begun',
                               'A conference of the case has begun and is not recorded as held '
                               'or cancelled: record which it was before closing the case.',
                               begun);
    END IF;
    FOR f IN SELECT * FROM conference x WHERE x.case_id = c.id AND x.status = 'planned'
              ORDER BY x.starts_at, x.id FOR UPDATE LOOP
        UPDATE conference x SET status = 'cancelled', cancelled_at = now(),
                                version = x.version + 1, updated_at = now()
         WHERE x.id = f.id
        RETURNING x.* INTO f;
        INSERT INTO conference_event (conference_id, case_id, kind, actor_account, actor_node,
                                      detail)
        VALUES (f.id, f.case_id, 'cancelled', p_account, p_node,
                jsonb_build_object('fields', jsonb_build_array('status'), 'case_closed', true));
        PERFORM conference_outbox('conference.updated', f, conference_nodes(f), 'cancelled');
        PERFORM audit(p_account, p_node, 'conference.cancel', 'conference', f.id, p_request,
                      p_client, jsonb_build_object('case_id', f.case_id, 'case_closed', true));
    END LOOP;
END $$;

-- The case's one timeline as p_node sees it, oldest first (GET /v1/cases/{id}/timeline,
-- server/api/case_team.c): for the owner its team's entries (case_event_json: responsible
-- person, deputies, arrival by transfer), its referrals' events (without notes: those are the
-- referral's own page) and its conferences' events; for a node invited to a conference of
-- the case the events of the conferences it takes part in, nothing else. NULL when p_node
-- sees nothing of the case. Entries of one moment keep the order of cause and effect: a
-- referral's move, then what the case's team made of it (a transfer's arrival), then the
-- conference entry that named the referral.
CREATE FUNCTION case_timeline(p_case uuid, p_node uuid) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (WITH c AS (SELECT * FROM client_case WHERE id = p_case),
        seen AS (
            SELECT f.id FROM conference f, c
             WHERE f.case_id = c.id
               AND (c.owner_node_id = p_node
                    OR EXISTS (SELECT 1 FROM conference_participant p
                                WHERE p.conference_id = f.id AND p.node_id = p_node))),
        items AS (
            SELECT e.at, 0 AS source, e.id, json_build_object(
                       'at', e.at, 'kind', 'referral.' || e.kind, 'referral_id', e.referral_id,
                       'to_node_id', r.to_node_id, 'from_status', e.from_status,
                       'to_status', e.to_status, 'actor_node_id', e.actor_node) AS j
              FROM referral_event e JOIN referral r ON r.id = e.referral_id, c
             WHERE r.case_id = c.id AND c.owner_node_id = p_node
            UNION ALL
            SELECT e.at, 1, e.id, case_event_json(e)
              FROM case_event e, c
             WHERE e.case_id = c.id AND c.owner_node_id = p_node
            UNION ALL
            SELECT e.at, 2, e.id, json_build_object(
                       'at', e.at, 'kind', 'conference.' || e.kind,
                       'conference_id', e.conference_id,
                       'decision_id', e.decision_id,
                       'referral_id', e.detail->>'referral_id',
                       'fields', e.detail->'fields',
                       'starts_at', f.starts_at,
                       'actor_node_id', e.actor_node)
              FROM conference_event e JOIN conference f ON f.id = e.conference_id
             WHERE e.conference_id IN (SELECT id FROM seen))
        SELECT CASE WHEN (SELECT owner_node_id FROM c) = p_node OR EXISTS (SELECT 1 FROM seen)
                    THEN coalesce((SELECT json_agg(j ORDER BY at, source, id) FROM items),
                                  '[]') END);
END $$;

-- Conferences for statistics, live and archived: network, chain, step, status, times.
CREATE VIEW conference_fact AS
SELECT f.id, f.network_id, v.chain_id, f.chain_step_key, f.status, f.starts_at, f.created_at
  FROM conference f
  JOIN client_case c ON c.id = f.case_id
  LEFT JOIN chain_version v ON v.id = c.chain_version_id
UNION ALL
SELECT a.id, a.network_id, a.chain_id, a.chain_step_key, a.status, a.starts_at, a.created_at
  FROM conference_archive a;
