-- The statements of server/mail.c: composing e-mails from the notices, claiming one and
-- recording what the SMTP server said (docs/architecture.md, "Notifications by e-mail").

-- name: mail_compose
-- params: batch_minutes, public_url
-- How many e-mails were composed (schema/functions/email.sql).
SELECT email_compose($1::int, $2) AS composed;

-- name: mail_claim
-- params: lease_seconds
-- One due e-mail, claimed. Another process skips it while claimed (SKIP LOCKED) and while its
-- lease runs; a crashed sender's e-mail is due again when the lease has expired. The e-mail
-- of a link (link_issue, schema/functions/links.sql) gets its token, kept apart in secret,
-- put into its text only here.
UPDATE email_outgoing o SET lease_until = now() + make_interval(secs => $1::int),
                            attempts = o.attempts + 1
 WHERE o.id = (SELECT id FROM email_outgoing
                WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                  AND (lease_until IS NULL OR lease_until < now())
                ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING o.id::text AS id, o.recipient, o.subject,
          CASE WHEN o.link_id IS NULL THEN o.body
               ELSE replace(o.body, '{{token}}', o.secret) END AS body;

-- name: mail_record
-- params: id, sent, error, permanent, backoff_base_ms, backoff_max_s
-- The outcome of one attempt: sent, refused for good (permanent), or to try again after
-- backoff_base_ms * 2^(attempts - 1), at most backoff_max_s. Once sent or refused for good,
-- a link's token is no longer kept.
UPDATE email_outgoing SET
    secret = CASE WHEN $2::boolean OR $4::boolean THEN NULL ELSE secret END,
    sent_at = CASE WHEN $2::boolean THEN now() END,
    failed_at = CASE WHEN NOT $2::boolean AND $4::boolean THEN now() END,
    last_error = $3, lease_until = NULL,
    next_attempt_at = CASE WHEN $2::boolean OR $4::boolean THEN next_attempt_at
        ELSE now() + least(make_interval(secs => $6::int),
                           make_interval(secs => $5::bigint / 1000.0
                                         * power(2, least(greatest(attempts - 1, 0), 30))))
        END
 WHERE id = $1::bigint AND sent_at IS NULL;
