-- The statements of server/api/follow_ups.c: follow-up dates (Wiedervorlage) on the node's
-- cases (functions in schema/functions/follow_ups.sql). Reads name what they show in one
-- audit row (docs/architecture.md, "Reads of social data"): a reason is social data.

-- name: follow_up_create
-- params: actor, id, due_on, reason
SELECT * FROM follow_up_create($1, $2, $3, $4, $5, $6::date, $7);

-- name: follow_up_of_case
-- params: actor, id
-- The node's follow-ups of its case, open ones first, with one audit row for the read naming
-- them; no row when the case is not the node's.
WITH c AS (SELECT id, owner_node_id FROM client_case WHERE id = $5 AND owner_node_id = $2::uuid),
f AS (
    SELECT x AS fu, x.id, x.due_on, x.created_at, x.done_at IS NOT NULL AS done
      FROM case_follow_up x
     WHERE x.case_id IN (SELECT id FROM c) AND x.node_id = $2::uuid),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'follow_up.list', 'client_case', c.id, $3, $4,
           jsonb_build_object('ids', (SELECT coalesce(jsonb_agg(f.id ORDER BY f.done, f.due_on,
                                                                f.created_at, f.id), '[]')
                                        FROM f))
      FROM c)
SELECT (SELECT coalesce(json_agg(follow_up_json(f.fu) ORDER BY f.done, f.due_on, f.created_at,
                                                                f.id), '[]')
          FROM f)::text AS body
  FROM c;

-- name: follow_up_list
-- params: actor, whole_node, due_until, due_from, after_1, after_2, limit
-- The open follow-ups of open cases the node owns and set itself: of the actor's cases
-- (responsible, deputy, standing in) or of the whole node, between the days given (NULL: no
-- bound), soonest first, with one audit row naming those shown and their cases.
WITH page AS (
    SELECT f.id, f.case_id, f.due_on
      FROM case_follow_up f
      JOIN client_case c ON c.id = f.case_id
     WHERE f.node_id = $2::uuid AND c.owner_node_id = $2::uuid
       AND c.status = 'open' AND f.done_at IS NULL
       AND ($5::boolean OR f.case_id IN (SELECT x FROM account_case_ids($1::uuid) x))
       AND ($6::date IS NULL OR f.due_on <= $6::date)
       AND ($7::date IS NULL OR f.due_on >= $7::date)
       AND ($8::text IS NULL OR (f.due_on, f.id) > ($8::date, $9::uuid))
     ORDER BY f.due_on, f.id
     LIMIT $10::int),
shown AS (SELECT * FROM page ORDER BY due_on, id LIMIT $10::int - 1),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'follow_up.list', 'client_case', NULL::uuid, $3, $4,
           jsonb_build_object('ids', jsonb_agg(id ORDER BY due_on, id),
                              'case_ids', jsonb_agg(DISTINCT case_id))
      FROM shown
    HAVING count(*) > 0)
SELECT follow_up_json(f)::text AS body, f.due_on::text, f.id::text
  FROM page
  JOIN case_follow_up f USING (id)
 ORDER BY f.due_on, f.id;

-- name: follow_up_count
-- params: node, account
-- What of the account's cases is due today and overdue (the count in the navigation).
SELECT json_build_object(
           'today', count(*) FILTER (WHERE f.due_on = current_date),
           'overdue', count(*) FILTER (WHERE f.due_on < current_date))::text AS body
  FROM case_follow_up f
  JOIN client_case c ON c.id = f.case_id
 WHERE f.node_id = $1::uuid AND c.owner_node_id = $1::uuid
   AND c.status = 'open' AND f.done_at IS NULL
   AND f.due_on <= current_date
   AND f.case_id IN (SELECT x FROM account_case_ids($2::uuid) x);

-- name: follow_up_move
-- params: actor, id, expected_version, due_on
SELECT * FROM follow_up_move($1, $2, $3, $4, $5, $6::int, $7::date);

-- name: follow_up_close
-- params: actor, id, delete
-- Done, or (delete) taken back.
SELECT * FROM follow_up_close($1, $2, $3, $4, $5, $6::boolean);
