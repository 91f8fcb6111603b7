-- Contracts (Kontingente) and funding sources (server/api/contracts.c, funding.c;
-- docs/data-model.md, "Contracts and funding").
--
-- A referral to a service takes a place from the contract of its period (and funder, where the
-- referral names one) when it is accepted (referral_move calls contract_take). Whether it
-- still holds the place is read from its stamps, not from a list of statuses: a referral
-- holds its place from acceptance on, unless it closed before it started (a withdrawal or a
-- drop-out before the start gives the place back; a decline never took one). Two acceptances
-- for the last place of a hard contract serialize on the contract's row lock, and the second
-- finds the place taken.

-- The first day after the contract's period.
CREATE FUNCTION contract_period_end(c service_contract) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT (c.period_start + CASE c.period WHEN 'year' THEN interval '1 year'
                                           ELSE interval '3 months' END)::date;
$$;

-- Whether referral x holds a place of its contract (see above).
CREATE FUNCTION referral_holds_place(x referral) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT x.contract_id IS NOT NULL AND x.accepted_at IS NOT NULL
           AND (x.closed_at IS NULL OR x.started_at IS NOT NULL);
$$;

-- The places of contract p_contract held now, not counting referral p_except.
CREATE FUNCTION contract_taken(p_contract uuid, p_except uuid DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT count(*)::integer FROM referral x
         WHERE x.contract_id = p_contract AND referral_holds_place(x)
           AND x.id IS DISTINCT FROM p_except);
END $$;

-- The contract a referral of network p_network to service p_service (paid by p_funding, when
-- named) takes its place from on day p_on: the one whose period covers the day, of that
-- funder or of none (places for any funder, as contract_waiting counts them); the named
-- funder's before one without, a quarter's before a year's.
CREATE FUNCTION contract_for(p_network uuid, p_service uuid, p_funding uuid, p_on date)
RETURNS service_contract LANGUAGE sql STABLE AS $$
    SELECT c.* FROM service_contract c
     WHERE c.network_id = p_network AND c.service_id = p_service
       AND p_on >= c.period_start AND p_on < contract_period_end(c)
       AND (p_funding IS NULL OR c.funding_source_id IS NULL
            OR c.funding_source_id = p_funding)
     ORDER BY coalesce(c.funding_source_id = p_funding, false) DESC,
              (c.period = 'quarter') DESC, c.created_at, c.id
     LIMIT 1;
$$;

-- The referrals to the contract's service still waiting for an answer (open, not accepted)
-- in its network and, when it names a funder, paid by it: pseudonymous metadata only.
CREATE FUNCTION contract_waiting(c service_contract) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT coalesce(json_agg(json_build_object(
                   'id', x.id, 'status', x.status, 'from_node_id', x.from_node_id,
                   'created_at', x.created_at, 'due_at', x.due_at)
                   ORDER BY x.created_at, x.id), '[]')
          FROM referral x
         WHERE x.service_id = c.service_id AND x.network_id = c.network_id
           AND x.closed_at IS NULL AND x.accepted_at IS NULL
           AND (c.funding_source_id IS NULL OR x.funding_source_id = c.funding_source_id));
END $$;

CREATE FUNCTION contract_json(c service_contract) RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    taken integer := contract_taken(c.id);
BEGIN
    RETURN json_build_object(
        'id', c.id, 'network_id', c.network_id, 'service_id', c.service_id,
        'funding_source_id', c.funding_source_id, 'period', c.period,
        'period_start', c.period_start, 'period_end', contract_period_end(c) - 1,
        'places', c.places, 'price_per_place', c.price_per_place, 'limit', c.limit_kind,
        'places_taken', taken, 'places_free', greatest(c.places - taken, 0),
        'exhausted', taken >= c.places, 'version', c.version,
        'created_at', c.created_at, 'updated_at', c.updated_at);
END $$;

-- The contract's row in the coordinator's use view: the contract, its service and node, its
-- funder, and the referrals still waiting.
CREATE FUNCTION contract_use_json(c service_contract) RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    contract jsonb := contract_json(c)::jsonb;
    waiting json := contract_waiting(c);
