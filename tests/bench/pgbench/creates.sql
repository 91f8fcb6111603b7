-- pgbench: what pnetd sends for one referral create: the token check, then referral_create(...)
-- on pair m = c + clients * i (case 1 + m % 50000, receiver 4901 + (m / 50000) % 100), as
-- tests/bench/creates.lua does. Expanded and run as inbox.sql says.
\set m :client_id + :clients * :i
\set i :i + 1
\set c 1 + :m % 50000
\set r 4901 + (:m / 50000) % 100
\set t 1 + (:c - 1) % 200
@auth_token(bench_token_hash(:t))@;
@referral_create(bench_id(5, :t), bench_id(2, :t), :request, :client, NULL::text, NULL::text, bench_id(6, :c), bench_id(2, :r), NULL::text, NULL::text, NULL::uuid, :reason, NULL::text, NULL::text, NULL::uuid, NULL::text, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::int, NULL::text)@;
