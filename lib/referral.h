/*
 * The handover state machine of a referral (docs/architecture.md, "The handover state machine"):
 * its statuses, which side may move a referral from one status to another, and what each move must
 * or may carry. The table lives here once. The server checks a requested move with referral_check()
 * and lets the database enforce the same table by naming referral_sources() in its UPDATE (...
 * WHERE status = ANY($n) AND version = $m), so that two racing moves can never both win.
 *
 *   to           from                                          side      carries
 *   sent         (creation)                                    sender
 *   received     sent                                          receiver
 *   waitlisted   sent, received                                receiver  expected_on (required)
 *   accepted     sent, received, waitlisted                    receiver  appointment_at (optional)
 *   declined     sent, received, waitlisted                    receiver  reason (required)
 *   in_progress  accepted                                      receiver
 *   completed    in_progress                                   receiver  outcome (required)
 *   dropped_out  accepted, in_progress                         receiver  reason (required)
 *   withdrawn    sent, received, waitlisted, accepted,         sender    reason (optional)
 *                in_progress
 *
 * declined, completed, dropped_out and withdrawn are terminal.
 */
#ifndef PNET_REFERRAL_H
#define PNET_REFERRAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

enum referral_status {
	REFERRAL_SENT,        /* created by the sender; the receiver has not reacted yet */
	REFERRAL_RECEIVED,    /* the receiver confirmed receipt */
	REFERRAL_WAITLISTED,  /* the receiver will take the client later, from expected_date */
	REFERRAL_ACCEPTED,    /* the receiver takes the client, perhaps with an appointment */
	REFERRAL_DECLINED,    /* the receiver cannot take the client (reason); terminal */
	REFERRAL_IN_PROGRESS, /* the client appeared, the service started */
	REFERRAL_COMPLETED,   /* the service ended; the outcome is the feedback to the sender */
	REFERRAL_DROPPED_OUT, /* the client did not come or broke off (reason); terminal */
	REFERRAL_WITHDRAWN,   /* the sender took the referral back; terminal */
};

#define REFERRAL_STATUS_COUNT 9

/* The two parties of a referral, as bits: a set of sides is their OR. */
enum referral_side {
	REFERRAL_SIDE_SENDER = 1u << 0,   /* the node that sent the referral */
	REFERRAL_SIDE_RECEIVER = 1u << 1, /* the node it was sent to */
	/* Either side: for listing; in referral_check an actor that is both (a node's own
	   referral). */
	REFERRAL_SIDE_BOTH = REFERRAL_SIDE_SENDER | REFERRAL_SIDE_RECEIVER,
};

/* Whether a move takes an input. */
enum referral_need {
	REFERRAL_NOT_ALLOWED, /* giving it is an error */
	REFERRAL_OPTIONAL,    /* may be given; checked when given */
	REFERRAL_REQUIRED,    /* must be given */
};

/* One row of the table: the move into status `to`. */
struct referral_move {
	enum referral_status to;
	unsigned from;              /* the source statuses as bits (1u << status); 0 for sent */
	unsigned side;              /* the sides (enum referral_side bits) that may make it */
	enum referral_need reason;  /* "reason": one of reasons */
	const char *const *reasons; /* NULL-terminated codes; NULL when no reason is taken */
	enum referral_need outcome; /* "outcome": one of referral_outcomes() */
	enum referral_need expected_date; /* "expected_on": YYYY-MM-DD */
	enum referral_need appointment;   /* "appointment_at": an RFC 3339 timestamp */
};

/* What a requested move carries, as the client sent it; NULL means absent. */
struct referral_input {
	const char *reason;
	const char *outcome;
	const char *expected_date;
	const char *appointment_at;
};

/* How many inputs a move can carry, and so how many of them can be wrong at once. */
#define REFERRAL_INPUT_COUNT 4

/* What a referral in a status waits for, and so what can make it overdue. */
enum referral_clock {
	REFERRAL_CLOCK_NONE,     /* nothing runs out */
	REFERRAL_CLOCK_DUE,      /* the receiver's answer, due by the referral's due_at */
	REFERRAL_CLOCK_EXPECTED, /* the place the receiver expects to have on expected_on */
};

/*
 * Where a step of a case's chain stands, in rising order: a step takes the highest state that
 * one of its referrals (the status's step) or the owner's own record of the step gives it.
 */
enum referral_step_state {
	REFERRAL_STEP_OPEN,        /* nothing under way: no referral, or only withdrawn ones */
	REFERRAL_STEP_DROPPED,     /* referred, but declined or dropped out */
	REFERRAL_STEP_REFERRED,    /* a referral waits for its answer or was accepted */
	REFERRAL_STEP_IN_PROGRESS, /* the service started, or the owner started the step */
	REFERRAL_STEP_DONE,        /* the service ended, or the owner did the step */
};

#define REFERRAL_STEP_STATE_COUNT 5

