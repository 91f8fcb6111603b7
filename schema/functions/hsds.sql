-- The directory as Open Referral HSDS 3.0 (server/api/hsds.c; docs/hsds.md holds the
-- mapping; `pnetd hsds-import` reads the same shape back). Everything HSDS wants an id for
-- that pnet keeps no row of (addresses, phones, schedules, attributes, taxonomy terms,
-- service_at_location) gets a deterministic UUID made from the owning row's id, so that
-- exporting twice gives the same document.

-- A deterministic UUID from a text key (the md5 of it, read as a UUID).
CREATE FUNCTION hsds_uuid(p_key text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT md5('pnet-hsds:' || p_key)::uuid;
$$;

-- A one-item array when p_item is given, else an empty one.
CREATE FUNCTION hsds_maybe(p_item jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_item IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(p_item) END;
$$;

-- An HSDS attribute tying entity p_id (link_entity p_entity) to the term p_code of the pnet
-- vocabulary p_vocab, with the term's name and description and an optional value.
CREATE FUNCTION hsds_attribute(p_entity text, p_id uuid, p_vocab text, p_code text,
                               p_name text, p_description text, p_value text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'id', hsds_uuid('attribute:' || p_vocab || ':' || p_id::text),
        'link_id', p_id, 'link_entity', p_entity, 'link_type', 'pnet',
        'taxonomy_term_id', hsds_uuid('taxonomy_term:' || p_vocab || ':' || p_code),
        'value', p_value,
        'taxonomy_term', jsonb_build_object(
            'id', hsds_uuid('taxonomy_term:' || p_vocab || ':' || p_code), 'code', p_code,
            'name', p_name, 'description', p_description, 'taxonomy', p_vocab));
$$;

-- An HSDS address (all its required fields) of a street, postal code and city, or NULL when
-- all three are missing.
CREATE FUNCTION hsds_address(p_street text, p_postal_code text, p_city text, p_type text,
                             p_id_key text, p_location uuid)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN coalesce(p_street, p_postal_code, p_city) IS NOT NULL THEN
        jsonb_build_object(
            'id', hsds_uuid(p_id_key), 'location_id', p_location,
            'address_1', coalesce(p_street, ''), 'city', coalesce(p_city, ''),
            'state_province', '', 'postal_code', coalesce(p_postal_code, ''), 'country', 'DE',
            'address_type', p_type) END;
$$;

-- Organization o as an HSDS organization.
CREATE FUNCTION hsds_organization(o organization) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'id', o.id, 'name', o.name, 'description', o.name, 'email', o.email,
        'website', o.url,
        'phones', hsds_maybe(CASE WHEN o.phone IS NOT NULL THEN jsonb_build_object(
                      'id', hsds_uuid('phone:' || o.id::text), 'organization_id', o.id,
                      'number', o.phone) END),
        'locations', hsds_maybe(CASE WHEN coalesce(o.street, o.postal_code, o.city) IS NOT NULL
                                THEN jsonb_build_object(
                      'id', hsds_uuid('location:' || o.id::text), 'location_type', 'postal',
                      'organization_id', o.id, 'name', o.name,
                      'addresses', jsonb_build_array(hsds_address(
                          o.street, o.postal_code, o.city, 'postal', 'address:' || o.id::text,
                          hsds_uuid('location:' || o.id::text)))) END),
        'attributes', jsonb_build_array(hsds_attribute(
                          'organization', o.id, 'pnet-organization-kind', o.kind, o.kind,
                          'pnet organization kind ' || o.kind, NULL))));
$$;

