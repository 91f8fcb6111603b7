-- The statements of server/api/contracts.c. The writes are functions of
-- schema/functions/contracts.sql.

-- name: contract_list
-- params: service
-- The service's contracts, newest period first, with the places taken and free; no row when
-- there is no such service.
SELECT json_build_object('items', coalesce((
           SELECT json_agg(contract_json(c) ORDER BY c.period_start DESC, c.period, c.id)
             FROM service_contract c WHERE c.service_id = s.id), '[]'),
           'next', NULL)::text AS body
  FROM service s
 WHERE s.id = $1;

-- name: contract_create
-- params: actor, service, contract, admin, networks
SELECT * FROM contract_create($1, $2, $3, $4, $5, $6, $7, $8);

-- name: contract_update
-- params: actor, id, expected_version, patch, admin, networks
SELECT * FROM contract_update($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: contract_use
-- params: network, on
-- Use against contract of the network's contracts whose period covers day on (today when
-- NULL), by service name, with the referrals still waiting; no row when there is no such
-- network. Pseudonymous metadata only: not audited (docs/architecture.md, "Reads of social
-- data").
SELECT json_build_object(
           'network_id', w.id, 'on', d.on_day,
           'items', coalesce((
               SELECT json_agg(contract_use_json(c) ORDER BY s.name, c.period DESC, c.id)
                 FROM service_contract c JOIN service s ON s.id = c.service_id
                WHERE c.network_id = w.id AND d.on_day >= c.period_start
                  AND d.on_day < contract_period_end(c)), '[]'))::text AS body
  FROM network w, (SELECT coalesce($2::date, current_date) AS on_day) d
 WHERE w.id = $1;
