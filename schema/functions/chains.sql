-- Service chains (Dienstleistungsketten) of a network (server/api/chains.c): who may see
-- them, and how a chain looks in the API. Their versions are in chain_versions.sql.

-- How the caller stands to the chains of a network: 'coordinator' (admins, and coordinators
-- of that network: edit and publish, see drafts), 'member' (caseworkers of an active member
-- node: read chains and published or retired versions), or NULL (nothing is visible).
-- Auditors and everyone else get NULL: chains are the network's business.
CREATE FUNCTION chain_access(p_network uuid, p_admin boolean, p_networks uuid[], p_node uuid)
RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF coalesce(p_admin, false) OR p_network = ANY (coalesce(p_networks, '{}')) THEN
        RETURN 'coordinator';
    END IF;
    IF p_node IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM network_member m JOIN node n ON n.id = m.node_id
                    WHERE m.network_id = p_network AND m.node_id = p_node AND m.active
                      AND n.active) THEN
            RETURN 'member';
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- A chain as the API shows it; draft_version only for those who may see drafts.
CREATE FUNCTION chain_json(c chain, p_show_draft boolean) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', c.id, 'network_id', c.network_id, 'target_group_id', c.target_group_id,
        'name', c.name, 'description', c.description,
        'current_version', (SELECT v.number FROM chain_version v
                             WHERE v.chain_id = c.id AND v.status = 'published'),
        'draft_version', CASE WHEN p_show_draft THEN
                             (SELECT v.number FROM chain_version v
                               WHERE v.chain_id = c.id AND v.status = 'draft') END,
        'version', c.version, 'created_at', c.created_at, 'updated_at', c.updated_at);
END $$;

-- The target group must be one of the chain's network (target groups never change network,
-- see target_group_network_id_fixed, so checking the chain row is enough).
CREATE FUNCTION chain_check_target_group_network() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    group_network uuid;
BEGIN
    SELECT g.network_id INTO group_network FROM target_group g WHERE g.id = NEW.target_group_id;
    IF FOUND AND group_network <> NEW.network_id THEN
        RAISE EXCEPTION 'target group % belongs to another network', NEW.target_group_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'chain_target_group_id_network',
                  TABLE = 'chain', COLUMN = 'target_group_id';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chain_target_group_id_network BEFORE INSERT OR UPDATE OF network_id, target_group_id
    ON chain FOR EACH ROW EXECUTE FUNCTION chain_check_target_group_network();
