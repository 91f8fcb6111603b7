-- Who works on a case: the responsible account (Fallverantwortung), its deputies, the case's
-- own timeline, absences with their stand-in (Vertretung), and who hears of a case's events
-- (server/api/case_team.c; docs/data-model.md, "Responsibility, absence and follow-ups").
-- Everything here is the owner node's own business: another node sees none of it.

-- The timeline of a case is append-only; rows leave only with their case.
CREATE FUNCTION case_event_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_event is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER case_event_append_only BEFORE UPDATE ON case_event
    FOR EACH ROW EXECUTE FUNCTION case_event_refuse_update();

-- Whether p_account is an active caseworker of p_node: who may be responsible, deputy or
-- stand-in there.
CREATE FUNCTION account_is_caseworker_of(p_account uuid, p_node uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM account a WHERE a.id = p_account AND a.role = 'caseworker'
                      AND a.node_id = p_node AND NOT a.disabled);
END $$;

-- The opener is responsible for a new case when it is a caseworker of the owner node (every
-- way a case is made, the API and the demo data alike).
CREATE FUNCTION client_case_default_responsible() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.responsible_account_id IS NULL
       AND account_is_caseworker_of(NEW.created_by, NEW.owner_node_id) THEN
        NEW.responsible_account_id := NEW.created_by;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER client_case_default_responsible BEFORE INSERT ON client_case
    FOR EACH ROW EXECUTE FUNCTION client_case_default_responsible();

-- An account's name for the owner's screens.
CREATE FUNCTION account_ref(p_account uuid) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', a.id, 'display_name', a.display_name)
              FROM account a WHERE a.id = p_account);
END $$;

-- Who is to hear of a case, in one place (SSE and webhooks mark these accounts in an event's
-- recipients; an e-mail sender asks the same): the responsible account, the deputies, and
-- for each of them absent today the stand-in, on behalf of the absent one. Only active
-- caseworkers of the owner node. absent: the account is away today, so that what must reach
-- a person (an e-mail) goes to the stand-in meanwhile, not to the absent one.
CREATE FUNCTION case_recipients(p_case uuid)
RETURNS TABLE (account_id uuid, role text, on_behalf_of uuid, absent boolean)
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
    SELECT e.account_id, e.role, e.on_behalf_of,
           EXISTS (SELECT 1 FROM account_absence x WHERE x.account_id = e.account_id
                      AND current_date BETWEEN x.starts_on AND x.ends_on)
      FROM everyone e, c
     WHERE account_is_caseworker_of(e.account_id, c.owner_node_id)
     ORDER BY e.rank, e.account_id;
$$;

-- The recipients of a case's events as the owner node sees them.
CREATE FUNCTION case_recipients_json(p_case uuid) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object(
                'node_id', c.owner_node_id,
                'accounts', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                          'account_id', r.account_id, 'role', r.role,
                                          'on_behalf_of', r.on_behalf_of))
                                      FROM case_recipients(c.id) r), '[]'))
              FROM client_case c WHERE c.id = p_case);
END $$;

-- Every event about a case carries its recipients at the owner node, fixed when it is
-- written (who stood in that day). Streams and webhooks show them to the owner node only
-- (event_json, schema/functions/events.sql).
CREATE FUNCTION outbox_case_recipients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.recipients IS NULL AND NEW.payload ? 'case_id' THEN
        NEW.recipients := case_recipients_json((NEW.payload->>'case_id')::uuid);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_case_recipients BEFORE INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_case_recipients();

-- Whether the owner may read the case's free text (follow-up reasons): like notes, it is
-- hidden once a consent of the case was revoked and no active consent remains.
CREATE FUNCTION case_text_visible(p_case uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN NOT EXISTS (SELECT 1 FROM consent k WHERE k.case_id = p_case
                          AND k.revoked_at IS NOT NULL)
        OR EXISTS (SELECT 1 FROM consent k WHERE k.case_id = p_case AND consent_active(k));
END $$;

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

-- One entry of the case's timeline.
CREATE FUNCTION case_event_json(e case_event) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'case_id', e.case_id, 'at', e.at, 'kind', e.kind,
        'actor', account_ref(e.actor_account), 'account', account_ref(e.account_id),
        'previous_account', account_ref(e.previous_account_id));
