-- Accept by link (server/api/links.c; docs/architecture.md, "Accept by link"): a node without
-- accounts answers a referral through a link sent to its contact e-mail. Only the SHA-256 of
-- the link's token is kept (referral_link.token_hash); the token itself waits in the e-mail's
-- secret until the SMTP server has it. What the link shows is exactly what a receiving
-- caseworker sees (referral_json as the receiving node), and each move goes through
-- referral_move, recorded as the node's with the channel 'link'.

-- Whether node p_node answers by link: it has a contact e-mail and no enabled account.
CREATE FUNCTION link_wanted(p_node uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM node n WHERE n.id = p_node AND n.email IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM account a WHERE a.node_id = p_node AND NOT a.disabled);
END $$;

-- The newest link of referral r as its sender sees it (never the token: it is not kept); no
-- row when none was ever sent. A row source, so that a page's statement inlines it for its
-- items (referral_view) instead of calling a function for each (docs/performance.md,
-- lever 16).
CREATE FUNCTION referral_link_view(r referral) RETURNS TABLE (link json)
LANGUAGE sql STABLE AS $$
    SELECT row_to_json(j) FROM (
        SELECT l.id, l.recipient, l.created_at AS sent_at, l.expires_at, l.revoked_at,
               l.last_used_at,
               CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked'
                    WHEN l.expires_at <= now() THEN 'expired'
                    ELSE 'live' END AS state
          FROM referral_link l WHERE l.referral_id = r.id
         ORDER BY l.created_at DESC, l.id LIMIT 1) j;
$$;

-- The same for one answer, NULL when none was ever sent; PL/pgSQL keeps its plan (lever 15).
CREATE FUNCTION referral_link_json(r referral) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT v.link FROM referral_link_view(r) v);
END $$;

-- Revoke the live link of referral p_referral, if any (by p_account; NULL: by a new link or
-- the system), and take its token out of an e-mail not yet sent. Answers the link revoked.
CREATE FUNCTION link_revoke_live(p_referral uuid, p_account uuid) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    gone uuid;
BEGIN
    UPDATE referral_link SET revoked_at = now(), revoked_by = p_account
     WHERE referral_id = p_referral AND revoked_at IS NULL
    RETURNING id INTO gone;
    IF gone IS NOT NULL THEN
        UPDATE email_outgoing SET secret = NULL, failed_at = now(),
                                  last_error = 'the link was revoked before it was sent'
         WHERE link_id = gone AND sent_at IS NULL AND failed_at IS NULL;
    END IF;
    RETURN gone;
END $$;

