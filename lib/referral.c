/* The handover state machine: one table of data, and the functions that read it. */
#include "referral.h"
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

/* One row per status: its names and the move that leads into it. */
static const struct status_row {
	const char *name;
	const char *fhir; /* HL7 FHIR R4 Task.status */
	const char *verb; /* for sentences: "mark a referral as <verb>" */
	struct referral_move move;
} table[REFERRAL_STATUS_COUNT] = {
        [REFERRAL_SENT] = {"sent", "requested", "sent", {REFERRAL_SENT, 0, SENDER}},
        [REFERRAL_RECEIVED] = {"received",
                               "received",
                               "received",
                               {REFERRAL_RECEIVED, BIT(REFERRAL_SENT), RECEIVER}},
        [REFERRAL_WAITLISTED] = {"waitlisted",
                                 "on-hold",
                                 "waitlisted",
                                 {REFERRAL_WAITLISTED, BIT(REFERRAL_SENT) | BIT(REFERRAL_RECEIVED),
                                  RECEIVER, .expected_date = REFERRAL_REQUIRED}},
        [REFERRAL_ACCEPTED] = {"accepted",
                               "accepted",
                               "accepted",
                               {REFERRAL_ACCEPTED,
                                BIT(REFERRAL_SENT) | BIT(REFERRAL_RECEIVED) |
                                        BIT(REFERRAL_WAITLISTED),
                                RECEIVER, .appointment = REFERRAL_OPTIONAL}},
        [REFERRAL_DECLINED] = {"declined",
                               "rejected",
                               "declined",
                               {REFERRAL_DECLINED,
                                BIT(REFERRAL_SENT) | BIT(REFERRAL_RECEIVED) |
                                        BIT(REFERRAL_WAITLISTED),
                                RECEIVER, REFERRAL_REQUIRED, decline_reasons}},
        [REFERRAL_IN_PROGRESS] = {"in_progress",
                                  "in-progress",
                                  "in progress",
                                  {REFERRAL_IN_PROGRESS, BIT(REFERRAL_ACCEPTED), RECEIVER}},
        [REFERRAL_COMPLETED] = {"completed",
                                "completed",
                                "completed",
                                {REFERRAL_COMPLETED, BIT(REFERRAL_IN_PROGRESS), RECEIVER,
                                 .outcome = REFERRAL_REQUIRED}},
        [REFERRAL_DROPPED_OUT] = {"dropped_out",
                                  "failed",
                                  "dropped out",
                                  {REFERRAL_DROPPED_OUT,
                                   BIT(REFERRAL_ACCEPTED) | BIT(REFERRAL_IN_PROGRESS), RECEIVER,
                                   REFERRAL_REQUIRED, dropout_reasons}},
        [REFERRAL_WITHDRAWN] = {"withdrawn",
                                "cancelled",
                                "withdrawn",
                                {REFERRAL_WITHDRAWN,
                                 BIT(REFERRAL_SENT) | BIT(REFERRAL_RECEIVED) |
                                         BIT(REFERRAL_WAITLISTED) | BIT(REFERRAL_ACCEPTED) |
                                         BIT(REFERRAL_IN_PROGRESS),
                                 SENDER, REFERRAL_OPTIONAL, withdraw_reasons}},
};

static bool valid_status(enum referral_status s)
{
	return (unsigned)s < REFERRAL_STATUS_COUNT;
}

const char *referral_status_name(enum referral_status s)
{
	return valid_status(s) ? table[s].name : NULL;
}

int referral_status_parse(const char *name, enum referral_status *out)
{
	if (!name)
		return -EINVAL;
	for (unsigned i = 0; i < REFERRAL_STATUS_COUNT; i++) {
		if (strcmp(name, table[i].name) == 0) {
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
