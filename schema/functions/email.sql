-- Notifications by e-mail (server/mail.c, server/api/notifications.c; docs/architecture.md,
-- "Notifications by e-mail"): the notices an event queues (a trigger on the outbox, in the
-- event's own transaction), and gathering each account's notices into one e-mail.

-- The notices an event queues: to whom, of which kind, counting for which node. Accounts
-- that are enabled, have an e-mail address and chose the kind.
CREATE FUNCTION email_notices_of(p_seq bigint, p_type text, p_payload jsonb)
RETURNS TABLE (account_id uuid, kind text, node_id uuid) LANGUAGE sql STABLE AS $$
    WITH wanted (account_id, kind, node_id) AS (
        -- A new referral in the inbox: every account of the receiving node.
        SELECT a.id, 'new_referral', (p_payload->>'to_node_id')::uuid
          FROM account a
         WHERE p_type = 'referral.created' AND a.node_id = (p_payload->>'to_node_id')::uuid
        UNION ALL
        -- A change or answer on a referral an account sent: that account, when the receiver
        -- made the move (the sender's own moves, a withdrawal say, tell it nothing new).
        SELECT r.created_by, 'referral_update', r.to_node_id
          FROM referral r
         WHERE p_type = 'referral.updated' AND r.id = (p_payload->>'referral_id')::uuid
           AND (SELECT e.actor_node FROM referral_event e WHERE e.referral_id = r.id
                 ORDER BY e.id DESC LIMIT 1) = r.to_node_id
        UNION ALL
        -- A message: every account of the node that did not write it.
        SELECT a.id, 'message', a.node_id
          FROM account a
         WHERE p_type = 'referral.message'
           AND a.node_id IN ((p_payload->>'from_node_id')::uuid, (p_payload->>'to_node_id')::uuid)
           AND a.node_id <> (p_payload->>'author_node_id')::uuid
        UNION ALL
        -- An overdue referral: the accounts of both sides.
        SELECT a.id, 'overdue', a.node_id
          FROM account a
         WHERE p_type = 'referral.overdue'
           AND a.node_id IN ((p_payload->>'from_node_id')::uuid, (p_payload->>'to_node_id')::uuid)
        UNION ALL
        -- A follow-up that has come: whom case_recipients() names (the responsible person, the
        -- deputies, a stand-in while one of them is absent) and who is not away today: while
        -- one of them is absent, the stand-in hears of it instead. Counting for the owner node.
        SELECT r.account_id, 'follow_up_due', c.owner_node_id
          FROM client_case c, case_recipients(c.id) r
         WHERE p_type = 'case.follow_up_due' AND c.id = (p_payload->>'case_id')::uuid
           AND NOT r.absent
        UNION ALL
        -- A case conference planned, changed or cancelled (not held, nor a decision: the
        -- participants were there). At the nodes the event goes to, other than the case's
        -- own (invited, taking part, or just left out), every account; at the case's own
        -- node whom case_recipients() names (an absent one too: the conference may fall after
        -- the absence; the stand-in as well), but not who made the change. Each counts for the
        -- node that organises the conference.
        SELECT a.id, 'conference', f.owner_node_id
          FROM conference f, account a, outbox o
         WHERE p_type IN ('conference.invited', 'conference.updated')
           AND p_payload->>'change' IN ('planned', 'changed', 'cancelled')
           AND f.id = (p_payload->>'conference_id')::uuid
           AND o.seq = p_seq AND a.node_id = ANY (o.node_ids) AND a.node_id <> f.owner_node_id
        UNION ALL
        SELECT r.account_id, 'conference', f.owner_node_id
          FROM conference f, conference_last_event(f.id) e, case_recipients(f.case_id) r
         WHERE f.id = (p_payload->>'conference_id')::uuid
           AND ((p_type = 'conference.updated' AND p_payload->>'change' IN ('changed', 'cancelled'))
                -- Planned: the invitation's event, not a later one inviting more nodes.
                OR (p_type = 'conference.invited' AND e.kind = 'planned'))
           AND r.account_id IS DISTINCT FROM e.actor_account)
    SELECT DISTINCT w.account_id, w.kind, w.node_id
      FROM wanted w JOIN account a ON a.id = w.account_id
     WHERE NOT a.disabled AND a.email IS NOT NULL AND w.kind = ANY (a.email_kinds);
$$;

-- A generic plan: planned with the event's type, the statement keeps only that type's branch
-- of email_notices_of, which PostgreSQL then prefers at every call, planning it afresh each
-- time (0.6 ms a write); the generic plan skips the other branches by their type test.
CREATE FUNCTION outbox_email_notices() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    INSERT INTO email_notice (account_id, kind, node_id, outbox_seq)
    SELECT n.account_id, n.kind, n.node_id, NEW.seq
      FROM email_notices_of(NEW.seq, NEW.type, NEW.payload) n
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_email_notices AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_email_notices();

-- One line of an e-mail: a count of one kind for one node, in German and English.
CREATE FUNCTION email_line(p_kind text, p_count bigint, p_node text, p_english boolean)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN NOT p_english THEN CASE p_kind
        WHEN 'new_referral' THEN p_count || CASE WHEN p_count = 1 THEN ' neue Vermittlung'
                                                 ELSE ' neue Vermittlungen' END || ' für ' || p_node
        WHEN 'referral_update' THEN p_count || CASE WHEN p_count = 1 THEN ' Antwort' ELSE
            ' Antworten' END || ' auf Ihre Vermittlungen an ' || p_node
        WHEN 'message' THEN p_count || CASE WHEN p_count = 1 THEN ' neue Nachricht'
                                            ELSE ' neue Nachrichten' END || ' für ' || p_node
        WHEN 'overdue' THEN p_count || CASE WHEN p_count = 1 THEN ' überfällige Vermittlung'
                                            ELSE ' überfällige Vermittlungen' END || ' bei ' || p_node
        WHEN 'follow_up_due' THEN p_count || CASE WHEN p_count = 1 THEN ' fällige Wiedervorlage'
                                                  ELSE ' fällige Wiedervorlagen' END || ' bei ' || p_node
        WHEN 'conference' THEN p_count || CASE WHEN p_count = 1
            THEN ' Einladung, Änderung oder Absage einer Fallkonferenz'
            ELSE ' Einladungen, Änderungen oder Absagen von Fallkonferenzen' END
            || ' von ' || p_node
        END
    ELSE CASE p_kind
        WHEN 'new_referral' THEN p_count || ' new referral' || CASE WHEN p_count = 1 THEN ''
                                                                   ELSE 's' END || ' for ' || p_node
        WHEN 'referral_update' THEN p_count || ' answer' || CASE WHEN p_count = 1 THEN '' ELSE
            's' END || ' on your referrals to ' || p_node
        WHEN 'message' THEN p_count || ' new message' || CASE WHEN p_count = 1 THEN ''
                                                              ELSE 's' END || ' for ' || p_node
        WHEN 'overdue' THEN p_count || ' overdue referral' || CASE WHEN p_count = 1 THEN ''
                                                                  ELSE 's' END || ' at ' || p_node
        WHEN 'follow_up_due' THEN p_count || ' follow-up' || CASE WHEN p_count = 1 THEN '' ELSE
            's' END || ' due at ' || p_node
        WHEN 'conference' THEN p_count || CASE WHEN p_count = 1
            THEN ' case conference invitation, change or cancellation'
            ELSE ' case conference invitations, changes or cancellations' END || ' from ' || p_node
        END
    END;
$$;

-- Gather each account's waiting notices into one e-mail, for accounts whose last e-mail is
-- at least p_batch_minutes old and that have none still waiting for the SMTP server. One
-- process composes at a time (an advisory lock; another answers 0 at once). p_url is the
-- app's public address for the link. Answers how many e-mails it composed. Sent e-mails are
-- kept 30 days (what went out to whom, for questions), then deleted with their notices.
CREATE FUNCTION email_compose(p_batch_minutes integer, p_url text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    acc record;
    lines_de text;
    lines_en text;
    subject text;
    o_id bigint;
    ids bigint[];
    made integer := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtextextended('pnet email_compose', 0)) THEN
        RETURN 0;
    END IF;
    DELETE FROM email_outgoing WHERE sent_at < now() - interval '30 days'
                                  OR failed_at < now() - interval '30 days';
    FOR acc IN
        SELECT a.id, a.email FROM account a
         WHERE a.id IN (SELECT n.account_id FROM email_notice n WHERE n.outgoing_id IS NULL)
           AND NOT EXISTS (SELECT 1 FROM email_outgoing o
                            WHERE o.account_id = a.id
                              AND ((o.sent_at IS NULL AND o.failed_at IS NULL)
                                   OR o.created_at > now() - make_interval(mins => p_batch_minutes)))
    LOOP
        IF acc.email IS NULL THEN
            -- The address was removed meanwhile: nothing to send these to.
            DELETE FROM email_notice WHERE account_id = acc.id AND outgoing_id IS NULL;
            CONTINUE;
        END IF;
        -- The notices this e-mail counts, fixed first: one committed meanwhile waits for the
        -- next e-mail rather than being marked sent without being counted.
        ids := ARRAY(SELECT n.id FROM email_notice n
                      WHERE n.account_id = acc.id AND n.outgoing_id IS NULL FOR UPDATE);
        SELECT string_agg('- ' || email_line(c.kind, c.n, c.name, false), E'\n'
                          ORDER BY c.pos, c.name),
               string_agg('- ' || email_line(c.kind, c.n, c.name, true), E'\n'
                          ORDER BY c.pos, c.name),
               string_agg(email_line(c.kind, c.n, c.name, false), ', ' ORDER BY c.pos, c.name)
          INTO lines_de, lines_en, subject
          FROM (SELECT n.kind, x.name, count(*) AS n,
                       array_position(ARRAY['new_referral', 'message', 'referral_update',
                                            'overdue', 'follow_up_due', 'conference'],
                                      n.kind) AS pos
                  FROM email_notice n JOIN node x ON x.id = n.node_id
                 WHERE n.id = ANY (ids)
                 GROUP BY n.kind, x.name) c;
        IF char_length(subject) > 150 THEN
            subject := left(subject, 147) || '...';
        END IF;
        INSERT INTO email_outgoing (account_id, recipient, subject, body)
        VALUES (acc.id, acc.email, 'pnet: ' || subject,
                'Guten Tag,' || E'\n\n' || 'in pnet gibt es Neues für Sie:' || E'\n\n'
                || lines_de || E'\n\n' || 'Mehr dazu in pnet: ' || p_url || E'\n\n'
                || 'Welche Nachrichten Sie per E-Mail erhalten, stellen Sie in pnet unter'
                || ' „Mein Konto“ ein.' || E'\n\n' || '-- ' || E'\n'
                || 'News for you in pnet:' || E'\n\n' || lines_en || E'\n\n'
                || 'More in pnet: ' || p_url || E'\n'
                || 'Choose which e-mails you get under "My account" in pnet.' || E'\n')
        RETURNING id INTO o_id;
        UPDATE email_notice SET outgoing_id = o_id WHERE id = ANY (ids);
        made := made + 1;
    END LOOP;
    RETURN made;
END $$;

-- An account's e-mail preferences as GET /v1/me/notifications answers them: its address, the
-- kinds it chose and the kinds there are (account_email_kinds_check).
CREATE FUNCTION account_notifications_json(a account) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('email', a.email, 'email_kinds', to_json(a.email_kinds),
                             'kinds', json_build_array('new_referral', 'referral_update',
                                                       'message', 'overdue',
                                                       'follow_up_due', 'conference'),
                             'version', a.version);
$$;
