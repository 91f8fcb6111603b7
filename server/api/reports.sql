-- The statements of server/api/reports.c: the report is report_network() of
-- schema/functions/reports.sql. id is the path's network; since and until are dates
-- (YYYY-MM-DD, until excluded) the server validated; target_group, chain and district are the
-- filters (NULL: all).

-- name: reports_lookup
-- params: id, since, until, target_group, chain
-- The network (NULL when unknown), whether the period is empty, whether it is longer than a
-- report covers (ten years and their leap days), and whether the target group and the chain
-- are the network's.
SELECT (SELECT n.id::text FROM network n WHERE n.id = $1::uuid) AS network,
       $2::date >= $3::date AS empty,
       $3::date - $2::date > 3653 AS too_long,
       $4::uuid IS NULL OR EXISTS (SELECT 1 FROM target_group g
                                    WHERE g.id = $4::uuid AND g.network_id = $1::uuid)
           AS target_group_known,
       $5::uuid IS NULL OR EXISTS (SELECT 1 FROM chain c
                                    WHERE c.id = $5::uuid AND c.network_id = $1::uuid)
           AS chain_known;

-- name: reports_network
-- params: id, since, until, target_group, chain, district
-- The report, and today in Germany for the export's file name.
SELECT report_network($1::uuid, $2::date, $3::date, $4::uuid, $5::uuid, $6)::text AS body,
       to_char(now() AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD') AS today;
