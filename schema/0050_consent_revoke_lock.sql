-- Consent revocation and referral creation no longer race (docs/architecture.md, "Access
-- rules"; tests/api/test_races.py).
--
-- referral_create checks consent_covers() with the case row locked FOR SHARE (0010). A
-- revocation used to lock only the consent row: a create running beside it passed its check
-- before the revocation committed and inserted after the revocation's scan of open referrals,
-- so a referral stayed open with no consent covering its receiver; two revocations of two
-- consents covering the same receiver each kept the referral the other one still covered.
-- Now a revocation first locks the case row FOR NO KEY UPDATE, which conflicts with the
-- creates' FOR SHARE and with another revocation: whichever comes second waits, and its next
-- statement (READ COMMITTED: a new snapshot) sees what the first one committed. A create
-- after a revocation fails its consent check; a revocation after a create withdraws the new
-- referral. Creates still run beside each other (FOR SHARE does not conflict with itself).
CREATE OR REPLACE FUNCTION consent_revoke(p_account uuid, p_node uuid, p_request text,
                                          p_client text, p_id uuid, OUT outcome text,
                                          OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    k consent;
    r referral;
    withdrawn uuid[] := '{}';
BEGIN
    -- The case first (the order referral_create takes its locks in), then the consent.
    PERFORM 1 FROM client_case c
     WHERE c.id = (SELECT case_id FROM consent WHERE id = p_id) AND c.owner_node_id = p_node
       FOR NO KEY UPDATE;
    SELECT k2.* INTO k FROM consent k2 JOIN client_case c ON c.id = k2.case_id
     WHERE k2.id = p_id AND c.owner_node_id = p_node FOR UPDATE OF k2;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF k.revoked_at IS NULL THEN
        UPDATE consent SET revoked_at = now(), revoked_by = p_account WHERE id = p_id
        RETURNING * INTO k;
        FOR r IN
            SELECT * FROM referral x
             WHERE x.case_id = k.case_id
               AND x.status IN ('sent', 'received', 'waitlisted', 'accepted', 'in_progress')
               AND NOT consent_covers(x.case_id, x.to_node_id)
             FOR UPDATE
        LOOP
            UPDATE referral SET status = 'withdrawn', status_reason = 'consent_revoked',
                                closed_at = now(), version = referral.version + 1,
                                updated_at = now()
             WHERE id = r.id
            RETURNING * INTO r;
            INSERT INTO referral_event (referral_id, kind, from_status, to_status,
                                        actor_account, actor_node, status_reason)
            SELECT r.id, 'transition', e.to_status, 'withdrawn', p_account, p_node,
                   'consent_revoked'
              FROM referral_event e
             WHERE e.referral_id = r.id AND e.to_status IS NOT NULL
             ORDER BY e.id DESC LIMIT 1;
            PERFORM referral_outbox('referral.updated', r);
            PERFORM audit(p_account, p_node, 'referral.transition', 'referral', r.id,
                          p_request, p_client,
                          jsonb_build_object('to', 'withdrawn', 'reason', 'consent_revoked'));
            withdrawn := withdrawn || r.id;
        END LOOP;
        INSERT INTO outbox (type, node_ids, payload)
        SELECT 'consent.revoked',
               array_agg(DISTINCT n) FILTER (WHERE n IS NOT NULL),
               jsonb_build_object('consent_id', k.id, 'case_id', k.case_id,
                                  'withdrawn_referral_ids', to_jsonb(withdrawn))
          FROM (SELECT p_node AS n UNION SELECT k.recipient_node_id
                UNION SELECT to_node_id FROM referral WHERE id = ANY (withdrawn)) nodes;
        PERFORM pg_notify('pnet_outbox', '');
        PERFORM audit(p_account, p_node, 'consent.revoke', 'consent', k.id, p_request, p_client,
                      jsonb_build_object('withdrawn_referral_ids', to_jsonb(withdrawn)));
    END IF;
    outcome := 'ok';
    body := json_build_object('consent', consent_json(k),
                              'withdrawn_referral_ids', to_json(withdrawn))::text;
END $$;
