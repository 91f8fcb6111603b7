-- The chain check names every problem at once (docs/user-guide/chains.md): the server now asks
-- chain_graph_problems also about a graph that lib/chain.c found broken, so a provider that is
-- not a member is reported beside an unreachable step. Such a graph may hold providers that
-- are no node id: the server sends them as null, and they are left out here (lib/chain.c
-- names them). Each provider problem now carries the provider's node_id, so that clients can
-- name the node without counting positions.
CREATE OR REPLACE FUNCTION chain_graph_problems(p_network uuid, p_graph jsonb, OUT errors jsonb,
                                                OUT warnings jsonb)
LANGUAGE sql STABLE AS $$
    WITH s AS (
        SELECT x.o - 1 AS i, x.st->>'key' AS key, x.st->>'category' AS category,
               coalesce(x.st->'providers', '[]') AS providers
          FROM jsonb_array_elements(coalesce(p_graph->'steps', '[]')) WITH ORDINALITY AS x(st, o)),
    p AS (
        SELECT s.i, s.key, s.category, y.q - 1 AS j, y.pid::uuid AS node_id,
               EXISTS (SELECT 1 FROM network_member m JOIN node n ON n.id = m.node_id
                        WHERE m.network_id = p_network AND m.node_id = y.pid::uuid
                          AND m.active AND n.active) AS member
          FROM s, jsonb_array_elements_text(s.providers) WITH ORDINALITY AS y(pid, q)
         WHERE y.pid IS NOT NULL),
    e AS (
        SELECT s.i, 0 AS kind, 0 AS j, jsonb_build_object(
                   'field', format('steps[%s].category', s.i), 'step', s.key,
                   'code', 'unknown_category',
                   'message', format('Step "%s" names the category "%s", which does not exist.',
                                     s.key, s.category)) AS item
          FROM s WHERE NOT EXISTS (SELECT 1 FROM taxonomy t WHERE t.code = s.category)
        UNION ALL
        SELECT p.i, 1, p.j, jsonb_build_object(
                   'field', format('steps[%s].providers[%s]', p.i, p.j), 'step', p.key,
                   'code', 'provider_not_member', 'node_id', p.node_id,
                   'message', format('Provider %s of step "%s" is not an active member of the '
                                     'network.', p.node_id, p.key))
          FROM p WHERE NOT p.member),
    w AS (
        SELECT p.i, p.j, jsonb_build_object(
                   'field', format('steps[%s].providers[%s]', p.i, p.j), 'step', p.key,
                   'code', 'provider_without_service', 'node_id', p.node_id,
                   'message', format('Provider %s (%s) of step "%s" offers no active service in '
                                     'the category "%s".', p.node_id, n.name, p.key, p.category)) AS item
          FROM p JOIN node n ON n.id = p.node_id
         WHERE p.member AND NOT EXISTS (
                   SELECT 1 FROM service sv
                    WHERE sv.node_id = p.node_id AND sv.category = p.category
                      AND sv.status = 'active'))
    SELECT coalesce((SELECT jsonb_agg(item ORDER BY i, kind, j) FROM e), '[]'),
           coalesce((SELECT jsonb_agg(item ORDER BY i, j) FROM w), '[]')
$$;
