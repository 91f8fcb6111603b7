-- The statements of server/api/stats.c: the reports are functions of
-- schema/functions/stats.sql. id is the path's (a network or a chain); since and until are
-- query values as stats_time() reads them.

-- name: stats_network
-- params: id, since, until
-- The network (NULL when unknown) and whether since lies after until.
SELECT (SELECT n.id::text FROM network n WHERE n.id = $1), stats_time($2) > stats_time($3);

-- name: stats_chain
-- params: id, since, until
-- The chain's network (NULL when unknown) and whether since lies after until.
SELECT (SELECT c.network_id::text FROM chain c WHERE c.id = $1), stats_time($2) > stats_time($3);

-- name: stats_flows
-- params: id, since, until
-- The report, and today in Germany for the export's file name.
SELECT stats_flows($1, stats_time($2), stats_time($3))::text AS body,
       to_char(now() AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD') AS today;

-- name: stats_funnel
-- params: id, since, until
SELECT stats_funnel($1, stats_time($2), stats_time($3))::text AS body,
       to_char(now() AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD') AS today;

-- name: stats_agreements
-- params: id, since, until
SELECT stats_agreements($1, stats_time($2), stats_time($3))::text AS body,
       to_char(now() AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD') AS today;
