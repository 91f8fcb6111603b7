-- Organizations (Träger) and nodes (Dienststellen) as the API shows them
-- (server/api/organizations.c, nodes.c, registry.c): address, contact and geo are objects in
-- the API and plain columns in the tables.

CREATE FUNCTION registry_address_json(p_street text, p_postal_code text, p_city text)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('street', p_street, 'postal_code', p_postal_code, 'city', p_city);
$$;

CREATE FUNCTION registry_contact_json(p_phone text, p_email text, p_url text)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('phone', p_phone, 'email', p_email, 'url', p_url);
$$;

CREATE FUNCTION organization_json(o organization) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', o.id, 'name', o.name, 'kind', o.kind,
        'contact', registry_contact_json(o.phone, o.email, o.url),
        'address', registry_address_json(o.street, o.postal_code, o.city),
        'version', o.version, 'created_at', o.created_at, 'updated_at', o.updated_at);
$$;

-- Whether the caller (p_role, p_networks: the networks a coordinator coordinates) may change
-- organization o: admins, and the coordinators of a network where one of its nodes is an
-- active member.
CREATE FUNCTION organization_may_edit(o organization, p_role text, p_networks uuid[])
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT p_role = 'admin'
        OR (p_role = 'coordinator' AND EXISTS (
                SELECT 1 FROM node n JOIN network_member m ON m.node_id = n.id
                 WHERE n.organization_id = o.id AND m.active
                   AND m.network_id = ANY (p_networks)));
$$;

-- A node as lists show it.
CREATE FUNCTION node_json(n node) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', n.id, 'organization_id', n.organization_id, 'name', n.name, 'kind', n.kind,
        'district', n.district,
        'address', registry_address_json(n.street, n.postal_code, n.city),
        'geo', CASE WHEN n.geo_lat IS NOT NULL
                    THEN json_build_object('lat', n.geo_lat, 'lon', n.geo_lon) END,
        'contact', registry_contact_json(n.phone, n.email, n.url),
        'languages', n.languages, 'accessibility', n.accessibility, 'active', n.active,
        'version', n.version, 'created_at', n.created_at, 'updated_at', n.updated_at);
$$;

-- A node with the networks it belongs to, as GET /v1/nodes/{id} shows it.
CREATE FUNCTION node_detail_json(n node) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (node_json(n)::jsonb || jsonb_build_object(
        'memberships', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                   'network_id', m.network_id, 'role', m.role,
                                   'active', m.active) ORDER BY m.network_id), '[]')
                          FROM network_member m WHERE m.node_id = n.id)))::json;
END $$;

-- Whether the caller (p_role, p_node: a caseworker's node, p_networks: a coordinator's
-- networks) may change node n: admins, the node's own caseworkers, and the coordinators of a
-- network it is an active member of.
CREATE FUNCTION node_may_edit(n node, p_role text, p_node uuid, p_networks uuid[])
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT p_role = 'admin'
        OR (p_role = 'caseworker' AND n.id = p_node)
        OR (p_role = 'coordinator' AND EXISTS (
                SELECT 1 FROM network_member m
                 WHERE m.node_id = n.id AND m.active AND m.network_id = ANY (p_networks)));
$$;
