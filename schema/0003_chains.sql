-- replaces sha256 345bf524f4721d006b068ce27ca3147b48e0e0c69d1336d50b177fe529630522
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- Service chains (Dienstleistungsketten): per network and target group, versioned.
-- A version is born a draft, may be published once and later retired; a published or
-- retired version never changes again (cases are enrolled in it), and neither do its steps,
-- edges and providers. Moves: draft -> published -> retired. The graph rules (a DAG, every
-- step reachable from the start, providers offering the step's category) are checked by
-- lib/chain.c when a version is published; the database keeps what it can keep cheaply.
-- To publish a new version while another is published, retire the old one first in the
-- same transaction (chain_version_one_published is checked row by row).

CREATE TABLE chain (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    network_id      uuid NOT NULL,
    target_group_id uuid NOT NULL,
    name            text NOT NULL,
    description     text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chain_network_id_fkey FOREIGN KEY (network_id) REFERENCES network (id),
    CONSTRAINT chain_target_group_id_fkey FOREIGN KEY (target_group_id) REFERENCES target_group (id),
    CONSTRAINT chain_name_key UNIQUE (network_id, name),
    CONSTRAINT chain_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT chain_description_length CHECK (description IS NULL OR
        char_length(description) BETWEEN 1 AND 4000)
);
CREATE INDEX chain_target_group_idx ON chain (target_group_id);

CREATE TABLE chain_version (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    chain_id     uuid NOT NULL,
    -- 1, 2, ... per chain, assigned by the server.
    number       integer NOT NULL,
    status       text NOT NULL DEFAULT 'draft',
    -- What changed against the previous version (free text for the network).
    note         text,
    created_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    retired_at   timestamptz,
    -- Drafts are edited with If-Match like every mutable row.
    version      integer NOT NULL DEFAULT 1,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chain_version_chain_id_fkey FOREIGN KEY (chain_id) REFERENCES chain (id) ON DELETE CASCADE,
    CONSTRAINT chain_version_created_by_fkey FOREIGN KEY (created_by) REFERENCES account (id),
    CONSTRAINT chain_version_number_key UNIQUE (chain_id, number),
    CONSTRAINT chain_version_number_range CHECK (number >= 1),
    CONSTRAINT chain_version_status_check CHECK (status IN ('draft', 'published', 'retired')),
    CONSTRAINT chain_version_note_length CHECK (note IS NULL OR char_length(note) BETWEEN 1 AND 4000),
    CONSTRAINT chain_version_status_dates CHECK (
        (status = 'draft' AND published_at IS NULL AND retired_at IS NULL) OR
        (status = 'published' AND published_at IS NOT NULL AND retired_at IS NULL) OR
        (status = 'retired' AND published_at IS NOT NULL AND retired_at IS NOT NULL))
);
CREATE UNIQUE INDEX chain_version_one_published ON chain_version (chain_id) WHERE status = 'published';
CREATE UNIQUE INDEX chain_version_one_draft ON chain_version (chain_id) WHERE status = 'draft';

-- One stage of a chain. The primary key makes keys unique per version.
CREATE TABLE chain_step (
    version_id            uuid NOT NULL,
    key                   text NOT NULL,
    name                  text NOT NULL,
    category              text NOT NULL,
    required              boolean NOT NULL DEFAULT true,
    -- NULL: the member's agreed days, else the network's default.
    target_days_to_accept integer,
    target_days_to_start  integer,
    guidance              text,
    -- Display order within the version (ties broken by key).
    position              integer NOT NULL DEFAULT 0,
    CONSTRAINT chain_step_key_key PRIMARY KEY (version_id, key),
    CONSTRAINT chain_step_version_id_fkey FOREIGN KEY (version_id)
        REFERENCES chain_version (id) ON DELETE CASCADE,
    CONSTRAINT chain_step_category_fkey FOREIGN KEY (category) REFERENCES taxonomy (code),
    CONSTRAINT chain_step_key_format CHECK (key ~ '^[a-z][a-z0-9_-]{0,63}$'),
    CONSTRAINT chain_step_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT chain_step_target_days_to_accept_range CHECK (target_days_to_accept IS NULL OR
        target_days_to_accept BETWEEN 1 AND 90),
    CONSTRAINT chain_step_target_days_to_start_range CHECK (target_days_to_start IS NULL OR
        target_days_to_start BETWEEN 1 AND 365),
    CONSTRAINT chain_step_guidance_length CHECK (guidance IS NULL OR
        char_length(guidance) BETWEEN 1 AND 4000),
    CONSTRAINT chain_step_position_range CHECK (position BETWEEN 0 AND 10000)
);

-- An arrow of the graph: from_key NULL is the start. Several arrows out of one step are
-- parallel or alternative branches (label says which, e.g. "bei Bedarf").
CREATE TABLE chain_edge (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    version_id uuid NOT NULL,
    from_key   text,
    to_key     text NOT NULL,
    label      text,
    CONSTRAINT chain_edge_version_id_fkey FOREIGN KEY (version_id)
        REFERENCES chain_version (id) ON DELETE CASCADE,
    CONSTRAINT chain_edge_from_key_fkey FOREIGN KEY (version_id, from_key)
        REFERENCES chain_step (version_id, key) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT chain_edge_to_key_fkey FOREIGN KEY (version_id, to_key)
        REFERENCES chain_step (version_id, key) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT chain_edge_to_key_key UNIQUE NULLS NOT DISTINCT (version_id, from_key, to_key),
    CONSTRAINT chain_edge_to_key_loop CHECK (from_key IS DISTINCT FROM to_key),
    CONSTRAINT chain_edge_label_length CHECK (label IS NULL OR char_length(label) BETWEEN 1 AND 200)
);
CREATE INDEX chain_edge_version_idx ON chain_edge (version_id);

-- Member nodes eligible to deliver a step.
CREATE TABLE chain_step_provider (
    version_id uuid NOT NULL,
    step_key   text NOT NULL,
    node_id    uuid NOT NULL,
    CONSTRAINT chain_step_provider_node_id_key PRIMARY KEY (version_id, step_key, node_id),
    CONSTRAINT chain_step_provider_step_key_fkey FOREIGN KEY (version_id, step_key)
        REFERENCES chain_step (version_id, key) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT chain_step_provider_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id)
);
-- "Which chains name this node": the node's and the coordinator's views.
CREATE INDEX chain_step_provider_node_idx ON chain_step_provider (node_id);
