-- Passwords people choose themselves (docs/architecture.md, "Accounts and tokens"): an
-- account an admin creates with a password, or whose password an admin resets, must change it
-- at its next login before anything else works. The session token of such an account reaches
-- only GET /v1/me, POST /v1/me/password and POST /v1/auth/logout (server/auth.c).

ALTER TABLE account
    ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
    -- When the password was last set (by its owner or by an admin); NULL: not since this
    -- column exists.
    ADD COLUMN password_changed_at timestamptz;
