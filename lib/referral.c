/* The handover state machine: one table of data, and the functions that read it. */
#include "referral.h"
#include "json.h"
#include "validate.h"

#include <stdio.h>
#include <string.h>

#define BIT(s)   (1u << (s))
#define SENDER   REFERRAL_SIDE_SENDER
#define RECEIVER REFERRAL_SIDE_RECEIVER

static const char *const decline_reasons[] = {"no_capacity", "not_eligible", "client_unreachable",
                                              "other", NULL};
static const char *const dropout_reasons[] = {"no_show", "broke_off", "moved_away", "other", NULL};
static const char *const withdraw_reasons[] = {"no_longer_needed", "consent_revoked", "other",
                                               NULL};
static const char *const outcomes[] = {"goal_reached", "partially_reached", "not_reached",
                                       "referred_on", NULL};

const char *const referral_channels[] = {"in_person", "phone", "video", "letter", "portal", NULL};
const char *const referral_move_channels[] = {"link", NULL};

#define DUE      REFERRAL_CLOCK_DUE
#define EXPECTED REFERRAL_CLOCK_EXPECTED

/* How the API spells each status. */
const char *const referral_status_names[REFERRAL_STATUS_COUNT + 1] = {
        [REFERRAL_SENT] = "sent",
        [REFERRAL_RECEIVED] = "received",
        [REFERRAL_WAITLISTED] = "waitlisted",
        [REFERRAL_ACCEPTED] = "accepted",
        [REFERRAL_DECLINED] = "declined",
        [REFERRAL_IN_PROGRESS] = "in_progress",
        [REFERRAL_COMPLETED] = "completed",
        [REFERRAL_DROPPED_OUT] = "dropped_out",
        [REFERRAL_WITHDRAWN] = "withdrawn",
};

/* One row per status: what it means, and the move that leads into it. */
static const struct referral_status_info table[REFERRAL_STATUS_COUNT] = {
        [REFERRAL_SENT] = {.fhir = "requested",
                           .verb = "sent",
                           .clock = DUE,
                           .step = REFERRAL_STEP_REFERRED,
                           .handover = true,
                           .move = {REFERRAL_SENT, 0, SENDER}},
        [REFERRAL_RECEIVED] = {.fhir = "received",
                               .verb = "received",
                               .command = "receive",
                               .summary = "Confirm receipt",
                               .stamp = "received_at",
                               .clock = DUE,
                               .step = REFERRAL_STEP_REFERRED,
                               .handover = true,
                               .move = {REFERRAL_RECEIVED, BIT(REFERRAL_SENT), RECEIVER}},
        [REFERRAL_WAITLISTED] = {.fhir = "on-hold",
                                 .verb = "waitlisted",
                                 .command = "waitlist",
                                 .summary = "Put on the waiting list until a date",
                                 .clock = EXPECTED,
                                 .step = REFERRAL_STEP_REFERRED,
                                 .handover = true,
                                 .move = {REFERRAL_WAITLISTED,
                                          BIT(REFERRAL_SENT) | BIT(REFERRAL_RECEIVED), RECEIVER,
                                          .expected_date = REFERRAL_REQUIRED}},
        [REFERRAL_ACCEPTED] = {.fhir = "accepted",
                               .verb = "accepted",
                               .command = "accept",
                               .summary = "Accept",
                               .stamp = "accepted_at",
                               .step = REFERRAL_STEP_REFERRED,
                               .handover = true,
                               .appointment = true,
                               .start_deadline = true,
                               .move = {REFERRAL_ACCEPTED,
                                        BIT(REFERRAL_SENT) | BIT(REFERRAL_RECEIVED) |
                                                BIT(REFERRAL_WAITLISTED),
                                        RECEIVER, .appointment = REFERRAL_OPTIONAL}},
        [REFERRAL_DECLINED] = {.fhir = "rejected",
                               .verb = "declined",
                               .command = "decline",
                               .summary = "Decline",
                               .stamp = "closed_at",
                               .step = REFERRAL_STEP_DROPPED,
                               .move = {REFERRAL_DECLINED,
                                        BIT(REFERRAL_SENT) | BIT(REFERRAL_RECEIVED) |
                                                BIT(REFERRAL_WAITLISTED),
                                        RECEIVER, REFERRAL_REQUIRED, decline_reasons}},
        [REFERRAL_IN_PROGRESS] = {.fhir = "in-progress",
                                  .verb = "in progress",
                                  .command = "start",
                                  .summary = "The service started",
                                  .stamp = "started_at",
                                  .step = REFERRAL_STEP_IN_PROGRESS,
                                  .handover = true,
                                  .appointment = true,
                                  .move = {REFERRAL_IN_PROGRESS, BIT(REFERRAL_ACCEPTED), RECEIVER}},
        [REFERRAL_COMPLETED] = {.fhir = "completed",
                                .verb = "completed",
                                .command = "complete",
                                .summary = "The service ended",
                                .stamp = "closed_at",
                                .step = REFERRAL_STEP_DONE,
                                .handover = true,
                                .hands_over_case = true,
                                .move = {REFERRAL_COMPLETED, BIT(REFERRAL_IN_PROGRESS), RECEIVER,
                                         .outcome = REFERRAL_REQUIRED}},
        [REFERRAL_DROPPED_OUT] = {.fhir = "failed",
                                  .verb = "dropped out",
                                  .command = "dropout",
                                  .summary = "The client did not come or broke off",
                                  .stamp = "closed_at",
                                  .step = REFERRAL_STEP_DROPPED,
                                  .handover = true,
                                  .move = {REFERRAL_DROPPED_OUT,
                                           BIT(REFERRAL_ACCEPTED) | BIT(REFERRAL_IN_PROGRESS),
                                           RECEIVER, REFERRAL_REQUIRED, dropout_reasons}},
        [REFERRAL_WITHDRAWN] = {.fhir = "cancelled",
                                .verb = "withdrawn",
                                .command = "withdraw",
                                .summary = "Take the referral back",
                                .stamp = "closed_at",
                                .step = REFERRAL_STEP_OPEN,
                                .move = {REFERRAL_WITHDRAWN,
                                         BIT(REFERRAL_SENT) | BIT(REFERRAL_RECEIVED) |
                                                 BIT(REFERRAL_WAITLISTED) | BIT(REFERRAL_ACCEPTED) |
                                                 BIT(REFERRAL_IN_PROGRESS),
                                         SENDER, REFERRAL_OPTIONAL, withdraw_reasons}},
};

