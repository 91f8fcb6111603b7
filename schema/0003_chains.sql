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

-- The target group must be one of the chain's network (target groups never change network,
-- see target_group_network_id_fixed, so checking the chain row is enough).
CREATE FUNCTION chain_check_target_group_network() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    group_network uuid;
BEGIN
    SELECT g.network_id INTO group_network FROM target_group g WHERE g.id = NEW.target_group_id;
    IF FOUND AND group_network <> NEW.network_id THEN
        RAISE EXCEPTION 'target group % belongs to another network', NEW.target_group_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'chain_target_group_id_network',
                  TABLE = 'chain', COLUMN = 'target_group_id';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chain_target_group_id_network BEFORE INSERT OR UPDATE OF network_id, target_group_id
    ON chain FOR EACH ROW EXECUTE FUNCTION chain_check_target_group_network();

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

-- The life cycle of a version: born a draft; a draft may change freely and be published
-- (published_at is filled in when not given); a published version may only be retired
-- (retired_at likewise); a retired version is final. Published and retired versions
-- cannot be deleted.
CREATE FUNCTION chain_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN
            RAISE EXCEPTION 'a chain version is created as a draft, not %', NEW.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_transition', TABLE = 'chain_version',
                      COLUMN = 'status';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'chain version % is %; only a draft can be deleted', OLD.number, OLD.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_immutable', TABLE = 'chain_version';
        END IF;
        RETURN OLD;
    END IF;
    -- UPDATE
    IF NEW.id <> OLD.id OR NEW.chain_id <> OLD.chain_id THEN
        RAISE EXCEPTION 'a chain version cannot move'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  CONSTRAINT = 'chain_version_status_immutable', TABLE = 'chain_version';
    END IF;
    IF OLD.status = 'draft' THEN
        IF NEW.status = 'retired' THEN
            RAISE EXCEPTION 'a draft cannot be retired; delete it instead'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_transition', TABLE = 'chain_version',
                      COLUMN = 'status';
        END IF;
        IF NEW.status = 'published' AND NEW.published_at IS NULL THEN
            NEW.published_at := now();
        END IF;
        RETURN NEW;
    END IF;
    -- Published or retired: nothing of the content may change.
    IF (NEW.number, NEW.note, NEW.created_by, NEW.created_at, NEW.published_at)
           IS DISTINCT FROM (OLD.number, OLD.note, OLD.created_by, OLD.created_at, OLD.published_at)
       OR (OLD.status = 'retired' AND NEW IS DISTINCT FROM OLD) THEN
        RAISE EXCEPTION 'chain version % is % and cannot be changed', OLD.number, OLD.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  CONSTRAINT = 'chain_version_status_immutable', TABLE = 'chain_version';
    END IF;
    IF OLD.status = 'published' THEN
        IF NEW.status = 'draft' THEN
            RAISE EXCEPTION 'a published chain version cannot go back to draft'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_transition', TABLE = 'chain_version',
                      COLUMN = 'status';
        END IF;
        IF NEW.status = 'retired' AND NEW.retired_at IS NULL THEN
            NEW.retired_at := now();
        END IF;
        IF NEW.status = 'published' AND NEW.retired_at IS NOT NULL THEN
            RAISE EXCEPTION 'chain version % is published and cannot be changed', OLD.number
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_immutable', TABLE = 'chain_version';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chain_version_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_version
    FOR EACH ROW EXECUTE FUNCTION chain_version_guard();

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

-- A provider must be an active member of the chain's network when it is added.
CREATE FUNCTION chain_step_provider_check_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A missing node or version is left to NOT NULL and the foreign keys.
    IF NEW.node_id IS NOT NULL AND NOT EXISTS (
        SELECT 1
          FROM chain_version v
          JOIN chain c ON c.id = v.chain_id
          JOIN network_member m ON m.network_id = c.network_id AND m.node_id = NEW.node_id
         WHERE v.id = NEW.version_id AND m.active
    ) AND EXISTS (SELECT 1 FROM chain_version v WHERE v.id = NEW.version_id) THEN
        RAISE EXCEPTION 'node % is not an active member of the chain''s network', NEW.node_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'chain_step_provider_node_id_member',
                  TABLE = 'chain_step_provider', COLUMN = 'node_id';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chain_step_provider_node_id_member BEFORE INSERT OR UPDATE OF version_id, node_id
    ON chain_step_provider FOR EACH ROW EXECUTE FUNCTION chain_step_provider_check_member();

-- Steps, edges and providers change only while their version is a draft. The version row is
-- share-locked, so a concurrent publish waits for (or is waited on by) this change.
CREATE FUNCTION chain_content_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
    v_number integer;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status, number INTO v_status, v_number
          FROM chain_version WHERE id = OLD.version_id FOR SHARE;
        -- Not found: the version itself is being deleted (a draft), the cascade is fine.
        IF FOUND AND v_status <> 'draft' THEN
            RAISE EXCEPTION 'chain version % is %; its % cannot be changed',
                v_number, v_status, replace(TG_TABLE_NAME, 'chain_', '')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_immutable', TABLE = TG_TABLE_NAME;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT status, number INTO v_status, v_number
          FROM chain_version WHERE id = NEW.version_id FOR SHARE;
        IF FOUND AND v_status <> 'draft' THEN
            RAISE EXCEPTION 'chain version % is %; its % cannot be changed',
                v_number, v_status, replace(TG_TABLE_NAME, 'chain_', '')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      CONSTRAINT = 'chain_version_status_immutable', TABLE = TG_TABLE_NAME;
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER chain_step_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_step
    FOR EACH ROW EXECUTE FUNCTION chain_content_guard();
CREATE TRIGGER chain_edge_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_edge
    FOR EACH ROW EXECUTE FUNCTION chain_content_guard();
CREATE TRIGGER chain_step_provider_guard BEFORE INSERT OR UPDATE OR DELETE ON chain_step_provider
    FOR EACH ROW EXECUTE FUNCTION chain_content_guard();
