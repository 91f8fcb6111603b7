-- pgbench: what pnetd sends for one referral create: the token check, then referral_create(...)
-- on pair m = c + clients * i (case 1 + m % 50000, receiver 4901 + (m / 50000) % 100), as
-- tests/bench/creates.lua does.
\if :prepared = 0
PREPARE auth_token AS @auth_token@;
PREPARE referral_create AS @referral_create@;
\set prepared 1
\endif
\set m :client_id + :clients * :i
\set i :i + 1
\set c 1 + :m % 50000
\set r 4901 + (:m / 50000) % 100
\set t 1 + (:c - 1) % 200
EXECUTE auth_token(encode(sha256(convert_to('bench-token-' || :t, 'UTF8')), 'hex'));
EXECUTE referral_create(bench_id(5, :t), bench_id(2, :t), 'pgbench-' || :client_id || '-' || :i, '127.0.0.1', NULL, NULL, bench_id(6, :c), bench_id(2, :r), NULL, NULL, NULL, 'Bench', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
