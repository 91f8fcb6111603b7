-- pgbench: what pnetd sends for one transition to "received": the token check, then
-- referral_transition_allowed(...) with what lib/referral.c allows for that move (:allowed).
-- Client c takes referrals n = 1 + c + clients * i, all 'sent' while n <= 300000
-- (tests/bench/generate.sql); its token is the receiver's. Expanded and run as inbox.sql says.
\set n 1 + :client_id + :clients * :i
\set i :i + 1
\set c 1 + (:n - 1) % 250000
\set t 1 + (:c - 1 + 50 + 100 * ((:n - 1) / 250000)) % 200
@auth_token(bench_token_hash(:t))@;
@referral_transition_allowed(bench_id(5, :t), bench_id(2, :t), :request, :client, NULL::text, NULL::text, bench_id(7, :n), :one, :to, NULL::text, NULL::text, NULL::timestamptz, NULL::date, NULL::text, NULL::uuid, :allowed)@;