-- Node n as an HSDS location.
CREATE FUNCTION hsds_location(n node) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'id', n.id, 'location_type', 'physical', 'organization_id', n.organization_id,
        'name', n.name, 'url', n.url, 'latitude', n.geo_lat, 'longitude', n.geo_lon,
        'addresses', hsds_maybe(hsds_address(n.street, n.postal_code, n.city, 'physical',
                                             'address:' || n.id::text, n.id)),
        'phones', hsds_maybe(CASE WHEN n.phone IS NOT NULL THEN jsonb_build_object(
                      'id', hsds_uuid('phone:' || n.id::text), 'location_id', n.id,
                      'number', n.phone) END),
        'contacts', hsds_maybe(CASE WHEN n.email IS NOT NULL THEN jsonb_build_object(
                        'id', hsds_uuid('contact:' || n.id::text), 'location_id', n.id,
                        'name', n.name, 'email', n.email) END),
        'languages', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                              'id', hsds_uuid('language:' || n.id::text || ':' || l.code),
                              'location_id', n.id, 'code', l.code) ORDER BY l.i), '[]')
                        FROM unnest(n.languages) WITH ORDINALITY l(code, i)),
        'accessibility', hsds_maybe(CASE WHEN n.accessibility IS NOT NULL THEN
                             jsonb_build_object(
                                 'id', hsds_uuid('accessibility:' || n.id::text),
                                 'location_id', n.id, 'description', n.accessibility) END),
        'attributes', jsonb_build_array(
                          hsds_attribute('location', n.id, 'pnet-node-kind', n.kind, n.kind,
                                         'pnet node kind ' || n.kind, NULL),
                          hsds_attribute('location', n.id, 'pnet-node-status',
                                         CASE WHEN n.active THEN 'active' ELSE 'inactive' END,
                                         CASE WHEN n.active THEN 'active' ELSE 'inactive' END,
                                         'whether the node takes part in referrals', NULL))
                      || hsds_maybe(CASE WHEN n.district IS NOT NULL THEN hsds_attribute(
                             'location', n.id, 'pnet-district', 'district', 'district',
                             'Sozialraum, Stadtteil', n.district) END)));
$$;

-- Service s (of node sn, in category st) as an HSDS service.
CREATE FUNCTION hsds_service(s service, sn node, st taxonomy) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'id', s.id, 'organization_id', sn.organization_id, 'name', s.name,
        'description', s.description, 'status', replace(s.status, '_', ' '),
        'eligibility_description', s.eligibility, 'wait_time', s.wait_days || ' days',
        'capacities', hsds_maybe(CASE WHEN s.capacity_free IS NOT NULL THEN jsonb_build_object(
                          'id', hsds_uuid('capacity:' || s.id::text), 'service_id', s.id,
                          'unit', jsonb_build_object('id', hsds_uuid('unit:places'),
                                                     'name', 'places', 'scheme', 'pnet',
                                                     'identifier', 'places'),
                          'available', s.capacity_free, 'maximum', s.capacity_total,
                          'updated', s.updated_at) END),
        -- One weekly schedule per opening or mobile hour; weekday 1 is Monday (RFC 5545).
        'schedules', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                              'id', hsds_uuid('schedule:' || s.id::text || ':' || x.i),
                              'service_id', s.id, 'freq', 'WEEKLY', 'wkst', 'MO',
                              'byday', (ARRAY['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'])
                                           [(x.e->>'weekday')::int],
                              'opens_at', x.e->>'from', 'closes_at', x.e->>'to',
                              'description', x.e->>'place',
                              'attributes', hsds_maybe(CASE WHEN x.e ? 'kind' THEN hsds_attribute(
                                  'schedule', hsds_uuid('schedule:' || s.id::text || ':' || x.i),
                                  'pnet-schedule-kind', x.e->>'kind', x.e->>'kind',
                                  'pnet schedule kind', NULL) END))
                              ORDER BY x.i), '[]')
                        FROM jsonb_array_elements(s.schedule) WITH ORDINALITY x(e, i)),
        'attributes', jsonb_build_array(hsds_attribute(
                          'service', s.id, 'pnet-service-category', s.category, st.label_en,
                          st.label_de, NULL))
                      || hsds_maybe(CASE WHEN s.district IS NOT NULL THEN hsds_attribute(
                             'service', s.id, 'pnet-district', 'district', 'district',
                             'Sozialraum, Stadtteil', s.district) END)
                      || hsds_maybe(CASE WHEN s.place IS NOT NULL THEN hsds_attribute(
                             'service', s.id, 'pnet-place', 'place', 'place',
                             'where the service takes place', s.place) END)));
$$;

-- The link of service s to its node: pnet services are at exactly one node.
CREATE FUNCTION hsds_service_at_location(s service) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', hsds_uuid('service_at_location:' || s.id::text),
                              'service_id', s.id, 'location_id', s.node_id);
$$;
