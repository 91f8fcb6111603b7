-- Referrals (Vermittlungen) and their handover state machine (server/api/referrals.c;
-- docs/architecture.md, "The handover state machine").
--
-- The table of moves is lib/referral.c's. pnetd migrate hands it over as JSON in the setting
-- pnet.vocabulary and referral_vocabulary_load (below, run when this file is applied) writes
-- it into referral_status, referral_move, referral_code and chain_step_state; every question
-- about statuses (open? overdue? may this side make this move? what does it set?) asks those
-- tables. One path moves a referral: referral_move.

-- Write the vocabulary doc (referral_vocabulary() of lib/referral.c) into the tables.
CREATE FUNCTION referral_vocabulary_load(doc jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF doc IS NULL THEN
        RAISE EXCEPTION 'pnet.vocabulary is not set: schema/functions is applied by pnetd migrate';
    END IF;
    DELETE FROM referral_move;
    DELETE FROM referral_status;
    DELETE FROM referral_code;
    DELETE FROM chain_step_state;
    -- What a move carries: 'required', 'optional' or NULL (not taken).
    INSERT INTO referral_status (status, position, initial, open, answer, stamp, clock, handover,
                                 step_state, hands_over_case, appointment, start_deadline, fhir,
                                 sides, reason, reasons, outcome, expected_on, appointment_at,
                                 sender_moves, receiver_moves)
    SELECT s.item->>'status', s.position, (s.item->>'initial')::boolean,
           (s.item->>'open')::boolean, false, s.item->>'stamp', s.item->>'clock',
           (s.item->>'handover')::boolean, s.item->>'step_state',
           (s.item->>'hands_over_case')::boolean, (s.item->>'appointment')::boolean,
           (s.item->>'start_deadline')::boolean, s.item->>'fhir',
           ARRAY(SELECT jsonb_array_elements_text(coalesce(m.item->'sides', '[]'))),
           CASE WHEN m.item ? 'reason' THEN
                CASE WHEN (m.item->'reason'->>'required')::boolean THEN 'required'
                     ELSE 'optional' END END,
           CASE WHEN m.item ? 'reason' THEN
                ARRAY(SELECT jsonb_array_elements_text(m.item->'reason'->'codes')) END,
           CASE WHEN m.item ? 'outcome' THEN
                CASE WHEN (m.item->'outcome'->>'required')::boolean THEN 'required'
                     ELSE 'optional' END END,
           CASE WHEN m.item ? 'expected_on' THEN
                CASE WHEN (m.item->'expected_on'->>'required')::boolean THEN 'required'
                     ELSE 'optional' END END,
           CASE WHEN m.item ? 'appointment_at' THEN
                CASE WHEN (m.item->'appointment_at'->>'required')::boolean THEN 'required'
                     ELSE 'optional' END END,
           '[]', '[]'
      FROM jsonb_array_elements(doc->'statuses') WITH ORDINALITY AS s(item, position)
      LEFT JOIN jsonb_array_elements(doc->'moves') AS m(item)
             ON m.item->>'to' = s.item->>'status';
    INSERT INTO referral_move (from_status, to_status)
    SELECT f.status, m.item->>'to'
      FROM jsonb_array_elements(doc->'moves') AS m(item),
           jsonb_array_elements_text(m.item->'from') AS f(status);
    -- What each side may do from each status, as allowed_moves shows it: the library's move
    -- without its sources, sides and words. And which statuses answer a new referral.
    UPDATE referral_status s SET
        answer = EXISTS (SELECT 1 FROM referral_move m
                           JOIN referral_status i ON i.status = m.from_status AND i.initial
                          WHERE m.to_status = s.status AND 'receiver' = ANY (s.sides)),
        sender_moves = json_compact(coalesce((
            SELECT jsonb_agg(m.item - 'from' - 'sides' - 'command' - 'summary'
                             ORDER BY t.position)
              FROM jsonb_array_elements(doc->'moves') AS m(item)
              JOIN referral_status t ON t.status = m.item->>'to'
             WHERE m.item->'from' ? s.status AND m.item->'sides' ? 'sender'), '[]')),
        receiver_moves = json_compact(coalesce((
            SELECT jsonb_agg(m.item - 'from' - 'sides' - 'command' - 'summary'
                             ORDER BY t.position)
              FROM jsonb_array_elements(doc->'moves') AS m(item)
              JOIN referral_status t ON t.status = m.item->>'to'
             WHERE m.item->'from' ? s.status AND m.item->'sides' ? 'receiver'), '[]'));
    INSERT INTO referral_code (list, code, position)
    SELECT 'outcome', c.code, c.position
      FROM jsonb_array_elements_text(doc->'outcomes') WITH ORDINALITY AS c(code, position)
    UNION ALL
    SELECT 'channel', c.code, c.position
      FROM jsonb_array_elements_text(doc->'channels') WITH ORDINALITY AS c(code, position);
    INSERT INTO chain_step_state (state, rank, own)
    SELECT x.item->>'state', x.rank - 1, (x.item->>'own')::boolean
      FROM jsonb_array_elements(doc->'step_states') WITH ORDINALITY AS x(item, rank);
END $$;

SELECT referral_vocabulary_load(current_setting('pnet.vocabulary', true)::jsonb);

-- The deadline referral r (in status s) has missed now, if any, and when it was due
-- (docs/architecture.md, "Overdue escalation"). What runs out is the vocabulary's
-- (referral_status): the clock 'due' is the deadline 'accept' (due_at), 'expected' the
-- waiting list's date, and start_deadline the chain step's target_days_to_start counted from
-- acceptance ('start'). No row: none missed. A row source, so that PostgreSQL inlines it
-- where it is joined LATERAL (a page's items: referral_view; the overdue scan and list).
CREATE FUNCTION referral_missed_deadline(r referral, s referral_status)
RETURNS TABLE (deadline text, due_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT d.deadline, d.due_at FROM (
        SELECT 'accept', r.due_at
         WHERE s.clock = 'due' AND r.due_at < now()
        UNION ALL
        SELECT 'expected', (r.expected_on + 1)::timestamptz
         WHERE s.clock = 'expected' AND r.expected_on < current_date
        UNION ALL
        SELECT 'start', r.accepted_at + make_interval(days => cs.target_days_to_start)
          FROM client_case k
          JOIN chain_step cs ON cs.version_id = k.chain_version_id AND cs.key = r.chain_step_key
         WHERE s.start_deadline AND k.id = r.case_id AND cs.target_days_to_start IS NOT NULL
           AND r.accepted_at + make_interval(days => cs.target_days_to_start) < now()
    ) d (deadline, due_at)
    LIMIT 1;
$$;

-- Whether referral r (in status s) is overdue: it has missed a deadline (the one rule of the
-- flag, the lists' filter, the statistics and the overdue scan).
CREATE FUNCTION referral_overdue(r referral, s referral_status) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM referral_missed_deadline(r, s));
$$;

-- The same for a referral whose status row the caller has not at hand.
CREATE FUNCTION referral_is_overdue(r referral) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT referral_overdue(r, s) FROM referral_status s WHERE s.status = r.status;
$$;

-- A referral as node p_node sees it: the receiver sees the case's reference and target group
-- and nothing else of the case, and the note only while the referral's legal basis holds (a
-- statutory one, or a consent covering the receiver: referral_basis). The chain step is
-- named by its name too (the step's in the version the case is enrolled in), so that the
-- receiver, which cannot read the case's chain, sees "Schuldnerberatung". allowed_moves: the
-- moves p_node's side may make now, each with what it carries.
-- The one projection of a referral, for single reads (referral_json) and pages (the list
-- statements of server/api/referrals.sql) alike: a row source of one row, written with joins
-- and no per-row function of its own, so that PostgreSQL inlines it into a page's statement
-- (joined LATERAL) and builds the page's items set-based. Its joins are inner ones and what
-- may be missing is asked in the select list (the step's name, the missed deadline): an outer
-- join inside whose condition names r would keep the inlined function a subquery of its own,
-- run once per row of the page, with each field of r read out of the row value again; without
-- one PostgreSQL pulls it up into the page's join (docs/performance.md, lever 16). row_to_json
-- writes it compact (no spaces), the keys in the order of the columns
-- (docs/performance.md).
CREATE FUNCTION referral_view(r referral, p_node uuid) RETURNS TABLE (body json)
LANGUAGE sql STABLE AS $$
    SELECT row_to_json(j)
      FROM referral_status s
      JOIN client_case k ON k.id = r.case_id
      CROSS JOIN LATERAL (SELECT
        r.id, r.case_id, r.network_id, r.from_node_id, r.to_node_id, r.kind, r.chain_step_key,
        (SELECT cs.name FROM chain_step cs
          WHERE cs.version_id = k.chain_version_id AND cs.key = r.chain_step_key)
            AS chain_step_name,
        r.service_id, r.status, r.reason,
        -- The basis only where it decides (a note the viewer did not send): CASE asks the
        -- subquery for those rows alone, a join would check every row of a page.
        CASE WHEN p_node = r.from_node_id THEN r.note
             WHEN r.note IS NULL THEN NULL
             WHEN (SELECT b.holds FROM referral_basis(r) b) THEN r.note END AS note,
        r.legal_basis,
        -- The sender's: whether the receiver still reads the note and the messages (the
        -- web app offers a message only then); the receiver's own note says it for itself.
        CASE WHEN p_node = r.from_node_id
             THEN (SELECT b.holds FROM referral_basis(r) b) END AS basis_holds,
        r.consent_id, r.funding_source_id, r.contract_id,
        CASE WHEN p_node = r.from_node_id THEN r.double_funding_reason
        END AS double_funding_reason,
        r.priority, r.due_at, r.appointment_at, r.expected_on, r.status_reason, r.outcome,
        r.redirected_from, r.version,
        -- referral_overdue's test, written out: a SQL function with a subquery is not
        -- inlined, and would be run as a function of its own per row.
        EXISTS (SELECT 1 FROM referral_missed_deadline(r, s)) AS overdue,
        CASE WHEN p_node = r.from_node_id THEN s.sender_moves
             WHEN p_node = r.to_node_id THEN s.receiver_moves
             ELSE '[]' END AS allowed_moves,
        (SELECT row_to_json(c) FROM (SELECT k.reference, k.target_group_id) c) AS "case",
        CASE WHEN p_node = r.from_node_id
             THEN (SELECT l.link FROM referral_link_view(r) l) END AS link,
        r.created_at, r.updated_at) j
     WHERE s.status = r.status;
$$;

-- One referral as node p_node sees it (referral_view). PL/pgSQL, not SQL: a SQL function
-- PostgreSQL cannot inline (this one reads from a row source) is planned afresh at every
-- call, and planning referral_view's joins costs more than running them; PL/pgSQL keeps the
-- plan for the connection (docs/performance.md, lever 15). Its generic plan, always: with the
-- referral and the node known, a custom plan folds away the side's CASEs (the note's basis
-- for the sender, basis_holds for the receiver) and so looks cheaper than the generic one,
-- which keeps both sub-selects but runs only the one its side reaches; PostgreSQL would plan
-- afresh at every call (test_plans.py, "keep their plans").
CREATE FUNCTION referral_json(r referral, p_node uuid) RETURNS json LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    RETURN (SELECT v.body FROM referral_view(r, p_node) v);
END $$;

-- Whether referral p passes a list's filters: one of p_statuses, overdue or not, of case
-- p_case (each NULL: any), and after the cursor (p_after_at, p_after_id) in the lists' order
-- (newest first). Inlined into the list statements, so that their indexes serve.
CREATE FUNCTION referral_listed(p referral, p_statuses text[], p_overdue boolean, p_case uuid,
                                p_after_at text, p_after_id uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (p_statuses IS NULL OR p.status = ANY (p_statuses))
       AND (p_overdue IS NULL OR referral_is_overdue(p) = p_overdue)
       AND (p_case IS NULL OR p.case_id = p_case)
       AND (p_after_at IS NULL OR (p.created_at, p.id) < (p_after_at::timestamptz, p_after_id));
$$;

-- The audit row of a list's page: the referrals shown (p_ids, in the page's order) and their
-- cases (docs/architecture.md, "Reads of social data"), as the columns audit_log is inserted
-- with (those of audit()). The list statements of server/api/referrals.sql insert it once per
-- page that shows any referral. A row source, not a function that inserts: PostgreSQL
-- inlines it, so that the insert is part of the page's statement and its plan, not a
-- function call with statements of its own (docs/performance.md, lever 16).
CREATE FUNCTION referral_list_audit(p_account uuid, p_node uuid, p_request text, p_client text,
                                    p_box text, p_case uuid, p_ids uuid[], p_case_ids uuid[])
RETURNS TABLE (account_id uuid, node_id uuid, action text, object_type text, object_id uuid,
               request_id text, client_addr text, detail jsonb)
LANGUAGE sql STABLE AS $$
    SELECT p_account, p_node, 'referral.list', 'referral', NULL::uuid, p_request, p_client,
           jsonb_build_object('box', p_box, 'case_id', p_case, 'ids', to_jsonb(p_ids),
                              'case_ids', to_jsonb(p_case_ids));
$$;

-- One timeline entry as node p_node sees it: notes follow the referral's note rule, except
-- that a node always sees what it wrote itself. legal_basis: the basis the entry's data (the
-- referral at creation, a note) went to the receiver on.
CREATE FUNCTION referral_event_json(e referral_event, p_node uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'referral_id', e.referral_id, 'at', e.at, 'kind', e.kind,
        'from_status', e.from_status, 'to_status', e.to_status,
        'actor_account_id', e.actor_account, 'actor_node_id', e.actor_node,
        'status_reason', e.status_reason, 'outcome', e.outcome,
        'note', CASE WHEN p_node = r.from_node_id OR p_node = e.actor_node
                          OR referral_basis_holds(r) THEN e.note END,
        'channel', e.channel, 'warm', e.warm, 'handover_at', e.handover_at,
        'legal_basis', e.legal_basis, 'message_id', e.message_id,
        'appointment_at', e.appointment_at)
    FROM referral r WHERE r.id = e.referral_id;
$$;

-- The event for SSE and webhooks: type, the two nodes, and metadata without any text.
-- p_channel: the channel of a move made other than in the app ('link'), else NULL and left out.
CREATE FUNCTION referral_outbox(p_type text, r referral, p_channel text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (type, node_ids, payload)
    VALUES (p_type, ARRAY[r.from_node_id, r.to_node_id],
            jsonb_build_object('referral_id', r.id, 'case_id', r.case_id, 'status', r.status,
                               'from_node_id', r.from_node_id, 'to_node_id', r.to_node_id,
                               'kind', r.kind, 'version', r.version, 'due_at', r.due_at)
            || CASE WHEN p_channel IS NULL THEN '{}'::jsonb
                    ELSE jsonb_build_object('channel', p_channel) END);
    PERFORM pg_notify('pnet_outbox', '');
END $$;

-- Create a referral from the actor's node ("(creation) -> sent" in docs/architecture.md):
-- the case is open and the sender's, the receiver an active member of the case's network,
-- the data goes on a legal basis (referral_basis_choose: a covering active consent, or a
-- statutory basis p_legal_basis names), no open duplicate, no double funding unconfirmed
-- (funding_check_double), and no place asked of a hard contract whose places are all taken
-- (contract_check_send; a soft one's warning is answered with the referral as 'warnings'). Repeats with the same Idempotency-Key
-- replay the first answer. A receiver without accounts that has a contact e-mail gets a link
-- (link_issue, schema/functions/links.sql) made of the token the server drew (p_link_hash,
-- p_link_token), valid p_link_days, pointing into the app at p_url.
CREATE FUNCTION referral_create(p_account uuid, p_node uuid, p_request text, p_client text,
                                p_idem_key text, p_idem_hash text, p_case uuid, p_to uuid,
                                p_kind text, p_step text, p_service uuid, p_reason text,
                                p_note text, p_priority text, p_redirected_from uuid,
                                p_legal_basis text, p_funding uuid, p_double_reason text,
                                p_link_hash text DEFAULT NULL, p_link_token text DEFAULT NULL,
                                p_link_days integer DEFAULT NULL, p_url text DEFAULT NULL,
                                OUT outcome text, OUT body text, OUT version integer,
                                OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    k idempotency_key;
    c client_case;
    r referral;
    step_days integer;
    member_days integer;
    network_days integer;
    basis record;
    funder uuid;
    warnings jsonb;
BEGIN
    k := idempotency_replay(p_account, p_idem_key, p_idem_hash);
    IF k.account_id IS NOT NULL THEN
        outcome := 'created';
        body := k.response;
        version := (k.response::json->>'version')::integer;
        location := '/v1/referrals/' || (k.response::json->>'id');
        RETURN;
    END IF;

    -- FOR SHARE: a concurrent close of the case waits for this referral, and then sees it.
    SELECT * INTO c FROM client_case WHERE id = p_case FOR SHARE;
    IF NOT FOUND OR c.owner_node_id IS DISTINCT FROM p_node THEN
        PERFORM problem(422, 'validation', 'There is no case of yours with this id.', 'case_id');
    END IF;
    PERFORM case_refuse_closed(c);
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
    basis := referral_basis_choose(c, p_to, p_legal_basis);
    IF p_step IS NOT NULL THEN
        SELECT s.target_days_to_accept INTO step_days FROM chain_step s
         WHERE s.version_id = c.chain_version_id AND s.key = p_step;
        IF NOT FOUND THEN
            PERFORM problem(422, 'validation',
                            'The case''s chain has no such step (is the case enrolled?).',
                            'chain_step_key');
        END IF;
    END IF;
    -- Each check under its own IF: an absent value folded into the query's condition would
    -- make PostgreSQL plan it afresh at every call (docs/performance.md, lever 15).
    IF p_service IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM service s WHERE s.id = p_service AND s.node_id = p_to
                          AND s.status = 'active') THEN
            PERFORM problem(422, 'validation',
                            'The receiver has no active service with this id.', 'service_id');
        END IF;
    END IF;
    IF p_redirected_from IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM referral x WHERE x.id = p_redirected_from
                          AND x.case_id = p_case AND x.from_node_id = p_node
                          AND x.status = 'declined') THEN
            PERFORM problem(422, 'validation', 'Only a declined referral of this case that '
                            'you sent can be redirected.', 'redirected_from');
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM referral x JOIN referral_status s ON s.status = x.status
                WHERE x.case_id = p_case AND x.to_node_id = p_to
                  AND coalesce(x.chain_step_key, '') = coalesce(p_step, '') AND s.open) THEN
        PERFORM problem(409, 'duplicate',
                        'This case has an open referral to this node for this step already.');
    END IF;
    funder := funding_choose(c, p_service, p_funding);
    PERFORM funding_check_double(c, p_service, funder, p_double_reason);
    warnings := contract_check_send(c.network_id, p_service, funder);

    BEGIN
        INSERT INTO referral (case_id, network_id, from_node_id, to_node_id, kind,
                              chain_step_key, service_id, reason, note, priority, due_at,
                              redirected_from, created_by, legal_basis, consent_id,
                              funding_source_id, double_funding_reason)
        VALUES (p_case, c.network_id, p_node, p_to, coalesce(p_kind, 'service'), p_step,
                p_service, p_reason, p_note, coalesce(p_priority, 'normal'),
                now() + make_interval(days => coalesce(step_days, member_days, network_days)),
                p_redirected_from, p_account, basis.legal_basis, basis.consent_id, funder,
                p_double_reason)
        RETURNING * INTO r;
    EXCEPTION WHEN unique_violation THEN
        -- referral_open_once: a create beside this one was faster.
        PERFORM problem(409, 'duplicate',
                        'This case has an open referral to this node for this step already.');
    END;
    INSERT INTO referral_event (referral_id, kind, to_status, actor_account, actor_node,
                                legal_basis)
    VALUES (r.id, 'created', r.status, p_account, p_node, r.legal_basis);
    PERFORM referral_outbox('referral.created', r);
    PERFORM audit(p_account, p_node, 'referral.create', 'referral', r.id, p_request, p_client,
                  jsonb_build_object('case_id', r.case_id, 'to_node_id', r.to_node_id,
                                     'kind', r.kind, 'legal_basis', r.legal_basis,
                                     'consent_id', r.consent_id,
                                     'funding_source_id', r.funding_source_id,
                                     'double_funding_reason', r.double_funding_reason,
                                     'warnings', warnings));
    IF p_link_hash IS NOT NULL AND link_wanted(p_to) THEN
        PERFORM link_issue(r, p_account, p_node, p_request, p_client, p_link_hash, p_link_token,
                           p_link_days, p_url);
    END IF;
    outcome := 'created';
    body := (referral_json(r, p_node)::jsonb || jsonb_build_object('warnings', warnings))::text;
    version := r.version;
    location := '/v1/referrals/' || r.id;
    PERFORM idempotency_store(p_account, p_idem_key, p_idem_hash, 201, body);
END $$;

-- The one path of every move of a referral, whether a request asks for it
-- (referral_transition) or a revoked consent withdraws the referral (consent_revoke): r,
-- locked by the caller, moves into p_to if the move table lets side p_side ('sender' or
-- 'receiver') make that move from r's status. It sets what the move sets (what it carries,
-- its time), hands a transferred case over when the new status says so, and writes the
-- timeline event, the outbox row and the audit row; a case handed over gets its new
-- responsible person (case_arrived, schema/functions/case_team.sql). p_channel: 'link' for a
-- move the receiving node made through its link (lib/referral.c, referral_move_channels),
-- NULL in the app. Answers the moved referral, or NULL (nothing written) when the move is not
-- allowed.
CREATE FUNCTION referral_move(r referral, p_to text, p_side text, p_reason text,
                              p_outcome text, p_appointment timestamptz, p_expected date,
                              p_note text, p_account uuid, p_node uuid, p_request text,
                              p_client text, p_channel text DEFAULT NULL)
