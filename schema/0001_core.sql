-- replaces sha256 aaafd549d70151d8018790f2e19cf9d0c9374808af882acb88c6165c792c042c
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- Accounts, tokens, login throttling and the audit log: what every later part stands on.
-- Conventions for every migration:
--   * public ids are uuid DEFAULT gen_random_uuid(); times are timestamptz;
--   * enumerations are text with a CHECK, spelled as in the API;
--   * constraints are named <table>_<column>_<what> so that the server can name the field
--     in a problem+json answer (server/dberror.c maps constraint names to fields);
--   * mutable rows carry version (optimistic concurrency: ETag / If-Match) and updated_at.

CREATE TABLE account (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    login         text NOT NULL,
    display_name  text NOT NULL,
    -- NULL for accounts that only use integration tokens.
    password_hash text,
    role          text NOT NULL,
    -- The node a caseworker works for; the FK is added with the registry.
    node_id       uuid,
    -- Networks a coordinator coordinates (existence is checked by a trigger added with the
    -- registry; an array keeps "who am I" one row).
    network_ids   uuid[] NOT NULL DEFAULT '{}',
    disabled      boolean NOT NULL DEFAULT false,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT account_login_key UNIQUE (login),
    CONSTRAINT account_login_format CHECK (login ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    CONSTRAINT account_display_name_length CHECK (char_length(display_name) BETWEEN 1 AND 200),
    CONSTRAINT account_role_check CHECK (role IN ('admin', 'coordinator', 'caseworker', 'auditor')),
    -- A caseworker works for exactly one node; nobody else is bound to a node.
    CONSTRAINT account_node_id_role CHECK ((role = 'caseworker') = (node_id IS NOT NULL)),
    -- Only coordinators coordinate networks.
    CONSTRAINT account_network_ids_role CHECK (role = 'coordinator' OR network_ids = '{}')
);

CREATE TABLE api_token (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id   uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    -- SHA-256 (hex) of the token; the token itself is never stored.
    token_hash   text NOT NULL,
    -- session: from a login, all of the account's rights; integration: limited to scopes.
    kind         text NOT NULL,
    label        text,
    scopes       text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT api_token_token_hash_key UNIQUE (token_hash),
    CONSTRAINT api_token_kind_check CHECK (kind IN ('session', 'integration')),
    CONSTRAINT api_token_label_length CHECK (label IS NULL OR char_length(label) BETWEEN 1 AND 100)
);
CREATE INDEX api_token_account_idx ON api_token (account_id);

-- Failed logins, kept for the throttling window only (pnetd deletes older rows).
CREATE TABLE login_failure (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login       text NOT NULL,
    client_addr text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failure_login_idx ON login_failure (login, at);
CREATE INDEX login_failure_client_idx ON login_failure (client_addr, at);
CREATE INDEX login_failure_at_idx ON login_failure (at);

-- Who did what, when, from where. Append-only: rows are never changed or deleted.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    account_id  uuid,
    node_id     uuid,
    action      text NOT NULL,
    object_type text,
    object_id   uuid,
    request_id  text,
    client_addr text,
    detail      jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_object_idx ON audit_log (object_id, at);
CREATE INDEX audit_log_account_idx ON audit_log (account_id, at);
