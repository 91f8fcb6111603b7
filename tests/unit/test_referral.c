/*
 * Unit tests of lib/referral.c: every row of the state machine (each allowed move by its
 * side, the same move by the other side, every pair that is not a move), and the inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "referral.h"

#define N  REFERRAL_STATUS_COUNT
#define S  REFERRAL_SIDE_SENDER
#define R  REFERRAL_SIDE_RECEIVER
#define SE REFERRAL_SENT
#define RE REFERRAL_RECEIVED
#define WA REFERRAL_WAITLISTED
#define AC REFERRAL_ACCEPTED
#define DE REFERRAL_DECLINED
#define IP REFERRAL_IN_PROGRESS
#define CO REFERRAL_COMPLETED
#define DR REFERRAL_DROPPED_OUT
#define WI REFERRAL_WITHDRAWN

/* The table restated independently: expected[from][to] is the side that may move, or 0. */
static const unsigned expected[N][N] = {
        [SE] = {[RE] = R, [WA] = R, [AC] = R, [DE] = R, [WI] = S},
        [RE] = {[WA] = R, [AC] = R, [DE] = R, [WI] = S},
        [WA] = {[AC] = R, [DE] = R, [WI] = S},
        [AC] = {[IP] = R, [DR] = R, [WI] = S},
        [IP] = {[CO] = R, [DR] = R, [WI] = S},
};

static const char *const names[N] = {"sent",      "received",    "waitlisted",
                                     "accepted",  "declined",    "in_progress",
                                     "completed", "dropped_out", "withdrawn"};

/* The inputs that make a move into to complete. */
static struct referral_input good_input(enum referral_status to)
{
	struct referral_input in = {0};

	if (to == DE)
		in.reason = "no_capacity";
	if (to == DR)
		in.reason = "no_show";
	if (to == CO)
		in.outcome = "goal_reached";
	if (to == WA)
		in.expected_date = "2026-04-01";
	return in;
}

/* One row of the table: every source status, by each side, into the status in *state. */
static void table_row(void **state)
{
	enum referral_status to = *(const enum referral_status *)*state;

	for (unsigned from = 0; from < N; from++) {
		struct referral_input in = good_input(to);
		struct referral_verdict v;
		unsigned who = expected[from][to];
		int right, wrong_s, wrong_r;

		right = referral_check(from, to, who ? who : R, &in, &v);
		wrong_s = referral_check(from, to, S, &in, &v);
		wrong_r = referral_check(from, to, R, &in, &v);
		if (who) {
			if (right != 0)
				fail_msg("%s -> %s by its side: %d (%s)", names[from], names[to],
				         right, v.detail);
			if ((who == S ? wrong_r : wrong_s) != -EPERM)
				fail_msg("%s -> %s by the other side: expected -EPERM", names[from],
				         names[to]);
			/* An actor on both sides may make any move in the table. */
			assert_int_equal(referral_check(from, to, REFERRAL_SIDE_BOTH, &in, NULL),
			                 0);
		} else {
			if (wrong_s != -EINVAL || wrong_r != -EINVAL)
				fail_msg("%s -> %s is not a move: got %d and %d", names[from],
				         names[to], wrong_s, wrong_r);
			assert_int_equal(referral_check(from, to, REFERRAL_SIDE_BOTH, &in, &v),
			                 -EINVAL);
			assert_non_null(strstr(v.detail, "cannot be marked as"));
		}
	}
}

