-- The statements of server/api/case_export.c. The erasure is case_erase of
-- schema/functions/case_export.sql.

-- name: case_export
-- params: actor, id
-- Everything about the actor's node's case (no row when it is not the node's), the read
-- audited as case.export.
WITH c AS (SELECT * FROM client_case WHERE id = $5 AND owner_node_id = $2::uuid),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'case.export', 'client_case', c.id, $3, $4 FROM c)
SELECT case_export_json(c, $2::uuid)::text AS body FROM c;

-- name: case_erase
-- params: actor, id
SELECT * FROM case_erase($1, $2, $3, $4, $5);