/* Everything the vocabulary says about one status, and the move that leads into it. */
struct referral_status_info {
	const char *fhir;    /* HL7 FHIR R4 Task.status */
	const char *verb;    /* for sentences: "mark a referral as <verb>" */
	const char *command; /* the word for the move into it ("accept"); NULL for sent */
	const char *summary; /* the move in a few words, for help texts ("Accept") */
	const char *stamp; /* the referral's time the move into it sets ("accepted_at"), or NULL */
	enum referral_clock clock;
	enum referral_step_state step; /* what a referral in it makes of its chain step */
	bool handover;                 /* the sender may log a handover */
	bool hands_over_case;          /* a transfer that reaches it hands the case over */
	/* The receiver keeps the client's appointment in it (sets and changes it). */
	bool appointment;
	/* The service is to start: the chain step's target_days_to_start runs from its stamp. */
	bool start_deadline;
	struct referral_move move;
};

/* Why referral_check() refused a move, in words for a problem+json answer. */
struct referral_verdict {
	char detail[200]; /* one sentence for any refusal */
	size_t n_fields;  /* with -EBADMSG: how many entries of fields are set */
	struct {
		const char *field; /* "reason", "outcome", "expected_on" or "appointment_at" */
		/* "required", "not_allowed" (not taken by this move), "not_in_list", "date" or
		   "timestamp": the codes of lib/json.h for a problem's errors */
		const char *code;
		char message[200];
	} fields[REFERRAL_INPUT_COUNT];
};

/* The API name of a status ("in_progress"), or NULL when s is not a status. */
const char *referral_status_name(enum referral_status s);

/* The status called name; 0, or -EINVAL when name (or NULL) is not one. */
int referral_status_parse(const char *name, enum referral_status *out);

/* "sender", "receiver" or "sender or receiver"; NULL for an empty or unknown set. */
const char *referral_side_name(unsigned side);

/* The HL7 FHIR Task.status for a status ("requested", "on-hold", ...), or NULL. */
const char *referral_fhir_status(enum referral_status s);

/* No move leads out of s (declined, completed, dropped_out, withdrawn); derived from the table. */
bool referral_is_terminal(enum referral_status s);

/* The referral still needs someone to act: a valid status that is not terminal. */
bool referral_is_open(enum referral_status s);

/* The table row for the move into to, or NULL when to is not a status. */
const struct referral_move *referral_move_into(enum referral_status to);

/* The table row of s, or NULL when s is not a status. */
const struct referral_status_info *referral_status_info(enum referral_status s);

/* Every status name in enum order, NULL-terminated (for JSON enums). */
extern const char *const referral_status_names[];

/* The status whose move command is word ("accept"); 0, or -EINVAL when there is none. */
int referral_status_by_command(const char *word, enum referral_status *out);

/* The name of a step state ("in_progress"), or NULL. */
const char *referral_step_state_name(enum referral_step_state s);

/* The step state called name; 0, or -EINVAL when name (or NULL) is not one. */
int referral_step_state_parse(const char *name, enum referral_step_state *out);

/* Whether a case's owner may record the step state for a step it delivers itself. */
bool referral_step_state_own(enum referral_step_state s);

/* The names of those states (referral_step_state_own), NULL-terminated, for JSON enums. */
extern const char *const referral_own_step_states[];

/*
 * Fill out with the statuses one move leads to from `from` when made by any of the sides in
 * side (REFERRAL_SIDE_BOTH: by anyone), in enum order; returns how many. For 409 answers
 * ("allowed from here: ...") and for the buttons a client shows.
 */
size_t referral_next(enum referral_status from, unsigned side,
                     enum referral_status out[REFERRAL_STATUS_COUNT]);

/*
 * Fill out with the statuses a move into to may start from, in enum order, if one of the
 * sides in side may make it (none otherwise); returns how many. The server passes their
 * names as the allowed source statuses of its UPDATE.
 */
size_t referral_sources(enum referral_status to, unsigned side,
                        enum referral_status out[REFERRAL_STATUS_COUNT]);

/* The NULL-terminated reason codes a move into to takes, or NULL when it takes none. */
const char *const *referral_reasons(enum referral_status to);

/* The NULL-terminated outcome codes of a completed referral. */
const char *const *referral_outcomes(void);

/* The NULL-terminated channels a handover can take ("in_person", "phone", ...). */
extern const char *const referral_channels[];

/*
 * The NULL-terminated channels a move can be made through besides the app itself ("link": the
 * receiving node's link, without an account); a move made in the app records none.
 */
extern const char *const referral_move_channels[];

/*
 * The whole vocabulary as one JSON object (a new reference): its statuses with what each
 * means, the moves with their sources, side and inputs, the outcomes, the channels and the
 * step states. pnetd migrate writes it into the database's vocabulary tables
 * (schema/functions/referrals.sql) and GET /v1/vocabulary answers it.
 */
json_t *referral_vocabulary(void);

/*
 * Check a requested move from `from` to `to` by an actor holding side, carrying in (NULL:
 * nothing). Returns 0 when the move is allowed, or, checked in this order:
 *   -EINVAL  the move is not in the table, or from/to is not a status (answer 409 and list
 *            referral_next(from, side));
 *   -EPERM   the move is in the table but belongs to the other side (answer 403);
 *   -EBADMSG an input is missing, not allowed for this move, or not a valid value (answer
 *            422 with verdict->fields; every wrong input is listed).
 * verdict, when not NULL, is filled with the reason for any refusal. Whether an expected date
 * lies in the future is the caller's business (lib has no clock).
 */
int referral_check(enum referral_status from, enum referral_status to, unsigned side,
                   const struct referral_input *in, struct referral_verdict *verdict);

#endif
