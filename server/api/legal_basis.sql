-- The statements of server/api/legal_basis.c.

-- name: legal_basis_list
-- params: none
-- The legal bases in their order, as one list (it is short).
SELECT json_build_object('items', coalesce(json_agg(legal_basis_json(b)
                                                    ORDER BY b.sort_order, b.code), '[]'))::text
           AS body
  FROM legal_basis b;

-- name: legal_purpose_list
-- params: none
-- The purposes in their order, as one list.
SELECT json_build_object('items', coalesce(json_agg(legal_purpose_json(p)
                                                    ORDER BY p.sort_order, p.code), '[]'))::text
           AS body
  FROM legal_purpose p;