BEGIN
    RETURN (SELECT (contract || jsonb_build_object(
                   'service_name', s.name, 'node_id', n.id, 'node_name', n.name,
                   'funding_source_code', f.code, 'funding_source_name', f.name,
                   -- the places counted once, by contract_json
                   'places_over', greatest((contract->>'places_taken')::int - c.places, 0),
                   'waiting', waiting, 'waiting_count', json_array_length(waiting)))::json
          FROM service s JOIN node n ON n.id = s.node_id
          LEFT JOIN funding_source f ON f.id = c.funding_source_id
         WHERE s.id = c.service_id);
END $$;

-- Take a place for referral r, being accepted now, from its contract (none: NULL). The
-- contract row is locked, so that acceptances for its places take turns; a hard contract
-- whose places are all held refuses with 409 contract-exhausted.
CREATE FUNCTION contract_take(r referral) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    c service_contract;
    taken integer;
BEGIN
    IF r.service_id IS NULL THEN
        RETURN NULL;
    END IF;
    c := contract_for(r.network_id, r.service_id, r.funding_source_id, current_date);
    IF c.id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO c FROM service_contract WHERE id = c.id FOR UPDATE;
    -- After the wait for the lock: a new snapshot sees the acceptance that held it.
    taken := contract_taken(c.id, r.id);
    IF taken >= c.places AND c.limit_kind = 'hard' THEN
        PERFORM problem(409, 'contract-exhausted',
                        format('Kontingent erschöpft: all %s places of the contract for this '
                               'service in this period are taken.', c.places));
    END IF;
    RETURN c.id;
END $$;

-- What a sender is told before a referral to service p_service goes out: nothing when the
-- contract of today has free places (or there is none); 409 contract-exhausted for a hard
-- contract whose places are all taken; a warning (answered with the referral) for a soft one.
CREATE FUNCTION contract_check_send(p_network uuid, p_service uuid, p_funding uuid)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    c service_contract;
    taken integer;
BEGIN
    IF p_service IS NULL THEN
        RETURN '[]';
    END IF;
    c := contract_for(p_network, p_service, p_funding, current_date);
    IF c.id IS NULL THEN
        RETURN '[]';
    END IF;
    taken := contract_taken(c.id);
    IF taken < c.places THEN
        RETURN '[]';
    END IF;
    IF c.limit_kind = 'hard' THEN
        PERFORM problem(409, 'contract-exhausted',
                        format('Kontingent erschöpft: all %s places of the contract for this '
                               'service in this period are taken; it takes no more.',
                               c.places));
    END IF;
    RETURN jsonb_build_array(jsonb_build_object(
        'type', 'contract-exhausted', 'contract_id', c.id, 'places', c.places,
        'places_taken', taken,
        'message', format('Kontingent erschöpft: all %s places of the contract are taken '
                          '(a soft limit: the receiver may still accept).', c.places)));
END $$;

CREATE FUNCTION funding_source_json(f funding_source) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', f.id, 'network_id', f.network_id, 'code', f.code,
                             'name', f.name, 'active', f.active, 'version', f.version,
                             'created_at', f.created_at, 'updated_at', f.updated_at);
$$;

-- The source that pays a new referral of case c to service p_service: the one the sender
-- names (an active source of the case's network: 422 otherwise), else the service's own when
-- it is one of the case's network's, else none.
CREATE FUNCTION funding_choose(c client_case, p_service uuid, p_funding uuid) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_funding IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM funding_source f WHERE f.id = p_funding
                          AND f.network_id = c.network_id AND f.active) THEN
            PERFORM problem(422, 'validation',
                            'Not an active funding source of the case''s network.',
                            'funding_source_id', 'not_found');
        END IF;
        RETURN p_funding;
    END IF;
    IF p_service IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT f.id FROM service s JOIN funding_source f ON f.id = s.funding_source_id
             WHERE s.id = p_service AND f.network_id = c.network_id AND f.active);
END $$;