static void status_names(void **state)
{
	enum referral_status s;

	for (unsigned i = 0; i < N; i++) {
		assert_string_equal(referral_status_name(i), names[i]);
		assert_int_equal(referral_status_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}
	assert_null(referral_status_name(N));
	assert_null(referral_status_name((enum referral_status) - 1));
	assert_int_equal(referral_status_parse("Sent", &s), -EINVAL);
	assert_int_equal(referral_status_parse("in-progress", &s), -EINVAL);
	assert_int_equal(referral_status_parse("", &s), -EINVAL);
	assert_int_equal(referral_status_parse(NULL, &s), -EINVAL);
	assert_string_equal(referral_side_name(S), "sender");
	assert_string_equal(referral_side_name(R), "receiver");
	assert_string_equal(referral_side_name(REFERRAL_SIDE_BOTH), "sender or receiver");
	assert_null(referral_side_name(0));
}

static void fhir_mapping(void **state)
{
	static const char *const fhir[N] = {"requested", "received", "on-hold",
	                                    "accepted",  "rejected", "in-progress",
	                                    "completed", "failed",   "cancelled"};

	for (unsigned i = 0; i < N; i++)
		assert_string_equal(referral_fhir_status(i), fhir[i]);
	assert_null(referral_fhir_status(N));
}

static void terminal_and_open(void **state)
{
	for (unsigned s = 0; s < N; s++) {
		bool terminal = s == DE || s == CO || s == DR || s == WI;

		assert_int_equal(referral_is_terminal(s), terminal);
		assert_int_equal(referral_is_open(s), !terminal);
	}
	assert_false(referral_is_terminal(N));
	assert_false(referral_is_open(N));
}

/* referral_next lists exactly the table's moves out of each status, per side. */
static void next_moves(void **state)
{
	static const unsigned sides[] = {S, R, REFERRAL_SIDE_BOTH};

	for (unsigned from = 0; from < N; from++) {
		for (size_t k = 0; k < 3; k++) {
			enum referral_status out[N];
			size_t n = referral_next(from, sides[k], out), want = 0, j = 0;

			for (unsigned to = 0; to < N; to++) {
				if (!(expected[from][to] & sides[k]))
					continue;
				want++;
				assert_true(j < n);
				assert_int_equal(out[j++], to);
			}
			assert_int_equal(n, want);
		}
	}
	{
		enum referral_status out[N];

		assert_int_equal(referral_next(N, REFERRAL_SIDE_BOTH, out), 0);
		/* From sent the receiver has four moves, the sender one. */
		assert_int_equal(referral_next(SE, R, out), 4);
		assert_int_equal(referral_next(SE, S, out), 1);
		assert_int_equal(out[0], WI);
	}
}

/* referral_sources lists, for the database, exactly the table's sources of each move. */
static void source_statuses(void **state)
{
	enum referral_status out[N];

	for (unsigned to = 0; to < N; to++) {
		for (unsigned side = S; side <= REFERRAL_SIDE_BOTH; side++) {
			size_t n = referral_sources(to, side, out), want = 0, j = 0;

			for (unsigned from = 0; from < N; from++) {
				if (!(expected[from][to] & side))
					continue;
				want++;
				assert_true(j < n);
				assert_int_equal(out[j++], from);
			}
			assert_int_equal(n, want);
		}
	}
	assert_int_equal(referral_sources(AC, R, out), 3);
	assert_int_equal(out[0], SE);
	assert_int_equal(out[1], RE);
	assert_int_equal(out[2], WA);
	assert_int_equal(referral_sources(AC, S, out), 0);
	assert_int_equal(referral_sources(WI, S, out), 5);
	assert_int_equal(referral_sources(SE, REFERRAL_SIDE_BOTH, out), 0);
	assert_int_equal(referral_sources(N, REFERRAL_SIDE_BOTH, out), 0);
}

static void move_rows(void **state)
{
	const struct referral_move *m;

	for (unsigned to = 0; to < N; to++) {
		m = referral_move_into(to);
		assert_non_null(m);
		assert_int_equal(m->to, to);
	}
	assert_null(referral_move_into(N));
	m = referral_move_into(SE);
	assert_int_equal(m->from, 0);
	assert_int_equal(m->side, S);
	assert_int_equal(referral_move_into(WA)->expected_date, REFERRAL_REQUIRED);
	assert_int_equal(referral_move_into(AC)->appointment, REFERRAL_OPTIONAL);
	assert_int_equal(referral_move_into(CO)->outcome, REFERRAL_REQUIRED);
	assert_int_equal(referral_move_into(WI)->reason, REFERRAL_OPTIONAL);
}

/* Every listed code of each move is accepted; codes of other moves are not. */
static void reason_codes(void **state)
{
	static const char *const decline[] = {"no_capacity", "not_eligible", "client_unreachable",
	                                      "other", NULL};
	static const char *const dropout[] = {"no_show", "broke_off", "moved_away", "other", NULL};
	static const char *const withdraw[] = {"no_longer_needed", "consent_revoked", "other",
	                                       NULL};
	static const char *const outcomes[] = {"goal_reached", "partially_reached", "not_reached",
	                                       "referred_on", NULL};
	const char *const *lists[] = {decline, dropout, withdraw};
	const enum referral_status moves[] = {DE, DR, WI};
	const enum referral_status froms[] = {SE, AC, SE};
	const unsigned sides[] = {R, R, S};

	for (size_t k = 0; k < 3; k++) {
		const char *const *got = referral_reasons(moves[k]);
		size_t i;

		for (i = 0; lists[k][i]; i++) {
			struct referral_input in = {.reason = lists[k][i]};

			assert_string_equal(got[i], lists[k][i]);
			assert_int_equal(referral_check(froms[k], moves[k], sides[k], &in, NULL),
			                 0);
		}
		assert_null(got[i]);
	}
	for (size_t i = 0; outcomes[i]; i++) {
		struct referral_input in = {.outcome = outcomes[i]};

		assert_string_equal(referral_outcomes()[i], outcomes[i]);
		assert_int_equal(referral_check(IP, CO, R, &in, NULL), 0);
	}
	assert_null(referral_outcomes()[4]);
	assert_null(referral_reasons(RE));
	assert_null(referral_reasons(AC));
	assert_null(referral_reasons(CO));
	assert_null(referral_reasons(N));
}

/* Assert a -EBADMSG verdict naming field with a message containing part. */
static void expect_input_error(enum referral_status from, enum referral_status to, unsigned side,
                               struct referral_input in, const char *field, const char *part)
{
	struct referral_verdict v;
	int r = referral_check(from, to, side, &in, &v);

	if (r != -EBADMSG || v.n_fields != 1 || strcmp(v.fields[0].field, field) != 0 ||
	    !strstr(v.fields[0].message, part))
		fail_msg("%s -> %s: expected one problem on %s with \"%s\", got %d, %zu: %s: %s",
		         names[from], names[to], field, part, r, v.n_fields,
		         v.n_fields ? v.fields[0].field : "-",
		         v.n_fields ? v.fields[0].message : "-");
}

static void missing_and_invalid_inputs(void **state)
{
	expect_input_error(SE, DE, R, (struct referral_input){0}, "reason", "Required");
	expect_input_error(RE, DE, R, (struct referral_input){.reason = "no_show"}, "reason",
	                   "Must be one of: no_capacity, not_eligible, client_unreachable, other.");
	expect_input_error(AC, DR, R, (struct referral_input){0}, "reason", "Required");
	expect_input_error(IP, DR, R, (struct referral_input){.reason = "no_capacity"}, "reason",
	                   "no_show, broke_off, moved_away, other");
	expect_input_error(IP, CO, R, (struct referral_input){0}, "outcome", "Required");
	expect_input_error(IP, CO, R, (struct referral_input){.outcome = "done"}, "outcome",
	                   "goal_reached");
	expect_input_error(SE, WA, R, (struct referral_input){0}, "expected_on", "Required");
	expect_input_error(RE, WA, R, (struct referral_input){.expected_date = "2025-02-29"},
	                   "expected_on", "YYYY-MM-DD");
	expect_input_error(RE, WA, R,
	                   (struct referral_input){.expected_date = "2026-04-01T00:00:00Z"},
	                   "expected_on", "YYYY-MM-DD");
	expect_input_error(SE, AC, R, (struct referral_input){.appointment_at = "tomorrow"},
	                   "appointment_at", "2026-03-01T09:30:00+01:00");
	expect_input_error(SE, AC, R,
	                   (struct referral_input){.appointment_at = "2026-03-01T24:00:00Z"},
	                   "appointment_at", "date and time");
	expect_input_error(SE, WI, S, (struct referral_input){.reason = "no_capacity"}, "reason",
	                   "no_longer_needed, consent_revoked, other");
	expect_input_error(SE, WI, S, (struct referral_input){.reason = ""}, "reason",
	                   "Must be one of");
}

static void inputs_a_move_does_not_take(void **state)
{
	expect_input_error(SE, RE, R, (struct referral_input){.reason = "other"}, "reason",
	                   "Not taken");
	expect_input_error(SE, AC, R, (struct referral_input){.expected_date = "2026-04-01"},
	                   "expected_on", "Not taken when a referral is marked as accepted.");
	expect_input_error(AC, IP, R,
	                   (struct referral_input){.appointment_at = "2026-03-01T09:30:00Z"},
	                   "appointment_at", "in progress");
	expect_input_error(IP, CO, R,
	                   (struct referral_input){.outcome = "goal_reached", .reason = "other"},
	                   "reason", "Not taken");
	expect_input_error(SE, DE, R,
	                   (struct referral_input){.reason = "other", .outcome = "goal_reached"},
	                   "outcome", "Not taken");
}

static void optional_inputs(void **state)
{
	struct referral_input in = {0};

	/* accepted: with or without an appointment. */
	assert_int_equal(referral_check(WA, AC, R, NULL, NULL), 0);
	in.appointment_at = "2026-03-01T09:30:00+01:00";
	assert_int_equal(referral_check(WA, AC, R, &in, NULL), 0);
	/* withdrawn: with or without a reason. */
	assert_int_equal(referral_check(IP, WI, S, NULL, NULL), 0);
	in = (struct referral_input){.reason = "consent_revoked"};
	assert_int_equal(referral_check(IP, WI, S, &in, NULL), 0);
}

static void every_wrong_input_listed(void **state)
{
	struct referral_input in = {.reason = "x", .outcome = "y", .appointment_at = "z"};
	struct referral_verdict v;

	assert_int_equal(referral_check(SE, DE, R, &in, &v), -EBADMSG);
	assert_int_equal(v.n_fields, 3);
	assert_string_equal(v.fields[0].field, "reason");
	assert_string_equal(v.fields[1].field, "outcome");
	assert_string_equal(v.fields[2].field, "appointment_at");
	assert_non_null(strstr(v.detail, "declined"));
	/* Each with the code clients word it by. */
	assert_string_equal(v.fields[0].code, "not_in_list");
	assert_string_equal(v.fields[1].code, "not_allowed");
	assert_string_equal(v.fields[2].code, "not_allowed");
}

/* The codes of the input problems: required, not_in_list, date, timestamp, not_allowed. */
static void input_problem_codes(void **state)
{
	struct referral_input in = {0};
	struct referral_verdict v;

	assert_int_equal(referral_check(SE, DE, R, &in, &v), -EBADMSG);
	assert_string_equal(v.fields[0].code, "required");
	in = (struct referral_input){.expected_date = "2025-02-29"};
	assert_int_equal(referral_check(RE, WA, R, &in, &v), -EBADMSG);
	assert_string_equal(v.fields[0].field, "expected_on");
	assert_string_equal(v.fields[0].code, "date");
	in = (struct referral_input){.appointment_at = "morgen"};
	assert_int_equal(referral_check(RE, AC, R, &in, &v), -EBADMSG);
	assert_string_equal(v.fields[0].code, "timestamp");
	in = (struct referral_input){.outcome = "done"};
	assert_int_equal(referral_check(IP, CO, R, &in, &v), -EBADMSG);
	assert_string_equal(v.fields[0].code, "not_in_list");
	in = (struct referral_input){.reason = "other"};
	assert_int_equal(referral_check(SE, RE, R, &in, &v), -EBADMSG);
	assert_string_equal(v.fields[0].code, "not_allowed");
}

/* The order of checks: not a move (409) before wrong side (403) before inputs (422). */
static void order_of_checks(void **state)
{
	struct referral_verdict v;

	/* Not a move, whoever asks, whatever it carries. */
	assert_int_equal(referral_check(CO, WI, S, NULL, &v), -EINVAL);
	assert_string_equal(v.detail,
	                    "A referral that is completed cannot be marked as withdrawn.");
	/* Wrong side even with bad inputs. */
	assert_int_equal(referral_check(SE, DE, S, NULL, &v), -EPERM);
	assert_string_equal(v.detail, "Only the receiver can mark a referral as declined.");
	assert_int_equal(referral_check(SE, WI, R, NULL, &v), -EPERM);
	assert_string_equal(v.detail, "Only the sender can mark a referral as withdrawn.");
	assert_int_equal(v.n_fields, 0);
	/* No side at all may do nothing. */
	assert_int_equal(referral_check(SE, RE, 0, NULL, NULL), -EPERM);
	/* Out of range. */
	assert_int_equal(referral_check(N, RE, R, NULL, &v), -EINVAL);
	assert_int_equal(referral_check(SE, N, R, NULL, NULL), -EINVAL);
	assert_int_equal(referral_check(SE, SE, S, NULL, NULL), -EINVAL);
}

/* What each status means beside its moves: clock, step state, handover, stamp, commands. */
static void status_meanings(void **state)
{
	static const enum referral_clock clocks[N] = {[SE] = REFERRAL_CLOCK_DUE,
	                                              [RE] = REFERRAL_CLOCK_DUE,
	                                              [WA] = REFERRAL_CLOCK_EXPECTED};
	static const enum referral_step_state steps[N] = {
	        [SE] = REFERRAL_STEP_REFERRED, [RE] = REFERRAL_STEP_REFERRED,
	        [WA] = REFERRAL_STEP_REFERRED, [AC] = REFERRAL_STEP_REFERRED,
	        [DE] = REFERRAL_STEP_DROPPED,  [IP] = REFERRAL_STEP_IN_PROGRESS,
	        [CO] = REFERRAL_STEP_DONE,     [DR] = REFERRAL_STEP_DROPPED,
	        [WI] = REFERRAL_STEP_OPEN};
	static const char *const stamps[N] = {
	        [RE] = "received_at", [AC] = "accepted_at", [IP] = "started_at", [DE] = "closed_at",
	        [CO] = "closed_at",   [DR] = "closed_at",   [WI] = "closed_at"};
	static const char *const commands[N] = {
	        [RE] = "receive", [WA] = "waitlist", [AC] = "accept",  [DE] = "decline",
	        [IP] = "start",   [CO] = "complete", [DR] = "dropout", [WI] = "withdraw"};
	enum referral_status s;

	for (unsigned i = 0; i < N; i++) {
		const struct referral_status_info *t = referral_status_info(i);

		assert_non_null(t);
		assert_int_equal(t->clock, clocks[i]);
		assert_int_equal(t->step, steps[i]);
		assert_int_equal(t->handover, i != DE && i != WI);
		assert_int_equal(t->hands_over_case, i == CO);
		/* A move into a terminal status closes the referral, and only such a move. */
		if (stamps[i] && !strcmp(stamps[i], "closed_at"))
			assert_true(referral_is_terminal(i));
		else
			assert_false(referral_is_terminal(i));
		if (stamps[i])
			assert_string_equal(t->stamp, stamps[i]);
		else
			assert_null(t->stamp);
		if (commands[i]) {
			assert_string_equal(t->command, commands[i]);
			assert_non_null(t->summary);
			assert_int_equal(referral_status_by_command(commands[i], &s), 0);
			assert_int_equal(s, i);
		} else {
			assert_null(t->command);
		}
		assert_string_equal(referral_status_names[i], names[i]);
	}
	assert_null(referral_status_names[N]);
	assert_null(referral_status_info(N));
	assert_int_equal(referral_status_by_command("accepted", &s), -EINVAL);
	assert_int_equal(referral_status_by_command(NULL, &s), -EINVAL);
	assert_string_equal(referral_step_state_name(REFERRAL_STEP_OPEN), "open");
	assert_string_equal(referral_step_state_name(REFERRAL_STEP_DONE), "done");
	assert_null(referral_step_state_name(REFERRAL_STEP_STATE_COUNT));
	assert_true(referral_step_state_own(REFERRAL_STEP_IN_PROGRESS));
	assert_true(referral_step_state_own(REFERRAL_STEP_DONE));
	assert_false(referral_step_state_own(REFERRAL_STEP_REFERRED));
	for (unsigned i = 0, k = 0; i < REFERRAL_STEP_STATE_COUNT; i++) {
		enum referral_step_state st;

		assert_int_equal(referral_step_state_parse(referral_step_state_name(i), &st), 0);
		assert_int_equal(st, i);
		if (referral_step_state_own(i))
			assert_string_equal(referral_own_step_states[k++],
			                    referral_step_state_name(i));
		if (i == REFERRAL_STEP_STATE_COUNT - 1)
			assert_null(referral_own_step_states[k]);
	}
	assert_int_equal(referral_step_state_parse("started", &(enum referral_step_state){0}),
	                 -EINVAL);
	assert_string_equal(referral_channels[0], "in_person");
	assert_null(referral_channels[5]);
	/* A move made through a link is not a handover channel: the two lists are apart. */
	assert_string_equal(referral_move_channels[0], "link");
	assert_null(referral_move_channels[1]);
	for (size_t i = 0; referral_channels[i]; i++)
		assert_string_not_equal(referral_channels[i], "link");
}

/* The vocabulary as JSON says what the table says, move by move. */
static void vocabulary_json(void **state)
{
	json_t *v = referral_vocabulary(), *statuses, *moves, *item, *from;
	size_t i, k;

	statuses = json_object_get(v, "statuses");
	moves = json_object_get(v, "moves");
	assert_int_equal(json_array_size(statuses), N);
	assert_int_equal(json_array_size(moves), N - 1); /* sent is made, not moved into */
	json_array_foreach(statuses, i, item) {
		assert_string_equal(json_string_value(json_object_get(item, "status")), names[i]);
		assert_int_equal(json_is_true(json_object_get(item, "open")),
		                 referral_is_open((enum referral_status)i));
		assert_int_equal(json_is_true(json_object_get(item, "initial")), i == SE);
	}
	json_array_foreach(moves, i, item) {
		enum referral_status to;
		const char *side =
		        json_string_value(json_array_get(json_object_get(item, "sides"), 0));

		assert_int_equal(
		        referral_status_parse(json_string_value(json_object_get(item, "to")), &to),
		        0);
		from = json_object_get(item, "from");
		for (unsigned f = 0; f < N; f++) {
			bool listed = false;
			json_t *x;

			json_array_foreach(from, k, x)
				listed = listed || !strcmp(json_string_value(x), names[f]);
			assert_int_equal(listed, expected[f][to] != 0);
			if (listed)
				assert_string_equal(side,
				                    expected[f][to] == S ? "sender" : "receiver");
		}
		assert_int_equal(json_object_get(item, "reason") != NULL,
		                 to == DE || to == DR || to == WI);
		assert_int_equal(
		        json_is_true(json_object_get(json_object_get(item, "reason"), "required")),
		        to == DE || to == DR);
		assert_int_equal(json_object_get(item, "outcome") != NULL, to == CO);
		assert_int_equal(json_object_get(item, "expected_on") != NULL, to == WA);
		assert_int_equal(json_object_get(item, "appointment_at") != NULL, to == AC);
	}
	assert_int_equal(json_array_size(json_object_get(v, "outcomes")), 4);
	assert_int_equal(json_array_size(json_object_get(v, "channels")), 5);
	assert_string_equal(
	        json_string_value(json_array_get(json_object_get(v, "move_channels"), 0)), "link");
	assert_int_equal(json_array_size(json_object_get(v, "step_states")),
	                 REFERRAL_STEP_STATE_COUNT);
	json_decref(v);
}

int main(void)
{
	static enum referral_status rows[N] = {SE, RE, WA, AC, DE, IP, CO, DR, WI};
	static char row_names[N][32];
	struct CMUnitTest tests[N + 15];
	size_t n = 0;

	for (unsigned i = 0; i < N; i++) {
		snprintf(row_names[i], sizeof(row_names[i]), "table_row_into_%s", names[i]);
		tests[n++] = (struct CMUnitTest){row_names[i], table_row, NULL, NULL, &rows[i]};
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(status_names);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(fhir_mapping);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(terminal_and_open);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(next_moves);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(source_statuses);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(move_rows);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(reason_codes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(missing_and_invalid_inputs);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(inputs_a_move_does_not_take);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(optional_inputs);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(every_wrong_input_listed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(input_problem_codes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(order_of_checks);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(status_meanings);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(vocabulary_json);

	return _cmocka_run_group_tests("referral", tests, n, NULL, NULL);
}
