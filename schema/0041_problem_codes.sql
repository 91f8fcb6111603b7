-- Problems raised by the case functions of 0011 carry a code beside their field (the
-- five-argument problem() of 0040), so that clients word each one in their user's language:
-- (validation, given_on) alone does not say whether the date is in the future or malformed.
-- The functions are as in 0011 but for the codes.

-- Open a case for the actor's node, which must be an active member of the target group's network.
CREATE OR REPLACE FUNCTION case_create(p_account uuid, p_node uuid, p_request text, p_client text,
                            p_reference text, p_target_group uuid, p_district text,
                            OUT body text, OUT version integer)
LANGUAGE plpgsql AS $$
DECLARE
    t target_group;
    c client_case;
BEGIN
    SELECT * INTO t FROM target_group WHERE id = p_target_group;
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'There is no such target group.', 'target_group_id',
                        'not_found');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM network_member m JOIN node n ON n.id = m.node_id
                    WHERE m.network_id = t.network_id AND m.node_id = p_node AND m.active
                      AND n.active) THEN
        PERFORM problem(422, 'not-a-member',
                        'Your node is not an active member of the target group''s network.',
                        'target_group_id');
    END IF;
    INSERT INTO client_case (network_id, owner_node_id, reference, target_group_id, district,
                             created_by)
    VALUES (t.network_id, p_node, p_reference, p_target_group, p_district, p_account)
    RETURNING * INTO c;
    PERFORM audit(p_account, p_node, 'case.create', 'client_case', c.id, p_request, p_client);
    body := case_json(c, p_node)::text;
    version := c.version;
END $$;

-- Record a consent on the actor's open case. Answers 'ok' or 'not_found'.
CREATE OR REPLACE FUNCTION consent_create(p_account uuid, p_node uuid, p_request text, p_client text,
                               p_case uuid, p_scope text, p_recipient uuid, p_purpose text,
                               p_given date, p_expires date, p_evidence text,
                               OUT outcome text, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    k consent;
BEGIN
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF c.status <> 'open' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed.');
    END IF;
    IF p_recipient IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM network_member m WHERE m.network_id = c.network_id
               AND m.node_id = p_recipient AND m.active) THEN
        PERFORM problem(422, 'not-a-member',
                        'The recipient is not an active member of the case''s network.',
                        'recipient_node_id');
    END IF;
    IF p_given > current_date THEN
        PERFORM problem(422, 'validation', 'A consent cannot be given in the future.', 'given_on',
                        'future');
    END IF;
    INSERT INTO consent (case_id, scope, recipient_node_id, purpose, given_on, expires_on,
                         evidence, recorded_by)
    VALUES (p_case, p_scope, p_recipient, p_purpose, p_given, p_expires, p_evidence, p_account)
    RETURNING * INTO k;
    PERFORM audit(p_account, p_node, 'consent.create', 'consent', k.id, p_request, p_client,
                  jsonb_build_object('case_id', p_case, 'scope', p_scope,
                                     'recipient_node_id', p_recipient));
    outcome := 'ok';
    body := consent_json(k)::text;
END $$;

-- Enrol the actor's case in a chain: pin the chain's current published version.
CREATE OR REPLACE FUNCTION case_enrol(p_account uuid, p_node uuid, p_request text, p_client text,
                           p_case uuid, p_chain uuid, OUT outcome text, OUT body text,
                           OUT version integer)
LANGUAGE plpgsql AS $$
DECLARE
    c client_case;
    ch chain;
    v chain_version;
BEGIN
    SELECT * INTO c FROM client_case WHERE id = p_case AND owner_node_id = p_node FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF c.status <> 'open' THEN
        PERFORM problem(409, 'case-closed', 'The case is closed.');
    END IF;
    SELECT * INTO ch FROM chain WHERE id = p_chain AND network_id = c.network_id;
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'The case''s network has no such chain.', 'chain_id',
                        'not_found');
    END IF;
    IF ch.target_group_id <> c.target_group_id THEN
        PERFORM problem(422, 'validation', 'The chain is for another target group.', 'chain_id',
                        'other_target_group');
    END IF;
    SELECT * INTO v FROM chain_version WHERE chain_id = p_chain AND status = 'published';
    IF NOT FOUND THEN
        PERFORM problem(422, 'validation', 'The chain has no published version.', 'chain_id',
                        'not_published');
    END IF;
    UPDATE client_case SET chain_version_id = v.id, enrolled_at = now(),
                           version = client_case.version + 1, updated_at = now()
     WHERE id = p_case
    RETURNING * INTO c;
    PERFORM audit(p_account, p_node, 'case.enrol', 'client_case', c.id, p_request, p_client,
                  jsonb_build_object('chain_id', p_chain, 'chain_version', v.number));
    outcome := 'ok';
    body := case_json(c, p_node)::text;
    version := c.version;
END $$;