-- Send a link for referral r (locked by the caller) to its receiver's contact e-mail: the
-- live link before it is revoked, the new one (the hash of the server's token p_token) lasts
-- p_days, and the e-mail (German and English) waits in email_outgoing with the token in its
-- secret only. Refused when the receiver has accounts or no contact e-mail, or the referral
-- is closed.
CREATE FUNCTION link_issue(r referral, p_account uuid, p_node uuid, p_request text,
                           p_client text, p_hash text, p_token text, p_days integer,
                           p_url text) RETURNS referral_link LANGUAGE plpgsql AS $$
DECLARE
    l referral_link;
    n node;
    sender node;
    url text;
    previous uuid;
BEGIN
    IF NOT (SELECT s.open FROM referral_status s WHERE s.status = r.status) THEN
        PERFORM problem(409, 'referral-closed',
                        format('The referral is %s; a link is no longer needed.', r.status));
    END IF;
    SELECT * INTO n FROM node WHERE id = r.to_node_id;
    IF n.email IS NULL THEN
        PERFORM problem(422, 'link-no-contact',
                        'The receiving node has no contact e-mail to send a link to.');
    END IF;
    IF EXISTS (SELECT 1 FROM account a WHERE a.node_id = r.to_node_id AND NOT a.disabled) THEN
        PERFORM problem(409, 'link-not-needed',
                        'The receiving node has accounts: it answers the referral in pnet.');
    END IF;
    SELECT * INTO sender FROM node WHERE id = r.from_node_id;
    previous := link_revoke_live(r.id, p_account);
    BEGIN
        INSERT INTO referral_link (referral_id, node_id, token_hash, recipient, created_by,
                                   expires_at)
        VALUES (r.id, r.to_node_id, p_hash, n.email, p_account,
                now() + make_interval(days => p_days))
        RETURNING * INTO l;
    EXCEPTION WHEN unique_violation THEN
        PERFORM problem(409, 'conflict', 'Another link for this referral was sent just now.');
    END;
    url := rtrim(p_url, '/') || '/link/' || r.id || '#{{token}}';
    INSERT INTO email_outgoing (account_id, link_id, secret, recipient, subject, body)
    VALUES (NULL, l.id, p_token, n.email,
            'pnet: Vermittlung von ' || sender.name || ' an ' || n.name
            || ' / Referral from ' || sender.name,
            'Guten Tag,' || E'\n\n' || sender.name || ' hat in pnet eine Vermittlung an '
            || n.name || ' geschickt.' || E'\n'
            || 'Über diesen Link sehen Sie, was die Einwilligung der Person Ihnen zeigt, und '
            || 'antworten (erhalten, angenommen mit Termin, abgelehnt, abgeschlossen):'
            || E'\n\n' || url || E'\n\n'
            || 'Der Link gilt bis ' || to_char(l.expires_at AT TIME ZONE 'Europe/Berlin',
                                              'DD.MM.YYYY HH24:MI') || ' Uhr und nur für diese '
            || 'Vermittlung. Geben Sie ihn nicht weiter.' || E'\n\n' || '-- ' || E'\n'
            || sender.name || ' referred a person to ' || n.name || ' in pnet.' || E'\n'
            || 'Open this link to see what the consent allows you to see and to answer '
            || '(received, accepted with an appointment, declined, completed):' || E'\n\n'
            || url || E'\n\n' || 'The link is valid until '
            || to_char(l.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
            || ' UTC and only for this referral. Do not pass it on.' || E'\n');
    -- The mail sender wakes on the outbox's notification (server/worker.c).
    PERFORM pg_notify('pnet_outbox', '');
    PERFORM audit(p_account, p_node, 'referral.link_send', 'referral', r.id, p_request,
                  p_client, jsonb_strip_nulls(jsonb_build_object(
                      'channel', 'link', 'link_id', l.id, 'recipient', l.recipient,
                      'expires_at', l.expires_at, 'replaces', previous)));
    RETURN l;
END $$;

-- POST /v1/referrals/{id}/link: the sender sends a (new) link.
CREATE FUNCTION link_send(p_account uuid, p_node uuid, p_request text, p_client text,
                          p_id uuid, p_hash text, p_token text, p_days integer, p_url text,
                          OUT outcome text, OUT body text, OUT version integer,
                          OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    r referral;
BEGIN
    SELECT * INTO r FROM referral WHERE id = p_id AND p_node IN (from_node_id, to_node_id)
       FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF r.from_node_id <> p_node THEN
        PERFORM problem(403, 'forbidden', 'Only the sender sends a link for a referral.');
    END IF;
    PERFORM link_issue(r, p_account, p_node, p_request, p_client, p_hash, p_token, p_days,
                       p_url);
    outcome := 'created';
    body := referral_link_json(r)::text;
END $$;

-- DELETE /v1/referrals/{id}/link: the sender revokes the live link.
CREATE FUNCTION link_revoke(p_account uuid, p_node uuid, p_request text, p_client text,
                            p_id uuid, OUT outcome text, OUT body text, OUT version integer,
                            OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    r referral;
    gone uuid;
BEGIN
    SELECT * INTO r FROM referral WHERE id = p_id AND p_node IN (from_node_id, to_node_id)
       FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF r.from_node_id <> p_node THEN
        PERFORM problem(403, 'forbidden', 'Only the sender revokes the link of a referral.');
    END IF;
    gone := link_revoke_live(r.id, p_account);
    IF gone IS NULL THEN
        PERFORM problem(409, 'link-none', 'The referral has no live link to revoke.');
    END IF;
    PERFORM audit(p_account, p_node, 'referral.link_revoke', 'referral', r.id, p_request,
                  p_client, jsonb_build_object('channel', 'link', 'link_id', gone));
    outcome := 'ok';
    body := referral_link_json(r)::text;
END $$;

-- One use of a link: the token's hash p_hash from address p_addr, for referral p_referral.
-- Either it is held back (retry_after seconds, reason 'address': the growing wait after
-- failures from this address; 'token': too many failures of this token) and nothing is
-- written; or it fails (refusal: 'unknown', 'expired', 'revoked', 'wrong_referral') and the
-- failure is recorded for the throttle; or it passes (link_id, node_id, referral_id).
-- The wait after failures from one address is login_attempt's (schema/functions/session.sql):
-- the first p_free failures within the window cost nothing, then each use waits
-- 2^(failures - p_free) seconds after the last failure, at most p_max_delay_s.
CREATE FUNCTION link_attempt(p_hash text, p_addr text, p_referral uuid,
                             p_window_minutes integer, p_free integer, p_max_delay_s integer,
                             p_max_token integer,
                             OUT retry_after integer, OUT reason text, OUT refusal text,
                             OUT link_id uuid, OUT node_id uuid, OUT referral_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    since timestamptz;
    addr_failures integer;
    addr_last timestamptz;
    token_bound timestamptz;
    delay double precision;
    l referral_link;
BEGIN
    -- Always in this order (address, then token), so that two uses cannot deadlock.
    PERFORM pg_advisory_xact_lock(130001, hashtext(p_addr));
    PERFORM pg_advisory_xact_lock(130002, hashtext(p_hash));
    t := clock_timestamp();
    since := t - make_interval(mins => p_window_minutes);

    SELECT count(*), max(f.at) INTO addr_failures, addr_last FROM link_failure f
     WHERE f.client_addr = p_addr AND f.at > since;
    IF addr_failures >= p_free THEN
        delay := least(power(2, least(addr_failures - p_free, 30)), p_max_delay_s);
        IF t < addr_last + make_interval(secs => delay) THEN
            retry_after := seconds_until(addr_last + make_interval(secs => delay), t);
            reason := 'address';
            RETURN;
        END IF;
    END IF;
    SELECT f.at INTO token_bound FROM link_failure f
     WHERE f.token_hash = p_hash AND f.at > since
     ORDER BY f.at DESC OFFSET p_max_token - 1 LIMIT 1;
    IF token_bound IS NOT NULL THEN
        retry_after := seconds_until(token_bound + make_interval(mins => p_window_minutes), t);
        reason := 'token';
        RETURN;
    END IF;

    SELECT * INTO l FROM referral_link x WHERE x.token_hash = p_hash;
    refusal := CASE WHEN l.id IS NULL THEN 'unknown'
                    WHEN l.referral_id <> p_referral THEN 'wrong_referral'
                    WHEN l.revoked_at IS NOT NULL THEN 'revoked'
                    WHEN l.expires_at <= t THEN 'expired'
                    -- Bound to the node too: the referral must still be sent to it.
                    WHEN NOT EXISTS (SELECT 1 FROM referral x
                                      WHERE x.id = l.referral_id
                                        AND x.to_node_id = l.node_id) THEN 'wrong_referral'
               END;
    IF refusal IS NOT NULL THEN
        INSERT INTO link_failure (token_hash, client_addr, at) VALUES (p_hash, p_addr, t);
        DELETE FROM link_failure f WHERE f.at < t - interval '1 day'
                                     AND (f.client_addr = p_addr OR f.token_hash = p_hash);
        RETURN;
    END IF;
    link_id := l.id;
    node_id := l.node_id;
    referral_id := l.referral_id;
END $$;

-- What the link shows: the referral exactly as its receiving node sees it (referral_json),
-- the sender's contact, until when the link holds, and whether the referral is done (then the
-- page only shows it). The read is audited as the node's, with the channel.
-- (plpgsql: it uses referral_json and node_contact_json, which later files define.)
CREATE FUNCTION link_view_json(r referral, l referral_link) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object(
        'referral', referral_json(r, l.node_id),
        'sender', node_contact_json(r.from_node_id),
        'receiver', json_build_object('id', n.id, 'name', n.name),
        'expires_at', l.expires_at,
        'done', NOT s.open)
      FROM node n, referral_status s WHERE n.id = l.node_id AND s.status = r.status);
END $$;

CREATE FUNCTION link_read(p_link uuid, p_request text, p_client text, OUT outcome text,
                          OUT body text, OUT version integer, OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    l referral_link;
    r referral;
BEGIN
    UPDATE referral_link SET last_used_at = now() WHERE id = p_link RETURNING * INTO l;
    SELECT * INTO r FROM referral WHERE id = l.referral_id;
    PERFORM audit(NULL, l.node_id, 'referral.read', 'referral', r.id, p_request, p_client,
                  jsonb_build_object('channel', 'link', 'link_id', l.id));
    outcome := 'ok';
    body := link_view_json(r, l)::text;
    version := r.version;
END $$;

-- A move through the link, at row version p_expected: the server has checked it against
-- lib/referral.c for the receiver's side (and refused it when the referral is done: the link
-- is used up); here it is made through referral_move as the node's, with the channel 'link'.
CREATE FUNCTION link_transition(p_link uuid, p_request text, p_client text, p_expected integer,
                                p_to text, p_reason text, p_outcome text,
                                p_appointment timestamptz, p_expected_on date, p_note text,
                                OUT outcome text, OUT body text, OUT version integer,
                                OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    l referral_link;
    r referral;
    moved referral;
BEGIN
    IF p_expected_on < current_date THEN
        PERFORM problem(422, 'validation', 'Must not lie in the past.', 'expected_on');
    END IF;
    SELECT * INTO l FROM referral_link WHERE id = p_link;
    SELECT * INTO r FROM referral WHERE id = l.referral_id FOR UPDATE;
    IF r.version <> p_expected THEN
        PERFORM problem(412, 'stale',
                        format('The referral changed meanwhile (now version %s, status %s); '
                               'read it again.', r.version, r.status));
    END IF;
    moved := referral_move(r, p_to, 'receiver', p_reason, p_outcome, p_appointment,
                           p_expected_on, p_note, NULL, l.node_id, p_request, p_client, 'link');
    IF moved.id IS NULL THEN
        PERFORM problem(409, 'illegal-transition', 'The referral''s status changed meanwhile.');
    END IF;
    UPDATE referral_link SET last_used_at = now() WHERE id = l.id RETURNING * INTO l;
    outcome := 'ok';
    body := link_view_json(moved, l)::text;
    version := moved.version;
END $$;