/* The step states in rising order, and whether a case's owner records them itself. */
static const struct {
	const char *name;
	bool own;
} step_states[REFERRAL_STEP_STATE_COUNT] = {
        [REFERRAL_STEP_OPEN] = {"open", false},
        [REFERRAL_STEP_DROPPED] = {"dropped", false},
        [REFERRAL_STEP_REFERRED] = {"referred", false},
        [REFERRAL_STEP_IN_PROGRESS] = {"in_progress", true},
        [REFERRAL_STEP_DONE] = {"done", true},
};

const char *const referral_own_step_states[] = {"in_progress", "done", NULL};

static bool valid_status(enum referral_status s)
{
	return (unsigned)s < REFERRAL_STATUS_COUNT;
}

const char *referral_status_name(enum referral_status s)
{
	return valid_status(s) ? referral_status_names[s] : NULL;
}

int referral_status_parse(const char *name, enum referral_status *out)
{
	if (!name)
		return -EINVAL;
	for (unsigned i = 0; i < REFERRAL_STATUS_COUNT; i++) {
		if (strcmp(name, referral_status_names[i]) == 0) {
			*out = (enum referral_status)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *referral_side_name(unsigned side)
{
	switch (side) {
	case REFERRAL_SIDE_SENDER:
		return "sender";
	case REFERRAL_SIDE_RECEIVER:
		return "receiver";
	case REFERRAL_SIDE_BOTH:
		return "sender or receiver";
	default:
		return NULL;
	}
}

const char *referral_fhir_status(enum referral_status s)
{
	return valid_status(s) ? table[s].fhir : NULL;
}

bool referral_is_terminal(enum referral_status s)
{
	if (!valid_status(s))
		return false;
	for (unsigned i = 0; i < REFERRAL_STATUS_COUNT; i++) {
		if (table[i].move.from & BIT(s))
			return false;
	}
	return true;
}

bool referral_is_open(enum referral_status s)
{
	return valid_status(s) && !referral_is_terminal(s);
}

const struct referral_move *referral_move_into(enum referral_status to)
{
	return valid_status(to) ? &table[to].move : NULL;
}

size_t referral_next(enum referral_status from, unsigned side,
                     enum referral_status out[REFERRAL_STATUS_COUNT])
{
	size_t n = 0;

	if (!valid_status(from))
		return 0;
	for (unsigned i = 0; i < REFERRAL_STATUS_COUNT; i++) {
		if ((table[i].move.from & BIT(from)) && (table[i].move.side & side))
			out[n++] = (enum referral_status)i;
	}
	return n;
}

size_t referral_sources(enum referral_status to, unsigned side,
                        enum referral_status out[REFERRAL_STATUS_COUNT])
{
	size_t n = 0;

	if (!valid_status(to) || !(table[to].move.side & side))
		return 0;
	for (unsigned i = 0; i < REFERRAL_STATUS_COUNT; i++) {
		if (table[to].move.from & BIT(i))
			out[n++] = (enum referral_status)i;
	}
	return n;
}

const char *const *referral_reasons(enum referral_status to)
{
	return valid_status(to) ? table[to].move.reasons : NULL;
}

const char *const *referral_outcomes(void)
{
	return outcomes;
}

const struct referral_status_info *referral_status_info(enum referral_status s)
{
	return valid_status(s) ? &table[s] : NULL;
}

int referral_status_by_command(const char *word, enum referral_status *out)
{
	for (unsigned i = 0; word && i < REFERRAL_STATUS_COUNT; i++) {
		if (table[i].command && !strcmp(word, table[i].command)) {
			*out = (enum referral_status)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *referral_step_state_name(enum referral_step_state s)
{
	return (unsigned)s < REFERRAL_STEP_STATE_COUNT ? step_states[s].name : NULL;
}

int referral_step_state_parse(const char *name, enum referral_step_state *out)
{
	for (unsigned i = 0; name && i < REFERRAL_STEP_STATE_COUNT; i++) {
		if (!strcmp(name, step_states[i].name)) {
			*out = (enum referral_step_state)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool referral_step_state_own(enum referral_step_state s)
{
	return (unsigned)s < REFERRAL_STEP_STATE_COUNT && step_states[s].own;
}

/* The names of the statuses in a set of bits, as a JSON array in enum order. */
static json_t *status_array(unsigned bits)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < REFERRAL_STATUS_COUNT; i++)
		if (bits & BIT(i))
			json_array_append_new(a, json_string(referral_status_names[i]));
	return a;
}

/* An input a move takes as {"required": bool[, "codes": [...]]}; nothing when not taken. */
static void add_input(json_t *move, const char *field, enum referral_need need,
                      const char *const *codes)
{
	json_t *in;

	if (need == REFERRAL_NOT_ALLOWED)
		return;
	in = json_pack("{s:b}", "required", need == REFERRAL_REQUIRED);
	if (codes)
		json_object_set_new(in, "codes", json_string_list(codes));
	json_object_set_new(move, field, in);
}

static const char *clock_name(enum referral_clock c)
{
	return c == REFERRAL_CLOCK_DUE ? "due" : c == REFERRAL_CLOCK_EXPECTED ? "expected" : NULL;
}

json_t *referral_vocabulary(void)
{
	json_t *statuses = json_array(), *moves = json_array(), *steps = json_array();

	for (unsigned i = 0; i < REFERRAL_STATUS_COUNT; i++) {
		const struct referral_status_info *t = &table[i];
		const struct referral_move *m = &t->move;
		json_t *sides, *move;

		json_array_append_new(
		        statuses,
		        json_pack("{s:s, s:b, s:b, s:s?, s:s?, s:b, s:s, s:b, s:b, s:b, s:s}",
		                  "status", referral_status_names[i], "initial", m->from == 0,
		                  "open", referral_is_open(i), "stamp", t->stamp, "clock",
		                  clock_name(t->clock), "handover", t->handover, "step_state",
		                  step_states[t->step].name, "hands_over_case", t->hands_over_case,
		                  "appointment", t->appointment, "start_deadline",
		                  t->start_deadline, "fhir", t->fhir));
		if (m->from == 0)
			continue;
		sides = json_array();
		if (m->side & SENDER)
			json_array_append_new(sides, json_string("sender"));
		if (m->side & RECEIVER)
			json_array_append_new(sides, json_string("receiver"));
		move = json_pack("{s:s, s:o, s:o, s:s, s:s}", "to", referral_status_names[i],
		                 "from", status_array(m->from), "sides", sides, "command",
		                 t->command, "summary", t->summary);
		add_input(move, "reason", m->reason, m->reasons);
		add_input(move, "outcome", m->outcome, outcomes);
		add_input(move, "expected_on", m->expected_date, NULL);
		add_input(move, "appointment_at", m->appointment, NULL);
		json_array_append_new(moves, move);
	}
	for (unsigned i = 0; i < REFERRAL_STEP_STATE_COUNT; i++)
		json_array_append_new(steps, json_pack("{s:s, s:b}", "state", step_states[i].name,
		                                       "own", step_states[i].own));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "statuses", statuses, "moves", moves,
	                 "outcomes", json_string_list(outcomes), "channels",
	                 json_string_list(referral_channels), "move_channels",
	                 json_string_list(referral_move_channels), "step_states", steps);
}

/* "one of: a, b, c" into buf. */
static void list_codes(char *buf, size_t len, const char *const *codes)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; codes[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", codes[i]);
}

/* Record a problem with one input in the verdict (if any). */
static void add_field(struct referral_verdict *v, const char *field, const char *code,
                      const char *message)
{
	if (!v || v->n_fields >= REFERRAL_INPUT_COUNT)
		return;
	v->fields[v->n_fields].field = field;
	v->fields[v->n_fields].code = code;
	snprintf(v->fields[v->n_fields].message, sizeof(v->fields[0].message), "%s", message);
	v->n_fields++;
}

/*
 * Check one input against its need and, when given, its format (codes for enumerations,
 * ok() for dates); returns whether it is fine.
 */
static bool check_input(struct referral_verdict *v, const char *field, const char *value,
                        enum referral_need need, const char *const *codes, bool (*ok)(const char *),
                        const char *format_code, const char *format, const char *verb)
{
	char msg[200], list[160];

	if (need == REFERRAL_NOT_ALLOWED) {
		if (!value)
			return true;
		snprintf(msg, sizeof(msg), "Not taken when a referral is marked as %s.", verb);
		add_field(v, field, "not_allowed", msg);
		return false;
	}
	if (!value) {
		if (need == REFERRAL_OPTIONAL)
			return true;
		snprintf(msg, sizeof(msg), "Required when a referral is marked as %s.", verb);
		add_field(v, field, "required", msg);
		return false;
	}
	if (codes && !validate_enum(value, codes)) {
		list_codes(list, sizeof(list), codes);
		snprintf(msg, sizeof(msg), "Must be one of: %s.", list);
		add_field(v, field, "not_in_list", msg);
		return false;
	}
	if (ok && !ok(value)) {
		add_field(v, field, format_code, format);
		return false;
	}
	return true;
}

int referral_check(enum referral_status from, enum referral_status to, unsigned side,
                   const struct referral_input *in, struct referral_verdict *verdict)
{
	static const struct referral_input none;
	const struct referral_move *m;
	bool good = true;

	if (verdict)
		memset(verdict, 0, sizeof(*verdict));
	if (!valid_status(from) || !valid_status(to)) {
		if (verdict)
			snprintf(verdict->detail, sizeof(verdict->detail), "Unknown status.");
		return -EINVAL;
	}
	m = &table[to].move;
	if (!(m->from & BIT(from))) {
		if (verdict)
			snprintf(verdict->detail, sizeof(verdict->detail),
			         "A referral that is %s cannot be marked as %s.", table[from].verb,
			         table[to].verb);
		return -EINVAL;
	}
	if (!(m->side & side)) {
		if (verdict)
			snprintf(verdict->detail, sizeof(verdict->detail),
			         "Only the %s can mark a referral as %s.",
			         referral_side_name(m->side), table[to].verb);
		return -EPERM;
	}
	if (!in)
		in = &none;
	good &= check_input(verdict, "reason", in->reason, m->reason, m->reasons, NULL, NULL, NULL,
	                    table[to].verb);
	good &= check_input(verdict, "outcome", in->outcome, m->outcome, outcomes, NULL, NULL, NULL,
	                    table[to].verb);
	good &= check_input(verdict, "expected_on", in->expected_date, m->expected_date, NULL,
	                    validate_date, "date", "Must be a date as YYYY-MM-DD that exists.",
	                    table[to].verb);
	good &= check_input(verdict, "appointment_at", in->appointment_at, m->appointment, NULL,
	                    validate_timestamp, "timestamp",
	                    "Must be a date and time as in 2026-03-01T09:30:00+01:00.",
	                    table[to].verb);
	if (!good) {
		if (verdict)
			snprintf(verdict->detail, sizeof(verdict->detail),
			         "The move to %s is missing or has invalid details.",
			         table[to].verb);
		return -EBADMSG;
	}
	return 0;
}
