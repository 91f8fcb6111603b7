-- The referral vocabulary of lib/referral.c as tables the SQL functions ask: the statuses and
-- what each means, the moves between them, the outcomes and channels, the states of a chain
-- step (docs/developing.md, "Adding a referral status"). pnetd migrate fills them from the
-- library on every run (schema/functions/referrals.sql); nothing else writes them.

-- One row per status, in the library's order.
CREATE TABLE referral_status (
    status          text PRIMARY KEY,
    position        integer NOT NULL,
    -- The status a referral is created in.
    initial         boolean NOT NULL,
    -- Someone still has to act; the others are terminal (closed_at is set).
    open            boolean NOT NULL,
    -- A receiver's first answer to a new referral: one of its moves from the initial status
    -- leads here (statistics count the time to it).
    answer          boolean NOT NULL,
    -- The column of referral the move into it sets to now() (received_at, ..., closed_at).
    stamp           text,
    -- What can make a referral in it overdue: 'due' (due_at) or 'expected' (expected_on).
    clock           text,
    -- The sender may log a handover.
    handover        boolean NOT NULL,
    -- What a referral in it makes of its chain step (chain_step_state.state).
    step_state      text NOT NULL,
    -- A referral of kind transfer that reaches it hands the case to its receiver.
    hands_over_case boolean NOT NULL,
    fhir            text NOT NULL,
    -- The move into it: the sides that may make it (empty for the initial status) and what
    -- it carries, each 'required', 'optional' or NULL (not taken), with the reason codes.
    sides           text[] NOT NULL,
    reason          text,
    reasons         text[],
    outcome         text,
    expected_on     text,
    appointment_at  text,
    -- The moves out of it that each side may make, as the API's allowed_moves shows them
    -- (json, not jsonb: every referral answered embeds one as it is, without converting it).
    sender_moves    json NOT NULL,
    receiver_moves  json NOT NULL
);

-- The moves: from_status to to_status (by the sides referral_status names for to_status).
CREATE TABLE referral_move (
    from_status text NOT NULL,
    to_status   text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);

-- The outcomes of a completed referral and the channels of a handover, in order.
CREATE TABLE referral_code (
    list     text NOT NULL,
    code     text NOT NULL,
    position integer NOT NULL,
    PRIMARY KEY (list, code)
);

-- Where a step of a case's chain stands, in rising rank; own: the case's owner records it
-- for a step it delivers itself (case_step.state).
CREATE TABLE chain_step_state (
    state text PRIMARY KEY,
    rank  integer NOT NULL,
    own   boolean NOT NULL
);
