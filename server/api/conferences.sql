-- The statements of server/api/conferences.c. A conference is seen by its case's owner and
-- the nodes invited to it (conference_visible); reads are audited. The writes are functions
-- of schema/functions/conferences.sql.

-- name: conference_create
-- params: actor, case, chain_step_key, starts_at, ends_at, place, video_url, agenda,
--         participants
SELECT * FROM conference_create($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9,
                                $10, $11, $12::uuid[]);

-- name: conference_update
-- params: actor, id, expected_version, patch
SELECT * FROM conference_update($1, $2, $3, $4, $5, $6, $7);

-- name: conference_get
-- params: actor, id
-- The conference as the actor's node sees it, with an audit row for the read.
WITH f AS (
    SELECT x.* FROM conference x WHERE x.id = $5 AND conference_visible(x, $2::uuid)),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'conference.read', 'conference', f.id, $3, $4,
           jsonb_build_object('case_id', f.case_id)
      FROM f)
SELECT conference_json(f, $2::uuid)::text AS body, f.version FROM f;

-- name: conference_list
-- params: actor, case, status, after_1, after_2, limit
-- The conferences of the actor's node's cases and those it is invited to, by start time,
-- with one audit row naming those shown (not the page's look-ahead row) and their cases.
WITH mine AS (
    SELECT x.id FROM conference x JOIN client_case c ON c.id = x.case_id
     WHERE c.owner_node_id = $2::uuid
    UNION
    SELECT p.conference_id FROM conference_participant p WHERE p.node_id = $2::uuid),
page AS (
    SELECT f.id, f.starts_at, f.case_id
      FROM conference f
     WHERE f.id IN (SELECT id FROM mine)
       AND ($5::uuid IS NULL OR f.case_id = $5::uuid) AND ($6::text IS NULL OR f.status = $6)
       AND ($7::text IS NULL OR (f.starts_at, f.id) > ($7::timestamptz, $8::uuid))
     ORDER BY f.starts_at, f.id
     LIMIT $9::int),
shown AS (SELECT * FROM page ORDER BY starts_at, id LIMIT $9::int - 1),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'conference.list', 'conference', NULL::uuid, $3, $4,
           jsonb_build_object('case_id', $5::uuid,
                              'ids', jsonb_agg(id ORDER BY starts_at, id),
                              'case_ids', jsonb_agg(DISTINCT case_id))
      FROM shown
    HAVING count(*) > 0)
SELECT conference_json(f, $2::uuid)::text AS body, f.starts_at::text, f.id::text
  FROM page
  JOIN conference f USING (id)
 ORDER BY f.starts_at, f.id;

-- name: conference_decide
-- params: actor, id, text
SELECT * FROM conference_decide($1, $2, $3, $4, $5, $6);

-- name: conference_decision_refer
-- params: actor, id, decision, idempotency_key, request_hash, step_given, chain_step_key,
--         to_node, service, reason, note, priority, link_hash, link_token, link_days,
--         public_url
-- The link's token is used only when the receiver has no accounts (referral_create).
SELECT * FROM conference_decision_refer($1, $2, $3, $4, $5, $6, $7, $8, $11, $9::boolean, $10,
                                        $12, $13, $14, $15, $16, $17, $18::int, $19);
