-- Contact (docs/architecture.md, "Contact around a referral"): an account's phone and e-mail
-- beside its display name, kept current by the account itself (and by admins), so that the
-- other side of a referral knows whom to call. Nodes have had phone and e-mail from the start
-- (their own caseworkers keep them current: PATCH /v1/nodes/{id}).

ALTER TABLE account ADD COLUMN phone text;
ALTER TABLE account ADD COLUMN email text;
ALTER TABLE account ADD CONSTRAINT account_phone_format
    CHECK (phone IS NULL OR phone ~ '^[0-9 +()/-]{3,40}$');
ALTER TABLE account ADD CONSTRAINT account_email_format CHECK (email IS NULL OR
    (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND octet_length(email) <= 254));

