-- pgbench: what pnetd sends for one transition to "received": the token check, the state
-- read, then referral_transition(...). Client c takes referrals n = 1 + c + clients * i,
-- all 'sent' while n <= 300000 (tests/bench/generate.sql); its token is the receiver's.
\if :prepared = 0
PREPARE auth_token AS @auth_token@;
PREPARE referral_state AS @referral_state@;
PREPARE referral_transition AS @referral_transition@;
\set prepared 1
\endif
\set n 1 + :client_id + :clients * :i
\set i :i + 1
\set c 1 + (:n - 1) % 250000
\set t 1 + (:c - 1 + 50 + 100 * ((:n - 1) / 250000)) % 200
EXECUTE auth_token(encode(sha256(convert_to('bench-token-' || :t, 'UTF8')), 'hex'));
EXECUTE referral_state(bench_id(2, :t), bench_id(7, :n), bench_id(5, :t), NULL);
EXECUTE referral_transition(bench_id(5, :t), bench_id(2, :t), 'pgbench-' || :client_id || '-' || :i, '127.0.0.1', NULL, NULL, bench_id(7, :n), '1', 'received', NULL, NULL, NULL, NULL, NULL, NULL);
