-- pgbench: what pnetd sends for one inbox read: the token check, then the inbox page.
-- The placeholders in @ are replaced by run.sh with pnetd's statement text (from the binary)
-- and prepared once per client, as pnetd prepares them once per connection.
\if :prepared = 0
PREPARE auth_token AS @auth_token@;
PREPARE referral_inbox AS @referral_inbox@;
\set prepared 1
\endif
\set t random(1, 200)
EXECUTE auth_token(encode(sha256(convert_to('bench-token-' || :t, 'UTF8')), 'hex'));
EXECUTE referral_inbox(NULL, bench_id(2, :t), 'bench', '127.0.0.1', '{sent,received}', NULL, NULL,
                       NULL, NULL, '51');
