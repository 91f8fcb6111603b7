-- replaces sha256 2303e978dcecd7635db6751439ecd95943db543080ddb7c0699943de7967a913
-- This migration as first released also defined functions, triggers or views; they live in
-- schema/functions now, and the line above lets pnetd migrate accept a database that applied
-- the first text (docs/architecture.md, "Migrations").

-- Steps of a case's chain that its owner delivers itself (the first counselling at the
-- jobcenter, say): recorded as started and as done without a referral to itself, and counted
-- in the case's progress like a referral's started and completed step
-- (POST /v1/cases/{id}/steps/{key}, docs/data-model.md).

CREATE TABLE case_step (
    case_id     uuid NOT NULL,
    step_key    text NOT NULL,
    state       text NOT NULL,
    started_at  timestamptz NOT NULL,
    done_at     timestamptz,
    note        text,
    -- The node that delivered the step: the case's owner when it was recorded (a transfer
    -- moves the case, not who did the work).
    node_id     uuid NOT NULL,
    recorded_by uuid,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_step_pkey PRIMARY KEY (case_id, step_key),
    CONSTRAINT case_step_case_id_fkey FOREIGN KEY (case_id) REFERENCES client_case (id)
        ON DELETE CASCADE,
    CONSTRAINT case_step_node_id_fkey FOREIGN KEY (node_id) REFERENCES node (id),
    CONSTRAINT case_step_state_check CHECK (state IN ('in_progress', 'done')),
    CONSTRAINT case_step_done_at_state CHECK ((state = 'done') = (done_at IS NOT NULL)),
    CONSTRAINT case_step_done_at_range CHECK (done_at IS NULL OR done_at >= started_at),
    CONSTRAINT case_step_note_length CHECK (note IS NULL OR char_length(note) <= 2000)
);
