-- The statements of server/api/case_team.c: the colleagues of the caller's node, a case's
-- responsible person, deputies and timeline, and the caller's absences (functions in
-- schema/functions/case_team.sql).

-- name: team_colleagues
-- params: node
-- The active caseworkers of the node, with today's absence of each.
SELECT coalesce(json_agg(json_build_object(
           'id', a.id, 'display_name', a.display_name,
           'absence', (SELECT absence_json(x) FROM account_absence x
                        WHERE x.account_id = a.id
                          AND current_date BETWEEN x.starts_on AND x.ends_on))
         ORDER BY a.display_name, a.id), '[]')::text AS body
  FROM account a
 WHERE a.role = 'caseworker' AND a.node_id = $1::uuid AND NOT a.disabled;

-- name: team_responsible_set
-- params: actor, id, expected_version, account_id
SELECT * FROM case_responsible_set($1, $2, $3, $4, $5, $6::int, $7::uuid);

-- name: team_deputies_set
-- params: actor, id, expected_version, account_ids
SELECT * FROM case_deputies_set($1, $2, $3, $4, $5, $6::int, $7::uuid[]);

-- name: team_timeline
-- params: actor, id
-- The case's one timeline as the actor's node sees it (case_timeline, schema/functions/
-- conferences.sql; NULL: nothing of the case), audited as a read of the case when there is one.
WITH t AS (SELECT case_timeline($5::uuid, $2::uuid) AS items),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr)
    SELECT $1::uuid, $2::uuid, 'case.timeline_read', 'client_case', $5::uuid, $3, $4
      FROM t WHERE t.items IS NOT NULL)
SELECT t.items::text AS body FROM t;

-- name: team_absences
-- params: account
-- The account's absences that have not ended, soonest first.
SELECT coalesce(json_agg(absence_json(x) ORDER BY x.starts_on, x.id), '[]')::text AS body
  FROM account_absence x
 WHERE x.account_id = $1::uuid AND x.ends_on >= current_date;

-- name: team_absence_create
-- params: actor, starts_on, ends_on, stand_in_account_id
SELECT * FROM absence_create($1, $2, $3, $4, $5::date, $6::date, $7::uuid);

-- name: team_absence_delete
-- params: actor, id
-- The caller's own absence only.
WITH x AS (DELETE FROM account_absence WHERE id = $5::uuid AND account_id = $1::uuid
           RETURNING *),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'account.absence_delete', 'account', x.account_id, $3, $4,
           jsonb_build_object('absence_id', x.id)
      FROM x)
SELECT 'ok' AS outcome FROM x;
