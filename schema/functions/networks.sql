-- Networks (Produktionsnetzwerke), their members and target groups (server/api/networks.c).

-- A network with the number of its active members and of its target groups.
CREATE FUNCTION network_json(w network) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN json_build_object(
        'id', w.id, 'name', w.name, 'locality', w.locality, 'description', w.description,
        'default_days_to_accept', w.default_days_to_accept,
        'counts', json_build_object(
            'members', (SELECT count(*) FROM network_member m
                         WHERE m.network_id = w.id AND m.active),
            'target_groups', (SELECT count(*) FROM target_group g WHERE g.network_id = w.id)),
        'version', w.version, 'created_at', w.created_at, 'updated_at', w.updated_at);
END $$;

-- A membership with a summary of its node.
CREATE FUNCTION member_json(m network_member, n node) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'network_id', m.network_id, 'node_id', m.node_id,
        'node', json_build_object('id', n.id, 'name', n.name, 'kind', n.kind,
                                  'district', n.district),
        'role', m.role, 'joined_on', m.joined_on, 'agreement_signed_on', m.agreement_signed_on,
        'days_to_accept', m.days_to_accept, 'active', m.active, 'version', m.version,
        'created_at', m.created_at, 'updated_at', m.updated_at);
$$;

CREATE FUNCTION target_group_json(g target_group) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', g.id, 'network_id', g.network_id, 'code', g.code, 'name', g.name,
        'criteria', g.criteria, 'version', g.version, 'created_at', g.created_at,
        'updated_at', g.updated_at);
$$;

-- Whether the caller (p_admin; p_networks: the networks a coordinator coordinates) may change
-- what belongs to network p_network.
CREATE FUNCTION network_coordinated(p_network uuid, p_admin boolean, p_networks uuid[])
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT p_admin OR p_network = ANY (p_networks);
$$;

-- Refuse a write to what belongs to a network the caller does not coordinate (403), or at
-- another version than the one it read (412, what says what changed).
CREATE FUNCTION network_refuse(p_coordinated boolean, p_what text, p_version integer)
RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN p_coordinated THEN stale(p_what, p_version)
                ELSE problem(403, 'forbidden', 'Only admins and the coordinators of this '
                                               'network may change it.') END;
$$;

-- A target group stays in the network it was defined for (chains and services rely on it).
CREATE FUNCTION target_group_keep_network() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a target group cannot move to another network'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'target_group_network_id_fixed',
              TABLE = 'target_group', COLUMN = 'network_id';
END $$;
CREATE TRIGGER target_group_network_id_fixed BEFORE UPDATE OF network_id ON target_group
    FOR EACH ROW WHEN (NEW.network_id IS DISTINCT FROM OLD.network_id)
    EXECUTE FUNCTION target_group_keep_network();

-- Inactive nodes cannot become (or be made active) members. The node row is share-locked so
-- that a concurrent deactivation waits for this transaction.
CREATE FUNCTION network_member_check_node_active() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    node_active boolean;
BEGIN
    SELECT n.active INTO node_active FROM node n WHERE n.id = NEW.node_id FOR SHARE;
    IF FOUND AND NOT node_active THEN
        RAISE EXCEPTION 'node % is inactive and cannot be an active network member', NEW.node_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'network_member_node_id_active',
                  TABLE = 'network_member', COLUMN = 'node_id';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER network_member_node_id_active BEFORE INSERT OR UPDATE OF node_id, active
    ON network_member
    FOR EACH ROW WHEN (NEW.active)
    EXECUTE FUNCTION network_member_check_node_active();