RETURNS referral LANGUAGE plpgsql AS $$
DECLARE
    t referral_status;
    moved referral;
    contract uuid;
BEGIN
    SELECT s.* INTO t FROM referral_status s
     WHERE s.status = p_to AND p_side = ANY (s.sides)
       AND EXISTS (SELECT 1 FROM referral_move m
                    WHERE m.from_status = r.status AND m.to_status = p_to);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- The move that stamps the acceptance takes a place of the service's contract
    -- (schema/functions/contracts.sql; the place goes back by the stamps, not by a move).
    IF t.stamp = 'accepted_at' THEN
        contract := contract_take(r);
    END IF;
    UPDATE referral x SET
        status = t.status,
        version = x.version + 1,
        updated_at = now(),
        status_reason = CASE WHEN t.reason IS NOT NULL THEN p_reason ELSE x.status_reason END,
        outcome = CASE WHEN t.outcome IS NOT NULL THEN p_outcome ELSE x.outcome END,
        appointment_at = CASE WHEN t.appointment_at IS NOT NULL THEN p_appointment
                              ELSE x.appointment_at END,
        expected_on = CASE WHEN t.expected_on IS NOT NULL THEN p_expected
                           ELSE x.expected_on END,
        received_at = CASE WHEN t.stamp = 'received_at' THEN now() ELSE x.received_at END,
        accepted_at = CASE WHEN t.stamp = 'accepted_at' THEN now() ELSE x.accepted_at END,
        started_at = CASE WHEN t.stamp = 'started_at' THEN now() ELSE x.started_at END,
        closed_at = CASE WHEN t.stamp = 'closed_at' THEN now() ELSE x.closed_at END,
        contract_id = CASE WHEN t.stamp = 'accepted_at' THEN contract ELSE x.contract_id END
     WHERE x.id = r.id
    RETURNING x.* INTO moved;
    -- A completed transfer hands the whole case over (Fallübergabe).
    IF t.hands_over_case AND moved.kind = 'transfer' THEN
        UPDATE client_case SET owner_node_id = moved.to_node_id,
                               version = client_case.version + 1, updated_at = now()
         WHERE id = moved.case_id;
        PERFORM case_arrived(moved, p_account, p_node, p_request, p_client);
    END IF;
    INSERT INTO referral_event (referral_id, kind, from_status, to_status, actor_account,
                                actor_node, status_reason, outcome, note, legal_basis, channel)
    VALUES (moved.id, 'transition', r.status, moved.status, p_account, p_node, p_reason,
            p_outcome, p_note, CASE WHEN p_note IS NOT NULL THEN r.legal_basis END, p_channel);
    PERFORM referral_outbox('referral.updated', moved, p_channel);
    PERFORM audit(p_account, p_node, 'referral.transition', 'referral', moved.id, p_request,
                  p_client, jsonb_strip_nulls(jsonb_build_object(
                      'from', r.status, 'to', moved.status, 'reason', p_reason,
                      'legal_basis', CASE WHEN p_note IS NOT NULL THEN r.legal_basis END,
                      'channel', p_channel)));
    RETURN moved;
