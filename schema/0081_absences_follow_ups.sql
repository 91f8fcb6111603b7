-- Absences with a stand-in, and follow-up dates (Wiedervorlage): the functions behind
-- /v1/me/absences, /v1/cases/{id}/follow-ups and /v1/follow-ups (tables in 0080).

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
                               OUT body text)
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
    IF NOT account_is_caseworker_of(p_stand_in, p_node) THEN
        PERFORM problem(422, 'validation', 'Not an active caseworker of your node.',
                        'stand_in_account_id', 'not_a_colleague');
    END IF;
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
    body := absence_json(x)::text;
END $$;

-- A follow-up as its owner sees it: the reason is hidden under the consent rule of notes.
CREATE FUNCTION follow_up_json(f case_follow_up) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
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
        'done_by', account_ref(f.done_by), 'done_at', f.done_at)
      FROM client_case c WHERE c.id = f.case_id;
$$;

-- Set a follow-up date on the actor's open case. Answers 'ok' or 'not_found'.
CREATE FUNCTION follow_up_create(p_account uuid, p_node uuid, p_request text, p_client text,
                                 p_case uuid, p_due date, p_reason text,
                                 OUT outcome text, OUT body text)
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
    IF c.status <> 'open' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed; closed cases do not change.');
    END IF;
    IF p_due < current_date THEN
        PERFORM problem(422, 'validation', 'Must not lie in the past.', 'due_on', 'past');
    END IF;
    IF p_due > current_date + interval '5 years' THEN
        PERFORM problem(422, 'validation', 'Must lie within five years.', 'due_on',
                        'too_far');
    END IF;
    INSERT INTO case_follow_up (case_id, node_id, due_on, reason, created_by)
    VALUES (p_case, p_node, p_due, p_reason, p_account)
    RETURNING * INTO f;
    PERFORM audit(p_account, p_node, 'case.follow_up_create', 'client_case', p_case,
                  p_request, p_client,
                  jsonb_build_object('follow_up_id', f.id, 'due_on', p_due));
    outcome := 'ok';
    body := follow_up_json(f)::text;
END $$;

-- Mark a follow-up of the actor's node done, or (p_delete) take it back. Answers 'ok' or
-- 'not_found'.
CREATE FUNCTION follow_up_close(p_account uuid, p_node uuid, p_request text, p_client text,
                                p_id uuid, p_delete boolean, OUT outcome text, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    f case_follow_up;
BEGIN
    SELECT f2.* INTO f FROM case_follow_up f2 JOIN client_case c ON c.id = f2.case_id
     WHERE f2.id = p_id AND f2.node_id = p_node AND c.owner_node_id = p_node
       FOR UPDATE OF f2;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF f.done_at IS NOT NULL THEN
        PERFORM problem(409, 'follow-up-done', 'This follow-up is done already.');
    END IF;
    IF p_delete THEN
        DELETE FROM case_follow_up WHERE id = p_id;
    ELSE
        UPDATE case_follow_up SET done_at = now(), done_by = p_account WHERE id = p_id
        RETURNING * INTO f;
        body := follow_up_json(f)::text;
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
