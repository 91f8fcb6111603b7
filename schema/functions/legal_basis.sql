-- Legal bases and purposes (server/api/legal_basis.c; docs/data-model.md, "Legal basis"):
-- the lists, and the rules on them that consents and referrals share.

CREATE FUNCTION legal_basis_json(b legal_basis) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('code', b.code, 'kind', b.kind, 'paragraph', b.paragraph,
                             'label_de', b.label_de, 'label_en', b.label_en);
$$;

CREATE FUNCTION legal_purpose_json(p legal_purpose) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('code', p.code, 'label_de', p.label_de, 'label_en', p.label_en);
$$;

-- Whether node p_node is a youth welfare office: data entrusted to it for personal and
-- educational help moves only with consent (§ 65 Abs. 1 SGB VIII).
CREATE FUNCTION node_is_youth_welfare(p_node uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM node WHERE id = p_node AND kind = 'youth_welfare_office');
END $$;

-- The consent basis a node records when it names none: § 65 SGB VIII in youth welfare,
-- § 67b SGB X elsewhere.
CREATE FUNCTION legal_basis_consent_default(p_node uuid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN node_is_youth_welfare(p_node) THEN 'sgbviii_65_1_1' ELSE 'sgbx_67b' END;
$$;

-- A consent's basis must be of kind consent, and its purpose from the list (422 otherwise).
CREATE FUNCTION legal_basis_check_consent(p_basis text, p_purpose text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_basis IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM legal_basis WHERE code = p_basis AND kind = 'consent') THEN
            PERFORM problem(422, 'validation',
                            'Not a legal basis of consent (GET /v1/legal-bases, kind consent).',
                            'legal_basis', 'not_in_list');
        END IF;
    END IF;
    IF p_purpose IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM legal_purpose WHERE code = p_purpose) THEN
            PERFORM problem(422, 'validation',
                            'Not a purpose of the list (GET /v1/legal-purposes).',
                            'purpose_code', 'not_in_list');
        END IF;
    END IF;
END $$;

-- Whether the basis a referral's data went on still holds, so that its receiver may read
-- its note and messages: a statutory basis holds; a consent basis while an active consent
-- covers the receiver (consent_covering). A row source (one row) so that a list joins it
-- LATERAL and PostgreSQL inlines it into the list's statement (referral_view), set-based,
-- instead of calling a function per listed row.
CREATE FUNCTION referral_basis(r referral) RETURNS TABLE (holds boolean)
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM legal_basis b
                    WHERE b.code = r.legal_basis AND b.kind = 'statutory')
        OR EXISTS (SELECT 1 FROM consent_covering(r.case_id, r.to_node_id));
$$;

-- The same for one referral at a time (messages, timeline entries, a case's referrals).
-- PL/pgSQL for the plan cache, as consent_covers.
CREATE FUNCTION referral_basis_holds(r referral) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT b.holds FROM referral_basis(r) b);
END $$;

-- The basis a new referral of case c (owned by p_node) to p_to goes on, as (legal_basis,
-- consent_id): with p_basis NULL or of kind consent, a covering active consent (on that basis
-- when named) or 422 consent-required; with a statutory basis no consent, except for a case
-- of a youth welfare office (§ 65 SGB VIII: 422 consent-required).
CREATE FUNCTION referral_basis_choose(c client_case, p_to uuid, p_basis text,
                                      OUT legal_basis text, OUT consent_id uuid)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    b legal_basis;
    k consent;
BEGIN
    IF p_basis IS NOT NULL THEN
        SELECT * INTO b FROM legal_basis x WHERE x.code = p_basis;
        IF NOT FOUND THEN
            PERFORM problem(422, 'validation', 'Not a legal basis of the list '
                            '(GET /v1/legal-bases).', 'legal_basis', 'not_in_list');
        END IF;
    END IF;
    IF b.kind = 'statutory' THEN
        IF node_is_youth_welfare(c.owner_node_id) THEN
            PERFORM problem(422, 'consent-required',
                            'Data entrusted to youth welfare moves only with consent '
                            '(§ 65 Abs. 1 SGB VIII): record the client''s consent first.',
                            'legal_basis', 'youth_welfare');
        END IF;
        legal_basis := b.code;
        RETURN;
    END IF;
    SELECT * INTO k FROM consent_covering(c.id, p_to) x
     WHERE p_basis IS NULL OR x.legal_basis = p_basis
     ORDER BY x.created_at DESC, x.id LIMIT 1;
    IF NOT FOUND THEN
        PERFORM problem(422, 'consent-required',
                        'No active consent of the client covers this receiver'
                        || CASE WHEN p_basis IS NULL THEN '.' ELSE ' on this basis.' END,
                        'to_node_id');
    END IF;
    legal_basis := k.legal_basis;
    consent_id := k.id;
END $$;