END $$;

-- Move referral p_id, which the actor's node sends or receives, at row version p_expected,
-- into p_to: the move of a request (POST /v1/referrals/{id}/transitions). The server has
-- checked the move and its inputs against lib/referral.c already; here it is made in one
-- transaction with the row locked, so that two racing moves cannot both win (the loser is
-- refused as stale). The receiver of a transfer may name, with the move, who is to be
-- responsible for the case when it arrives (p_responsible, transfer_responsible_name).
CREATE FUNCTION referral_transition(p_account uuid, p_node uuid, p_request text, p_client text,
                                    p_idem_key text, p_idem_hash text, p_id uuid,
                                    p_expected integer, p_to text, p_reason text,
                                    p_outcome text, p_appointment timestamptz,
                                    p_expected_on date, p_note text, p_responsible uuid,
                                    OUT outcome text, OUT body text, OUT version integer,
                                    OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    k idempotency_key;
    r referral;
    moved referral;
BEGIN
    SELECT * INTO r FROM referral WHERE id = p_id AND p_node IN (from_node_id, to_node_id)
       FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    -- A resend of a move that was made (its answer lost) answers that move again, although
    -- its If-Match is stale by now: after the lock above, a resend racing the first waits
    -- for it and finds its answer here.
    k := idempotency_replay(p_account, p_idem_key, p_idem_hash);
    IF k.account_id IS NOT NULL THEN
        outcome := 'ok';
        body := k.response;
        version := (k.response::json->>'version')::integer;
        RETURN;
    END IF;
    -- lib has no clock: a date the receiver expects a place on lies ahead (or is today).
    IF p_expected_on < current_date THEN
        PERFORM problem(422, 'validation', 'Must not lie in the past.', 'expected_on');
    END IF;
    IF r.version <> p_expected THEN
        PERFORM problem(412, 'stale',
                        format('The referral changed meanwhile (now version %s, status %s); '
                               'read it again.', r.version, r.status));
    END IF;
    IF p_responsible IS NOT NULL THEN
        PERFORM transfer_responsible_name(r, p_to, p_responsible, p_account, p_node);
    END IF;
    moved := referral_move(r, p_to, CASE WHEN p_node = r.from_node_id THEN 'sender'
                                         ELSE 'receiver' END,
                           p_reason, p_outcome, p_appointment, p_expected_on, p_note,
                           p_account, p_node, p_request, p_client);
    IF moved.id IS NULL THEN
        PERFORM problem(409, 'illegal-transition', 'The referral''s status changed meanwhile.');
    END IF;
    outcome := 'ok';
    body := referral_json(moved, p_node)::text;
    version := moved.version;
    PERFORM idempotency_store(p_account, p_idem_key, p_idem_hash, 200, body);
END $$;

-- The same in one round trip (server/api/referrals.c, transition): the server has checked the
-- move and its inputs against lib/referral.c for every status and side the referral could be
-- in, and p_allowed lists those that passed ('<side>:<status>', side 1 sender, 2 receiver,
-- 3 both). When the referral is in one of them at version p_expected the move is made as
-- referral_transition makes it (Idempotency-Key included); otherwise nothing is written and
-- the outcome is 'recheck': the server reads the state and answers as it would have without
-- this statement (a resend with a stored key is answered there, its If-Match being stale).
CREATE FUNCTION referral_transition_allowed(p_account uuid, p_node uuid, p_request text,
                                            p_client text, p_idem_key text, p_idem_hash text,
                                            p_id uuid, p_expected integer,
                                            p_to text, p_reason text, p_outcome text,
                                            p_appointment timestamptz, p_expected_on date,
                                            p_note text, p_responsible uuid, p_allowed text[],
                                            OUT outcome text, OUT body text,
                                            OUT version integer, OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    r referral;
BEGIN
    SELECT * INTO r FROM referral WHERE id = p_id AND p_node IN (from_node_id, to_node_id)
       FOR UPDATE;
    IF NOT FOUND OR r.version <> p_expected
       OR NOT ((CASE WHEN r.from_node_id = p_node THEN 1 ELSE 0 END
                + CASE WHEN r.to_node_id = p_node THEN 2 ELSE 0 END)::text || ':' || r.status
               = ANY (p_allowed)) THEN
        outcome := 'recheck';
        RETURN;
    END IF;
    SELECT t.outcome, t.body, t.version, t.location INTO outcome, body, version, location
      FROM referral_transition(p_account, p_node, p_request, p_client, p_idem_key,
                               p_idem_hash, p_id, p_expected, p_to, p_reason, p_outcome,
                               p_appointment, p_expected_on, p_note, p_responsible) t;
END $$;

-- The sender logs the handover itself (warm: a joint meeting or a personal introduction).
CREATE FUNCTION referral_handover(p_account uuid, p_node uuid, p_request text, p_client text,
                                  p_id uuid, p_channel text, p_warm boolean, p_at timestamptz,
                                  p_note text, OUT outcome text, OUT body text,
                                  OUT version integer, OUT location text)
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
        PERFORM problem(403, 'forbidden', 'Only the sender logs the handover of a referral.');
    END IF;
    IF NOT (SELECT s.handover FROM referral_status s WHERE s.status = r.status) THEN
        PERFORM problem(409, 'referral-closed',
                        format('The referral is %s; there is no handover to log.', r.status));
    END IF;
    INSERT INTO referral_event (referral_id, kind, actor_account, actor_node, note, channel,
                                warm, handover_at, legal_basis)
    VALUES (r.id, 'handover', p_account, p_node, p_note, p_channel, p_warm,
            coalesce(p_at, now()), CASE WHEN p_note IS NOT NULL THEN r.legal_basis END)
    RETURNING * INTO e;
    INSERT INTO outbox (type, node_ids, payload)
    VALUES ('referral.handover', ARRAY[r.from_node_id, r.to_node_id],
            jsonb_build_object('referral_id', r.id, 'event_id', e.id, 'channel', p_channel,
                               'warm', p_warm, 'at', e.handover_at));
    PERFORM pg_notify('pnet_outbox', '');
    PERFORM audit(p_account, p_node, 'referral.handover', 'referral', r.id, p_request,
                  p_client, jsonb_build_object('channel', p_channel, 'warm', p_warm));
    outcome := 'created';
    body := referral_event_json(e, p_node)::text;
END $$;

-- The timeline is append-only; rows leave only with their case (retention).
CREATE FUNCTION referral_event_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'referral_event is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER referral_event_append_only BEFORE UPDATE ON referral_event
    FOR EACH ROW EXECUTE FUNCTION referral_event_refuse_update();
