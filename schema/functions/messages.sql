-- Messages on a referral (server/api/messages.c; docs/architecture.md, "Messages on a
-- referral"): who may read a thread's texts, a message as a node sees it, and writing one.

-- Whether node p_node may read the texts of referral r's thread: its sender always, its
-- receiver while the basis the referral's data went on holds (a statutory basis, or a consent
-- covering the receiver: referral_basis_holds, the rule of the referral's note); an author
-- always reads its own message (checked by the caller).
CREATE FUNCTION referral_message_readable(r referral, p_node uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_node = r.from_node_id OR referral_basis_holds(r);
$$;

-- One message as node p_node sees it: the text, or withheld; unread when it is p_node's to
-- read and nobody of p_node has read it yet.
CREATE FUNCTION referral_message_json(m referral_message, r referral, p_node uuid)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN json_build_object(
        'id', m.id, 'referral_id', m.referral_id,
        'author_node_id', m.author_node, 'author_account_id', m.author_account,
        'author_name', (SELECT a.display_name FROM account a WHERE a.id = m.author_account),
        'text', CASE WHEN p_node = m.author_node OR referral_message_readable(r, p_node)
                     THEN m.body END,
        'withheld', NOT (p_node = m.author_node OR referral_message_readable(r, p_node)),
        'created_at', m.created_at,
        'unread', m.to_node = p_node AND m.read_at IS NULL,
        'read_at', m.read_at, 'read_by_account_id', m.read_by);
END $$;

-- Write a message: the row, its timeline entry, the event (no text: docs/events.md) and the
-- audit row, in one transaction; the entry and the audit row name the referral's legal basis,
-- as an entry with a note does. outcome 'created' with the message, or 'not_found' when
-- p_node is neither side. The sender writes only while the basis holds (the receiver could
-- not read it: 422 consent-required); the receiver answers its sender always, as its notes
-- go back on every transition. A repeat with the same Idempotency-Key (a resend after an
-- answer that was lost) answers the first message again and writes nothing.
CREATE FUNCTION referral_message_post(p_account uuid, p_node uuid, p_request text, p_client text,
                                      p_idem_key text, p_idem_hash text, p_id uuid,
                                      p_text text, OUT outcome text, OUT body text,
                                      OUT version integer, OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    k idempotency_key;
    r referral;
    m referral_message;
BEGIN
    -- FOR SHARE: the referral's sides cannot change meanwhile (a transfer only moves the case).
    SELECT * INTO r FROM referral
     WHERE id = p_id AND p_node IN (from_node_id, to_node_id) FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    location := '/v1/referrals/' || r.id || '/messages';
    k := idempotency_replay(p_account, p_idem_key, p_idem_hash);
    IF k.account_id IS NOT NULL THEN
        outcome := 'created';
        body := k.response;
        RETURN;
    END IF;
    IF p_node = r.from_node_id AND NOT referral_basis_holds(r) THEN
        PERFORM problem(422, 'consent-required',
                        'The receiver may read messages only while a consent covers it: this '
                        'referral went on a consent that was revoked or ran out. Record the '
                        'client''s consent again first.', 'text', 'no_basis');
    END IF;
    INSERT INTO referral_message (referral_id, author_account, author_node, to_node, body)
    VALUES (r.id, p_account, p_node,
            CASE WHEN p_node = r.from_node_id THEN r.to_node_id ELSE r.from_node_id END, p_text)
    RETURNING * INTO m;
    INSERT INTO referral_event (referral_id, kind, actor_account, actor_node, message_id,
                                legal_basis)
    VALUES (r.id, 'message', p_account, p_node, m.id, r.legal_basis);
    INSERT INTO outbox (type, node_ids, payload)
    VALUES ('referral.message', ARRAY[r.from_node_id, r.to_node_id],
            jsonb_build_object('referral_id', r.id, 'case_id', r.case_id, 'message_id', m.id,
                               'author_node_id', p_node, 'from_node_id', r.from_node_id,
                               'to_node_id', r.to_node_id, 'at', m.created_at));
    PERFORM pg_notify('pnet_outbox', '');
    PERFORM audit(p_account, p_node, 'referral.message', 'referral', r.id, p_request, p_client,
                  jsonb_build_object('message_id', m.id, 'legal_basis', r.legal_basis));
    outcome := 'created';
    body := referral_message_json(m, r, p_node)::text;
    PERFORM idempotency_store(p_account, p_idem_key, p_idem_hash, 201, body);
END $$;
