-- The bench data set (docs/performance.md): one network of 5,000 nodes in 500 organizations, one target
-- group, no chain, 200 caseworkers with known integration tokens on 200 busy nodes, 250,000
-- cases with a network-wide consent each, and 1,000,000 referrals with their timeline.
--
-- Run by tests/bench/run.sh as a superuser on a freshly migrated database (bench_seed), which
-- then serves as the template every run is copied from. Set-based and deterministic: ids are
-- computed from numbers by bench_id(), so the wrk and pgbench scripts can name rows without
-- asking the database. The layout the scripts rely on:
--
--   node n (1..5000)          bench_id(2, n); nodes 1..200 are the busy ones; nodes
--                             4901..5000 receive no generated referral (the create targets)
--   account/token t (1..200)  caseworker of node t; token 'bench-token-<t>' (scopes
--                             referrals:read, referrals:write, cases:write)
--   case c (1..250000)        bench_id(6, c); owned by node 1 + (c-1) % 200 for c <= 50000,
--                             by node 201 + (c-1) % 4700 above
--   referral n (1..1000000)   bench_id(7, n); case 1 + (n-1) % 250000, round k = (n-1) / 250000;
--                             rounds 0 and 1 go to busy node 1 + (c-1 + 50 + 100k) % 200,
--                             rounds 2 and 3 to node 201 + (31c + 977k) % 4700;
--                             n <= 300000 is 'sent' (the transition pool: 1,500 per busy node),
--                             the rest spread over every status; every even n has a note
--                             (its receiver reads it while the case's consent covers it).
\set ON_ERROR_STOP 1
\timing on

-- The bulk load skips foreign-key and user triggers (every reference is built to hold);
-- VACUUM ANALYZE comes last.
SET session_replication_role = replica;
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SET work_mem = '64MB';

-- bench_id(kind, n): the uuid of row n of a kind (2 node, 1 organization, 3 network,
-- 4 target group, 5 account, 6 case, 7 referral, 8 consent, 9 token).
CREATE FUNCTION bench_id(kind integer, n bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (lpad(kind::text, 8, 'b') || '-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid;
$$;

-- bench_token_hash(t): the token_hash of 'bench-token-<t>', so that pgbench scripts can name
-- a token by its number (pgbench variables are numbers).
CREATE FUNCTION bench_token_hash(t bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to('bench-token-' || t, 'UTF8')), 'hex');
$$;

BEGIN;

INSERT INTO organization (id, name, kind, city)
SELECT bench_id(1, o), 'Bench-Träger ' || o,
       (ARRAY['public_agency', 'municipality', 'welfare_association', 'nonprofit', 'church',
              'company', 'other'])[1 + o % 7],
       'Benchstadt'
FROM generate_series(1, 500) o;

INSERT INTO node (id, organization_id, name, kind, district, city)
SELECT bench_id(2, n), bench_id(1, 1 + (n - 1) % 500), 'Bench-Stelle ' || n,
       (ARRAY['jobcenter', 'employment_agency', 'social_welfare_office', 'youth_welfare_office',
              'health_office', 'health_provider', 'welfare_association', 'counselling_service',
              'education_provider', 'housing_provider', 'employer', 'community_centre',
              'municipality', 'other'])[1 + n % 14],
       'Bezirk ' || (1 + n % 40), 'Benchstadt'
FROM generate_series(1, 5000) n;

INSERT INTO network (id, name, locality, default_days_to_accept)
VALUES (bench_id(3, 1), 'Bench-Netzwerk', 'Benchstadt', 5);

INSERT INTO target_group (id, network_id, code, name)
VALUES (bench_id(4, 1), bench_id(3, 1), 'bench', 'Bench-Zielgruppe');

INSERT INTO network_member (network_id, node_id, role, agreement_signed_on)
SELECT bench_id(3, 1), bench_id(2, n), CASE WHEN n = 5000 THEN 'coordinator' ELSE 'member' END,
       DATE '2024-01-01'
FROM generate_series(1, 5000) n;

INSERT INTO account (id, login, display_name, role, node_id)
SELECT bench_id(5, t), 'bench-cw-' || t, 'Bench-Fachkraft ' || t, 'caseworker', bench_id(2, t)
FROM generate_series(1, 200) t;

INSERT INTO api_token (id, account_id, token_hash, kind, label, scopes, expires_at)
SELECT bench_id(9, t), bench_id(5, t),
       bench_token_hash(t), 'integration',
       'bench ' || t, '{referrals:read,referrals:write,cases:write}',
       now() + interval '10 years'
FROM generate_series(1, 200) t;

INSERT INTO client_case (id, network_id, owner_node_id, reference, target_group_id, district,
                         opened_at, created_by)
SELECT bench_id(6, c), bench_id(3, 1),
       bench_id(2, CASE WHEN c <= 50000 THEN 1 + (c - 1) % 200 ELSE 201 + (c - 1) % 4700 END),
       'B-' || c, bench_id(4, 1), 'Bezirk ' || (1 + c % 40),
       now() - make_interval(mins => (c * 7919) % 525600 + 10),
       CASE WHEN c <= 50000 THEN bench_id(5, 1 + (c - 1) % 200) END
FROM generate_series(1, 250000) c;

INSERT INTO consent (id, case_id, scope, purpose, given_on, evidence)
SELECT bench_id(8, c), bench_id(6, c), 'network', 'Bench: Vermittlung im Netzwerk',
       DATE '2024-01-01', 'Akte B-' || c
FROM generate_series(1, 250000) c;

-- The referrals, computed in one pass: r holds the numbers, the INSERT the row.
CREATE TEMP TABLE bench_referral AS
SELECT n, c, k, status, created,
       CASE WHEN k < 2 THEN 1 + (c - 1 + 50 + 100 * k) % 200
            ELSE 201 + (31 * c + 977 * k) % 4700 END AS to_n,
       CASE WHEN c <= 50000 THEN 1 + (c - 1) % 200 ELSE 201 + (c - 1) % 4700 END AS from_n
FROM (
    SELECT n, 1 + (n - 1) % 250000 AS c, (n - 1) / 250000 AS k,
           CASE WHEN n <= 300000 THEN 'sent'
                ELSE (ARRAY['sent', 'received', 'received', 'accepted', 'accepted',
                            'in_progress', 'completed', 'completed', 'completed', 'completed',
                            'completed', 'completed', 'declined', 'declined', 'withdrawn',
                            'dropped_out'])[(1 + (n * 2654435761) % 16)::integer] END AS status,
           now() - make_interval(mins => ((n::bigint * 7919) % 525600)::integer) AS created
    FROM generate_series(1, 1000000) n) g;

INSERT INTO referral (id, case_id, network_id, from_node_id, to_node_id, kind, status, reason,
                      priority, note, due_at, status_reason, outcome, received_at, accepted_at,
                      started_at, closed_at, created_by, version, created_at, updated_at)
SELECT bench_id(7, n), bench_id(6, c), bench_id(3, 1), bench_id(2, from_n), bench_id(2, to_n),
       'service', status, 'Bench-Vermittlung ' || n,
       CASE WHEN n % 10 = 0 THEN 'urgent' ELSE 'normal' END,
       CASE WHEN n % 2 = 0 THEN 'Bench-Notiz ' || n END,
       created + interval '5 days',
       CASE WHEN status IN ('declined', 'withdrawn', 'dropped_out') THEN 'other' END,
       CASE WHEN status = 'completed' THEN 'goal_reached' END,
       CASE WHEN status <> 'sent' THEN created + interval '1 day' END,
       CASE WHEN status IN ('accepted', 'in_progress', 'completed', 'dropped_out')
            THEN created + interval '2 days' END,
       CASE WHEN status IN ('in_progress', 'completed') THEN created + interval '3 days' END,
       CASE WHEN status IN ('declined', 'completed', 'dropped_out', 'withdrawn')
            THEN created + interval '4 days' END,
       CASE WHEN from_n <= 200 THEN bench_id(5, from_n) END,
       CASE WHEN status = 'sent' THEN 1 ELSE 2 END, created,
       CASE WHEN status = 'sent' THEN created ELSE created + interval '1 day' END
FROM bench_referral;

-- The timeline: a 'created' event for each, a transition for each that moved on.
INSERT INTO referral_event (referral_id, at, kind, from_status, to_status, actor_account,
                            actor_node)
SELECT bench_id(7, n), created, 'created', NULL, 'sent',
       CASE WHEN from_n <= 200 THEN bench_id(5, from_n) END, bench_id(2, from_n)
FROM bench_referral ORDER BY n;
INSERT INTO referral_event (referral_id, at, kind, from_status, to_status, actor_account,
                            actor_node, status_reason, outcome)
SELECT bench_id(7, n), created + interval '1 day', 'transition', 'sent', status,
       CASE WHEN to_n <= 200 THEN bench_id(5, to_n) END,
       bench_id(2, CASE WHEN status = 'withdrawn' THEN from_n ELSE to_n END),
       CASE WHEN status IN ('declined', 'withdrawn', 'dropped_out') THEN 'other' END,
       CASE WHEN status = 'completed' THEN 'goal_reached' END
FROM bench_referral WHERE status <> 'sent' ORDER BY n;

-- The deadlines missed so far, said long ago, as on a service that has been running: else
-- every pnetd the bench starts spends its first overdue scan (a second after its start) on
-- the seed's whole backlog, which outlasts the statement timeout, holds one connection for
-- 15 s of each measured run and is cut off, to begin again at the next interval.
INSERT INTO referral_deadline_missed (referral_id, deadline, due_at)
SELECT r.id, m.deadline, m.due_at
  FROM referral r
  JOIN referral_status s ON s.status = r.status
 CROSS JOIN LATERAL referral_missed_deadline(r, s) m
 WHERE r.closed_at IS NULL;

COMMIT;

DROP TABLE bench_referral;
RESET session_replication_role;
VACUUM ANALYZE;

SELECT (SELECT count(*) FROM node) AS nodes, (SELECT count(*) FROM client_case) AS cases,
       (SELECT count(*) FROM referral) AS referrals,
       (SELECT count(*) FROM referral_event) AS events,
       pg_size_pretty(pg_database_size(current_database())) AS size;
