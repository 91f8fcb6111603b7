-- Services (Angebote) of nodes (server/api/services.c).

-- Service s with a short summary of its node n, so that a directory list needs no second
-- request per item.
CREATE FUNCTION service_json(s service, n node) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', s.id, 'node_id', s.node_id, 'category', s.category, 'name', s.name,
        'description', s.description, 'target_group_ids', s.target_group_ids,
        'eligibility', s.eligibility, 'capacity_total', s.capacity_total,
        'capacity_free', s.capacity_free, 'wait_days', s.wait_days, 'district', s.district,
        'place', s.place, 'schedule', s.schedule, 'status', s.status,
        'funding_source_id', s.funding_source_id, 'version', s.version,
        'created_at', s.created_at, 'updated_at', s.updated_at,
        'node', json_build_object('id', n.id, 'name', n.name, 'district', n.district));
$$;

-- What a write of a service of node p_node names that the database must check, as the
-- array of {field, code, message} problems (empty when there are none): the category must be
-- in the taxonomy, and every target group must belong to a network the node is an active
-- member of, and the funding source one of such a network. p_body is the request's JSON; a field
-- is checked only when it names it.
CREATE FUNCTION service_reference_problems(p_body jsonb, p_node uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(e.item ORDER BY e.k), '[]') FROM (
        SELECT 0::bigint AS k, jsonb_build_object(
                   'field', 'category', 'code', 'not_found',
                   'message', 'is not a service category (see GET /v1/taxonomy)') AS item
         WHERE p_body ? 'category'
           AND NOT EXISTS (SELECT 1 FROM taxonomy x WHERE x.code = p_body->>'category')
        UNION ALL
        SELECT t.k, jsonb_build_object(
                   'field', 'target_group_ids', 'code', 'other_network',
                   'message', 'target group ' || t.id || ' is not a target group of a network '
                              'this node is a member of')
          FROM jsonb_array_elements_text(coalesce(p_body->'target_group_ids', '[]'))
               WITH ORDINALITY t(id, k)
         WHERE NOT EXISTS (SELECT 1 FROM target_group g
                             JOIN network_member m ON m.network_id = g.network_id
                            WHERE g.id = t.id::uuid AND m.node_id = p_node AND m.active)
        UNION ALL
        -- The source that pays the service: one of a network the node is a member of.
        SELECT 1000000, jsonb_build_object(
                   'field', 'funding_source_id', 'code', 'other_network',
                   'message', 'is not a funding source of a network this node is a member of')
         WHERE p_body->>'funding_source_id' IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM funding_source f
                             JOIN network_member m ON m.network_id = f.network_id
                            WHERE f.id = (p_body->>'funding_source_id')::uuid
                              AND m.node_id = p_node AND m.active)) e;
$$;

-- A service's target groups must exist, and a target group a service still names cannot go
-- (array_fkey_check, schema/functions/shared.sql).
CREATE TRIGGER service_target_group_ids_fkey BEFORE INSERT OR UPDATE OF target_group_ids ON service
    FOR EACH ROW WHEN (cardinality(NEW.target_group_ids) > 0)
    EXECUTE FUNCTION array_fkey_check('target_group_ids', 'target_group',
                                      'service_target_group_ids_fkey', 'target group');
CREATE TRIGGER target_group_in_use BEFORE DELETE ON target_group
    FOR EACH ROW
    EXECUTE FUNCTION array_fkey_refuse_delete('service', 'target_group_ids',
                                              'service_target_group_ids_fkey',
                                              'target group', 'a service');