$$;

-- The actor's case at version p_expected (NULL: any), locked, or a problem (stale, closed);
-- NULL (not found) when it is not the node's.
CREATE FUNCTION case_for_team_change(p_node uuid, p_case uuid, p_expected integer)
RETURNS client_case LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
BEGIN
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF p_expected IS NOT NULL AND c.version <> p_expected THEN
        PERFORM stale('case', c.version);
    END IF;
    PERFORM case_refuse_closed(c);
    RETURN c;
END $$;

-- Refuse p_account as a member of the team of p_node's case (field p_field) unless it is an
-- active caseworker there.
CREATE FUNCTION case_team_refuse_stranger(p_account uuid, p_node uuid, p_field text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT account_is_caseworker_of(p_account, p_node) THEN
        PERFORM problem(422, 'validation', 'Not an active caseworker of your node.', p_field,
                        'not_a_colleague');
    END IF;
END $$;

-- p_to became responsible for case c (previously p_previous): the timeline entry (kind
-- responsible, or transferred when it arrived by transfer), the event
-- case.responsible_changed for the owner node (its recipients include the new responsible
-- person) and the audit row.
CREATE FUNCTION case_responsible_record(c client_case, p_previous uuid, p_kind text,
                                        p_detail jsonb, p_account uuid, p_node uuid,
                                        p_request text, p_client text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_event (case_id, kind, actor_account, actor_node, account_id,
                            previous_account_id)
    VALUES (c.id, p_kind, p_account, p_node, c.responsible_account_id, p_previous);
    INSERT INTO outbox (type, node_ids, payload)
    VALUES ('case.responsible_changed', ARRAY[c.owner_node_id],
            jsonb_build_object('case_id', c.id, 'responsible_account_id',
                               c.responsible_account_id,
                               'previous_account_id', p_previous, 'version', c.version));
    PERFORM pg_notify('pnet_outbox', '');
    PERFORM audit(p_account, p_node, 'case.responsible', 'client_case', c.id, p_request,
                  p_client, jsonb_build_object('from', p_previous,
                                               'to', c.responsible_account_id) || p_detail);
END $$;

-- Hand the actor's case to p_to, a caseworker of the node (themselves included: taking a
-- case nobody is responsible for).
CREATE FUNCTION case_responsible_set(p_account uuid, p_node uuid, p_request text,
                                     p_client text, p_case uuid, p_expected integer,
                                     p_to uuid,
                                     OUT outcome text, OUT body text, OUT version integer,
                                     OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case := case_for_team_change(p_node, p_case, p_expected);
    previous uuid;
BEGIN
    IF c.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    PERFORM case_team_refuse_stranger(p_to, p_node, 'account_id');
    previous := c.responsible_account_id;
    IF previous IS DISTINCT FROM p_to THEN
        UPDATE client_case SET responsible_account_id = p_to,
                               version = client_case.version + 1, updated_at = now()
         WHERE id = p_case
        RETURNING * INTO c;
        -- The responsible person is not also their own deputy.
        DELETE FROM case_deputy WHERE case_id = p_case AND account_id = p_to;
        PERFORM case_responsible_record(c, previous, 'responsible', '{}', p_account, p_node,
                                        p_request, p_client);
    END IF;
    outcome := 'ok';
    body := case_json(c, p_node)::text;
    version := c.version;
END $$;

-- Make p_accounts the deputies of the actor's case (caseworkers of the node, not the
-- responsible person; the API allows at most 10).
CREATE FUNCTION case_deputies_set(p_account uuid, p_node uuid, p_request text, p_client text,
                                  p_case uuid, p_expected integer, p_accounts uuid[],
                                  OUT outcome text, OUT body text, OUT version integer,
                                  OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case := case_for_team_change(p_node, p_case, p_expected);
    wanted uuid[] := ARRAY(SELECT DISTINCT x FROM unnest(p_accounts) x);
    added uuid[];
    removed uuid[];
BEGIN
    IF c.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    PERFORM case_team_refuse_stranger(x, p_node, 'account_ids') FROM unnest(wanted) x;
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

-- The receiver of a transfer names, on the move p_to it makes (accepting it, or completing
-- it: the statuses that stamp accepted_at or hand the case over, referral_status), who will be
-- responsible for the case once it arrives; referral_move makes it so (case_arrived).
-- Refuses anyone else, another move, and a person who is not a caseworker of the node.
CREATE FUNCTION transfer_responsible_name(r referral, p_to text, p_responsible uuid,
                                          p_account uuid, p_node uuid)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF r.kind <> 'transfer' OR r.to_node_id <> p_node OR NOT EXISTS (
            SELECT 1 FROM referral_status s
             WHERE s.status = p_to AND (s.stamp = 'accepted_at' OR s.hands_over_case)) THEN
        PERFORM problem(422, 'validation',
                        'Only the receiver of a transfer names the responsible person, '
                        'when accepting or completing it.',
                        'responsible_account_id', 'not_allowed');
    END IF;
    PERFORM case_team_refuse_stranger(p_responsible, p_node, 'responsible_account_id');
    INSERT INTO transfer_responsible (referral_id, account_id, named_by)
    VALUES (r.id, p_responsible, p_account)
    ON CONFLICT (referral_id) DO UPDATE
        SET account_id = EXCLUDED.account_id, named_by = EXCLUDED.named_by, named_at = now();
END $$;

-- A transfer r handed its case over to the receiving node (referral_move): the responsible
-- person becomes the one the receiver named (if still a caseworker there), else the account
-- that completed it; the previous node's deputies are dropped; the timeline says so.
CREATE FUNCTION case_arrived(r referral, p_account uuid, p_node uuid, p_request text,
                             p_client text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    named uuid;
BEGIN
    SELECT t.account_id INTO named FROM transfer_responsible t
     WHERE t.referral_id = r.id AND account_is_caseworker_of(t.account_id, r.to_node_id);
    UPDATE client_case SET responsible_account_id = coalesce(named, p_account)
     WHERE id = r.case_id
    RETURNING * INTO c;
    DELETE FROM case_deputy WHERE case_id = r.case_id;
    PERFORM case_responsible_record(c, NULL, 'transferred',
                                    jsonb_build_object('transfer_referral_id', r.id),
                                    p_account, p_node, p_request, p_client);
END $$;

-- An absence of an account as it sees it.
CREATE FUNCTION absence_json(x account_absence) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', x.id, 'account_id', x.account_id, 'starts_on', x.starts_on,
        'ends_on', x.ends_on, 'stand_in', account_ref(x.stand_in_account_id),
        'current', current_date BETWEEN x.starts_on AND x.ends_on,
        'created_at', x.created_at);
$$;

-- Record an absence of the actor with a stand-in of the same node.
CREATE FUNCTION absence_create(p_account uuid, p_node uuid, p_request text, p_client text,
                               p_starts date, p_ends date, p_stand_in uuid,
                               OUT outcome text, OUT body text, OUT version integer,
                               OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    x account_absence;
BEGIN
    IF p_ends < current_date THEN
        PERFORM problem(422, 'validation', 'Must not lie in the past.', 'ends_on', 'past');
    END IF;
    IF p_stand_in = p_account THEN
        PERFORM problem(422, 'validation', 'You cannot stand in for yourself.',
                        'stand_in_account_id', 'self');
    END IF;
    PERFORM case_team_refuse_stranger(p_stand_in, p_node, 'stand_in_account_id');
    -- Serialize the actor's own absence writes, so that two overlapping ones cannot both pass.
    PERFORM 1 FROM account WHERE id = p_account FOR UPDATE;
    IF EXISTS (SELECT 1 FROM account_absence y WHERE y.account_id = p_account
                  AND y.starts_on <= p_ends AND y.ends_on >= p_starts) THEN
        PERFORM problem(409, 'absence-overlap',
                        'You are already marked absent on some of these days.');
    END IF;
    INSERT INTO account_absence (account_id, starts_on, ends_on, stand_in_account_id)
    VALUES (p_account, p_starts, p_ends, p_stand_in)
    RETURNING * INTO x;
    PERFORM audit(p_account, p_node, 'account.absence_create', 'account', p_account,
                  p_request, p_client,
                  jsonb_build_object('absence_id', x.id, 'starts_on', p_starts,
                                     'ends_on', p_ends, 'stand_in_account_id', p_stand_in));
    outcome := 'created';
    body := absence_json(x)::text;
END $$;
