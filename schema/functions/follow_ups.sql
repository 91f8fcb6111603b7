-- Follow-up dates (Wiedervorlage) on a node's cases (server/api/follow_ups.c) and the event
-- case.follow_up_due their timer writes (server/follow_up_timer.c; docs/events.md). A reason
-- is hidden under the consent rule of notes (case_text_visible, schema/functions/
-- case_team.sql).

-- A follow-up as its owner sees it.
CREATE FUNCTION follow_up_json(f case_follow_up) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object(
            'id', f.id, 'case_id', f.case_id, 'case_reference', c.reference,
            'due_on', f.due_on,
            'reason', CASE WHEN case_text_visible(f.case_id) THEN f.reason END,
            'reason_hidden', NOT case_text_visible(f.case_id),
            'state', CASE WHEN f.done_at IS NULL THEN 'open' ELSE 'done' END,
            'due', CASE WHEN f.done_at IS NOT NULL THEN NULL
                        WHEN f.due_on < current_date THEN 'overdue'
                        WHEN f.due_on = current_date THEN 'today' ELSE 'later' END,
            'responsible', account_ref(c.responsible_account_id),
            'created_by', account_ref(f.created_by), 'created_at', f.created_at,
            'done_by', account_ref(f.done_by), 'done_at', f.done_at, 'version', f.version)
          FROM client_case c WHERE c.id = f.case_id);
END $$;

-- A follow-up date lies ahead (or is today), and within five years.
CREATE FUNCTION follow_up_refuse_date(p_due date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_due < current_date THEN
        PERFORM problem(422, 'validation', 'Must not lie in the past.', 'due_on', 'past');
    END IF;
    IF p_due > current_date + interval '5 years' THEN
        PERFORM problem(422, 'validation', 'Must lie within five years.', 'due_on', 'too_far');
    END IF;
END $$;

-- Set a follow-up date on the actor's open case.
CREATE FUNCTION follow_up_create(p_account uuid, p_node uuid, p_request text, p_client text,
                                 p_case uuid, p_due date, p_reason text,
                                 OUT outcome text, OUT body text, OUT version integer,
                                 OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    f case_follow_up;
BEGIN
    -- FOR SHARE: a close or transfer of the case waits, and then sees the follow-up.
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    PERFORM case_refuse_closed(c);
    PERFORM follow_up_refuse_date(p_due);
    INSERT INTO case_follow_up (case_id, node_id, due_on, reason, created_by)
    VALUES (p_case, p_node, p_due, p_reason, p_account)
    RETURNING * INTO f;
    PERFORM audit(p_account, p_node, 'case.follow_up_create', 'client_case', p_case,
                  p_request, p_client,
                  jsonb_build_object('follow_up_id', f.id, 'due_on', p_due));
    outcome := 'created';
    body := follow_up_json(f)::text;
    version := f.version;
END $$;

-- The actor's node's open follow-up p_id at version p_expected (NULL: any), locked; NULL
-- (not found) when it is not the node's, a problem when it is done or stale.
CREATE FUNCTION follow_up_for_change(p_node uuid, p_id uuid, p_expected integer)
RETURNS case_follow_up LANGUAGE plpgsql AS $$
DECLARE
    f case_follow_up;
BEGIN
    SELECT f2.* INTO f FROM case_follow_up f2 JOIN client_case c ON c.id = f2.case_id
     WHERE f2.id = p_id AND f2.node_id = p_node AND c.owner_node_id = p_node
       FOR UPDATE OF f2;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF p_expected IS NOT NULL AND f.version <> p_expected THEN
        PERFORM stale('follow-up', f.version);
    END IF;
    IF f.done_at IS NOT NULL THEN
        PERFORM problem(409, 'follow-up-done', 'This follow-up is done already.');
    END IF;
    RETURN f;
END $$;

-- Move an open follow-up of the actor's node to another day. Its event case.follow_up_due
-- is written again on the new day (also when it had been written for the old one).
CREATE FUNCTION follow_up_move(p_account uuid, p_node uuid, p_request text, p_client text,
                               p_id uuid, p_expected integer, p_due date,
                               OUT outcome text, OUT body text, OUT version integer,
                               OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    f case_follow_up := follow_up_for_change(p_node, p_id, p_expected);
    previous date := f.due_on;
BEGIN
    IF f.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    PERFORM follow_up_refuse_date(p_due);
    IF p_due <> previous THEN
        UPDATE case_follow_up SET due_on = p_due, due_event_at = NULL,
                                  version = case_follow_up.version + 1
         WHERE id = p_id
        RETURNING * INTO f;
        PERFORM audit(p_account, p_node, 'case.follow_up_move', 'client_case', f.case_id,
                      p_request, p_client,
                      jsonb_build_object('follow_up_id', f.id, 'from', previous,
                                         'to', p_due));
    END IF;
    outcome := 'ok';
    body := follow_up_json(f)::text;
    version := f.version;
END $$;

-- Mark a follow-up of the actor's node done, or (p_delete) take it back.
CREATE FUNCTION follow_up_close(p_account uuid, p_node uuid, p_request text, p_client text,
                                p_id uuid, p_delete boolean,
                                OUT outcome text, OUT body text, OUT version integer,
                                OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    f case_follow_up := follow_up_for_change(p_node, p_id, NULL);
BEGIN
    IF f.id IS NULL THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF p_delete THEN
        DELETE FROM case_follow_up WHERE id = p_id;
    ELSE
        UPDATE case_follow_up SET done_at = now(), done_by = p_account,
                                  version = case_follow_up.version + 1
         WHERE id = p_id
        RETURNING * INTO f;
        body := follow_up_json(f)::text;
        version := f.version;
    END IF;
    PERFORM audit(p_account, p_node,
                  CASE WHEN p_delete THEN 'case.follow_up_delete' ELSE 'case.follow_up_done' END,
                  'client_case', f.case_id, p_request, p_client,
                  jsonb_build_object('follow_up_id', f.id));
    outcome := 'ok';
END $$;

-- The timer's work (server/follow_up_timer.c): write case.follow_up_due for every open
-- follow-up of an open case that is due today (or was due while no pnetd ran) and has had no
-- event yet. Each row is claimed by the UPDATE that marks it, with SKIP LOCKED: several pnetd
-- running this at once write each event once. Answers how many it wrote.
CREATE FUNCTION follow_up_due_events() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    WITH due AS (
        SELECT f.id FROM case_follow_up f JOIN client_case c ON c.id = f.case_id
         WHERE f.done_at IS NULL AND f.due_event_at IS NULL AND f.due_on <= current_date
           AND c.status = 'open' AND c.owner_node_id = f.node_id
         ORDER BY f.due_on, f.id
           FOR UPDATE OF f SKIP LOCKED
         LIMIT 500),
    marked AS (
        UPDATE case_follow_up f SET due_event_at = now()
          FROM due WHERE f.id = due.id
        RETURNING f.*),
    written AS (
        INSERT INTO outbox (type, node_ids, payload)
        SELECT 'case.follow_up_due', ARRAY[m.node_id],
               jsonb_build_object('case_id', m.case_id, 'follow_up_id', m.id,
                                  'due_on', m.due_on)
          FROM marked m ORDER BY m.due_on, m.id
        RETURNING 1)
    SELECT count(*) INTO n FROM written;
    IF n > 0 THEN
        PERFORM pg_notify('pnet_outbox', '');
    END IF;
    RETURN n;
END $$;
