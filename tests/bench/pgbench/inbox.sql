-- pgbench: what pnetd sends for one inbox read: the token check, then the inbox page (for
-- this filter of open statuses the statement referral_inbox_open, as server/api/referrals.c
-- chooses).
-- @name(arg, ...)@ is replaced by tests/bench/pgbench_script.py with pnetd's statement text
-- (server/**/*.sql), its $n by the nth argument; NULL::type stays a parameter,
-- so PostgreSQL chooses between custom and generic plans as it does for pnetd. Run with
-- -M prepared: each statement is prepared once per client, as pnetd prepares it once per
-- connection, and executed with pgbench variables as its parameters. The node is the token's
-- (auth_token's node_id, kept by \gset as auth_node_id) and goes in as a value, as pnetd
-- sends it: written bench_id(2, :t) it would be worked out again at every use, and the page
-- statement uses it in every item.
\set t random(1, 200)
@auth_token(bench_token_hash(:t))@ \gset auth_
@referral_inbox_open(bench_id(5, :t), :auth_node_id, :request, :client, :statuses, NULL::boolean, NULL::uuid, NULL::text, NULL::uuid, :limit1)@;