-- The double-funding check: case c has an open referral to a service of the same category as
-- p_service paid from another source than p_funding. Refused with 409 double-funding unless
-- the sender confirms it with a reason (p_reason), which the referral keeps.
CREATE FUNCTION funding_check_double(c client_case, p_service uuid, p_funding uuid,
                                     p_reason text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    other referral;
BEGIN
    IF p_service IS NULL OR p_funding IS NULL OR p_reason IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT x.* INTO other FROM referral x
      JOIN service s ON s.id = x.service_id
      JOIN service mine ON mine.id = p_service AND mine.category = s.category
     WHERE x.case_id = c.id AND x.closed_at IS NULL
       AND x.funding_source_id IS NOT NULL AND x.funding_source_id <> p_funding
     LIMIT 1;
    IF FOUND THEN
        PERFORM problem(409, 'double-funding',
                        format('The case has an open referral (%s) to a service of the same '
                               'category paid from another source. Send it anyway only with a '
                               'reason (double_funding_reason).', other.id));
    END IF;
END $$;

-- Create a contract of service p_service in network (p_body) for a coordinator of it: the
-- service's node is an active member, the funder a source of the network.
CREATE FUNCTION contract_create(p_account uuid, p_node uuid, p_request text, p_client text,
                                p_service uuid, p_body jsonb, p_admin boolean,
                                p_networks uuid[], OUT outcome text, OUT body text,
                                OUT version integer, OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    s service;
    k service_contract;
    v_network uuid := (p_body->>'network_id')::uuid;
    v_funding uuid := (p_body->>'funding_source_id')::uuid;
BEGIN
    SELECT * INTO s FROM service WHERE id = p_service;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF NOT network_coordinated(v_network, p_admin, p_networks) THEN
        PERFORM problem(403, 'forbidden',
                        'Only admins and the coordinators of this network make its contracts.');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM network_member m WHERE m.network_id = v_network
                      AND m.node_id = s.node_id AND m.active) THEN
        PERFORM problem(422, 'not-a-member',
                        'The service''s node is not an active member of this network.',
                        'network_id');
    END IF;
    IF v_funding IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM funding_source f WHERE f.id = v_funding AND f.network_id = v_network)
    THEN
        PERFORM problem(422, 'validation', 'Not a funding source of this network.',
                        'funding_source_id', 'not_found');
    END IF;
    INSERT INTO service_contract (network_id, service_id, funding_source_id, period,
                                  period_start, places, price_per_place, limit_kind, created_by)
    VALUES (v_network, p_service, v_funding, p_body->>'period',
            (p_body->>'period_start')::date, (p_body->>'places')::integer,
            (p_body->>'price_per_place')::numeric, coalesce(p_body->>'limit', 'hard'),
            p_account)
    RETURNING * INTO k;
    PERFORM audit(p_account, p_node, 'contract.create', 'service_contract', k.id, p_request,
                  p_client, jsonb_build_object('service_id', p_service, 'network_id', v_network,
                                               'places', k.places, 'limit', k.limit_kind));
    outcome := 'created';
    body := contract_json(k)::text;
    version := k.version;
    location := '/v1/contracts/' || k.id;
END $$;

-- Change a contract's places, price or limit (a coordinator of its network, If-Match).
CREATE FUNCTION contract_update(p_account uuid, p_node uuid, p_request text, p_client text,
                                p_id uuid, p_expected integer, p_patch jsonb, p_admin boolean,
                                p_networks uuid[], OUT outcome text, OUT body text,
                                OUT version integer, OUT location text)
LANGUAGE plpgsql AS $$
DECLARE
    k service_contract;
BEGIN
    SELECT * INTO k FROM service_contract WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF NOT network_coordinated(k.network_id, p_admin, p_networks) THEN
        PERFORM problem(403, 'forbidden',
                        'Only admins and the coordinators of this network change its contracts.');
    END IF;
    IF p_expected IS NOT NULL AND k.version <> p_expected THEN
        PERFORM stale('contract', k.version);
    END IF;
    UPDATE service_contract x SET
        places = CASE WHEN p_patch ? 'places' THEN (p_patch->>'places')::integer ELSE x.places END,
        price_per_place = CASE WHEN p_patch ? 'price_per_place'
                               THEN (p_patch->>'price_per_place')::numeric
                               ELSE x.price_per_place END,
        limit_kind = CASE WHEN p_patch ? 'limit' THEN p_patch->>'limit' ELSE x.limit_kind END,
        version = x.version + 1, updated_at = now()
     WHERE x.id = p_id
    RETURNING * INTO k;
    PERFORM audit(p_account, p_node, 'contract.update', 'service_contract', k.id, p_request,
                  p_client, jsonb_build_object('fields', (SELECT jsonb_agg(f)
                                                            FROM jsonb_object_keys(p_patch) f)));
    outcome := 'ok';
    body := contract_json(k)::text;
    version := k.version;
END $$;
