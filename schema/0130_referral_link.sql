-- Accept by link (docs/architecture.md, "Accept by link"): a node without accounts answers a
-- referral through a link its contact e-mail receives. The link carries a random token
-- (32 bytes from OpenSSL's RAND_bytes, base64url); only its SHA-256 is kept. A link is bound
-- to one referral and its receiving node, ends after --link-days, and the sender may revoke
-- it; sending a new one revokes the one before, so that at most one link of a referral is
-- live.

CREATE TABLE referral_link (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referral_id uuid NOT NULL,
    node_id     uuid NOT NULL,
    token_hash  text NOT NULL,
    -- The address the link went to (the node's contact e-mail at the time).
    recipient   text NOT NULL,
    -- Who sent it: the account that sent the referral or asked for a new link.
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    revoked_by  uuid,
    last_used_at timestamptz,
    CONSTRAINT referral_link_referral_id_fkey FOREIGN KEY (referral_id) REFERENCES referral (id)
        ON DELETE CASCADE,
    CONSTRAINT referral_link_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id),
    CONSTRAINT referral_link_created_by_fkey FOREIGN KEY (created_by) REFERENCES account (id)
        ON DELETE SET NULL,
    CONSTRAINT referral_link_revoked_by_fkey FOREIGN KEY (revoked_by) REFERENCES account (id)
        ON DELETE SET NULL,
    CONSTRAINT referral_link_token_hash_key UNIQUE (token_hash)
);
-- At most one live link per referral (a race of two sends: the loser is refused).
CREATE UNIQUE INDEX referral_link_live_key ON referral_link (referral_id)
    WHERE revoked_at IS NULL;
-- The newest link of a referral, which the sender's view of every referral asks for.
CREATE INDEX referral_link_referral_idx ON referral_link (referral_id, created_at);

-- A failed use of a link (no such token, expired, revoked, another referral): what the
-- throttle counts, per client address and per token hash, as login_failure does for logins.
CREATE TABLE link_failure (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  text NOT NULL,
    client_addr text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_failure_addr_idx ON link_failure (client_addr, at);
CREATE INDEX link_failure_token_idx ON link_failure (token_hash, at);

-- The e-mail that carries a link goes to a node's contact, not to an account; its text holds
-- a placeholder, and the token waits in secret only until the SMTP server has taken the
-- e-mail (or refused it for good, or the link was revoked): then secret is cleared.
ALTER TABLE email_outgoing ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE email_outgoing ADD COLUMN link_id uuid;
ALTER TABLE email_outgoing ADD COLUMN secret text;
ALTER TABLE email_outgoing ADD CONSTRAINT email_outgoing_link_id_fkey FOREIGN KEY (link_id)
    REFERENCES referral_link (id) ON DELETE CASCADE;
ALTER TABLE email_outgoing ADD CONSTRAINT email_outgoing_recipient_check
    CHECK (account_id IS NOT NULL OR link_id IS NOT NULL);

-- A move made through a link is recorded with the channel "link" (lib/referral.c,
-- referral_move_channels); a handover keeps its own channels.
ALTER TABLE referral_event DROP CONSTRAINT referral_event_channel_check;
ALTER TABLE referral_event ADD CONSTRAINT referral_event_channel_check CHECK (
    channel IS NULL OR channel IN ('in_person', 'phone', 'video', 'letter', 'portal', 'link'));
