-- The statements of server/api/taxonomy.c.

-- name: taxonomy_list
-- params: none
-- The service categories in their sort order, as one list (it is short).
SELECT json_build_object('items', coalesce(json_agg(
           json_build_object('code', t.code, 'label_de', t.label_de, 'label_en', t.label_en)
           ORDER BY t.sort_order, t.code), '[]'))::text AS body
  FROM taxonomy t;
