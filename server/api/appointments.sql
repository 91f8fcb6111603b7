-- The statements of server/api/appointments.c: setting the appointment, and its calendar file.

-- name: appointment_set
-- params: actor, id, expected_version, at
-- The receiver sets (at NULL: clears) the appointment (schema/functions/appointments.sql).
SELECT * FROM referral_appointment_set($1, $2, $3, $4, $5, $6::int, $7::timestamptz);

-- name: appointment_ics
-- params: actor, id
-- What the calendar file holds, for the sender and the receiver, when there is an
-- appointment: the time and the receiving agency's name and address, nothing of the client.
-- The read is audited (it tells that a client of the sender has an appointment at the agency).
-- sequence counts the appointment's changes (RFC 5545 SEQUENCE).
WITH x AS (
    SELECT * FROM referral r
     WHERE r.id = $5 AND $2::uuid IN (r.from_node_id, r.to_node_id)
       AND r.appointment_at IS NOT NULL),
au AS (
    INSERT INTO audit_log (account_id, node_id, action, object_type, object_id, request_id,
                           client_addr, detail)
    SELECT $1::uuid, $2::uuid, 'referral.appointment_read', 'referral', x.id, $3, $4,
           jsonb_build_object('appointment_at', x.appointment_at)
      FROM x)
SELECT x.id::text || '-appointment@pnet' AS uid,
       to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"') AS stamp,
       to_char(x.appointment_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"') AS start,
       (SELECT count(*) FROM referral_event e
         WHERE e.referral_id = x.id AND e.kind = 'appointment')::text AS sequence,
       'Termin: ' || n.name AS summary,
       concat_ws(', ', n.name, n.street, nullif(concat_ws(' ', n.postal_code, n.city), ''))
           AS location
  FROM x JOIN node n ON n.id = x.to_node_id;
