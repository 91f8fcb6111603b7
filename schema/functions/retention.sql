-- Retention (server/retention.c, `pnetd purge`; docs/operations.md, "Retention and purge"):
-- closed cases are deleted after the configured period, with their consents, referrals and
-- timelines; statistics keep each referral as an anonymous row of referral_archive (no case,
-- no text). The same run drops idempotency keys past their 24 hours, and login failures and
-- failed uses of links (what the throttles count) past a day. pnetd runs it daily (one worker of one instance at a time).

-- Purge what retention allows, in one transaction. Only one caller at a time does the work:
-- a concurrent call (another pnetd instance) finds the lock taken and answers locked = false
-- with zero counts, and writes nothing. Every run that did the work writes one audit row.
CREATE FUNCTION retention_purge(p_days integer, p_request text DEFAULT NULL,
                                p_client text DEFAULT NULL,
                                OUT locked boolean, OUT cases integer, OUT consents integer,
                                OUT referrals integer, OUT events integer, OUT archived integer,
                                OUT idempotency_keys integer, OUT login_failures integer,
                                OUT link_failures integer, OUT outbox_events integer)
LANGUAGE plpgsql AS $$
DECLARE
    doomed uuid[];
    doomed_referrals uuid[] := '{}';
BEGIN
    cases := 0; consents := 0; referrals := 0; events := 0; archived := 0;
    idempotency_keys := 0; login_failures := 0; link_failures := 0; outbox_events := 0;
    IF p_days IS NULL OR p_days < 1 THEN
        RAISE EXCEPTION 'retention_purge: p_days must be at least 1, not %', p_days
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    locked := pg_try_advisory_xact_lock(hashtextextended('pnet retention_purge', 0));
    IF NOT locked THEN
        RETURN;
    END IF;

    -- FOR UPDATE: a case being changed right now is left for the next run.
    SELECT coalesce(array_agg(id), '{}') INTO doomed FROM (
        SELECT id FROM client_case
         WHERE status = 'closed' AND closed_at < now() - make_interval(days => p_days)
         FOR UPDATE SKIP LOCKED) c;

    IF cardinality(doomed) > 0 THEN
        SELECT count(*) INTO consents FROM consent WHERE case_id = ANY (doomed);
        SELECT count(*) INTO events FROM referral_event e JOIN referral r ON r.id = e.referral_id
         WHERE r.case_id = ANY (doomed);
        -- The statistics view derives warm handovers and first reactions: archive what it says,
        -- with the case's target group and district the network report filters by.
        INSERT INTO referral_archive (id, network_id, chain_id, chain_step_key, from_node_id,
                                      to_node_id, kind, status, status_reason, outcome,
                                      warm_handover, due_at, created_at, accepted_at,
                                      started_at, closed_at, answered_at, target_group_id,
                                      district)
        SELECT f.id, f.network_id, f.chain_id, f.chain_step_key, f.from_node_id, f.to_node_id,
               f.kind, f.status, f.status_reason, f.outcome, f.warm_handover, f.due_at,
               f.created_at, f.accepted_at, f.started_at, f.closed_at, f.answered_at,
               f.target_group_id, f.district
          FROM referral_fact f
         WHERE NOT f.archived
           AND f.id IN (SELECT r.id FROM referral r WHERE r.case_id = ANY (doomed))
        ON CONFLICT (id) DO NOTHING;
        GET DIAGNOSTICS archived = ROW_COUNT;
        -- The same for their conferences (the funnel counts them per chain step).
        INSERT INTO conference_archive (id, network_id, chain_id, chain_step_key, status,
                                        starts_at, created_at)
        SELECT f.id, f.network_id, f.chain_id, f.chain_step_key, f.status, f.starts_at,
               f.created_at
          FROM conference_fact f
         WHERE f.id IN (SELECT x.id FROM conference x WHERE x.case_id = ANY (doomed))
        ON CONFLICT (id) DO NOTHING;
        SELECT count(*), coalesce(array_agg(id), '{}') INTO referrals, doomed_referrals
          FROM referral WHERE case_id = ANY (doomed);
        -- Consents, referrals, conferences and events follow by ON DELETE CASCADE.
        DELETE FROM client_case WHERE id = ANY (doomed);
        GET DIAGNOSTICS cases = ROW_COUNT;
    END IF;

    DELETE FROM idempotency_key WHERE created_at < now() - interval '24 hours';
    GET DIAGNOSTICS idempotency_keys = ROW_COUNT;
    DELETE FROM login_failure WHERE at < now() - interval '1 day';
    GET DIAGNOSTICS login_failures = ROW_COUNT;
    DELETE FROM link_failure WHERE at < now() - interval '1 day';
    GET DIAGNOSTICS link_failures = ROW_COUNT;
    -- Events exist to catch up (SSE) and to deliver (webhooks), not to be kept: those about the
    -- purged cases go with them, the others after 30 days unless a delivery is still pending.
    DELETE FROM outbox o
     WHERE (o.payload->>'case_id')::uuid = ANY (doomed)
        OR (o.payload->>'referral_id')::uuid = ANY (doomed_referrals)
        OR (o.at < now() - interval '30 days'
            AND NOT EXISTS (SELECT 1 FROM webhook_delivery d
                             WHERE d.outbox_seq = o.seq AND d.state = 'pending'));
    GET DIAGNOSTICS outbox_events = ROW_COUNT;

    PERFORM audit(NULL, NULL, 'retention.purge', NULL, NULL, p_request, p_client,
                  jsonb_build_object('retention_days', p_days, 'cases', cases,
                                     'consents', consents, 'referrals', referrals,
                                     'events', events, 'archived', archived,
                                     'idempotency_keys', idempotency_keys,
                                     'login_failures', login_failures,
                                     'link_failures', link_failures,
                                     'outbox_events', outbox_events));
END $$;
