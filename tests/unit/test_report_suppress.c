/* server/report_suppress.c: the network report's tables suppressed together where they share
 * totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "report_suppress.h"

/* A period: every referral is open or declined; two providers, two steps (all referrals have a
 * step), two decline reasons, one district. */
static const char period[] =
        "{\"since\": \"2026-04-01\", \"until\": \"2026-07-01\","
        " \"totals\": {\"referred\": 40, \"accepted\": 30, \"started\": 3, \"open\": 22,"
        "   \"declined\": 18, \"withdrawn\": 0, \"dropped_out\": 0, \"goal_reached\": 0,"
        "   \"partially_reached\": 0, \"not_reached\": 0, \"referred_on\": 0,"
        "   \"warm_handovers\": 12, \"warm_handover_share\": 0.3},"
        " \"outcomes_by_provider\": ["
        "   {\"node_id\": \"p1\", \"referred\": 20, \"open\": 11, \"declined\": 9},"
        "   {\"node_id\": \"p2\", \"referred\": 20, \"open\": 11, \"declined\": 9}],"
        " \"outcomes_by_step\": ["
        "   {\"step_key\": \"s1\", \"referred\": 20, \"open\": 2, \"declined\": 18},"
        "   {\"step_key\": \"s2\", \"referred\": 20, \"open\": 20, \"declined\": 0}],"
        " \"decline_reasons\": [{\"reason\": \"no_capacity\", \"referrals\": 10},"
        "                       {\"reason\": \"other\", \"referrals\": 8}],"
        " \"dropout_reasons\": [],"
        " \"timing\": [{\"step_key\": null, \"reaction\": {\"n\": 4, \"median\": 1.5, \"p90\": 2,"
        "   \"with_target\": 4, \"within_target\": 4}, \"acceptance\": {\"n\": 30, \"median\": 2,"
        "   \"p90\": 5, \"with_target\": 30, \"within_target\": 3}, \"start\": {\"n\": 0,"
        "   \"median\": null, \"p90\": null, \"with_target\": 0, \"within_target\": 0}}],"
        " \"districts\": [{\"district\": \"Nordstadt\", \"referred\": 40}],"
        " \"district_flows\": [{\"from_district\": \"Nordstadt\", \"to_district\": \"Altstadt\","
        "   \"referred\": 40}]}";

static json_t *report(void)
{
	json_t *p = json_loads(period, 0, NULL);

	assert_non_null(p);
	return json_pack("{s:o,s:o}", "current", p, "previous", json_deep_copy(p));
}

static bool hidden(const json_t *obj, const char *key)
{
	return json_is_null(json_object_get(obj, key));
}

static void a_total_one_table_hides_is_hidden_in_the_others(void **state)
{
	json_t *r = report();
	json_t *cur, *totals, *p1, *p2, *s1, *reasons;

	(void)state;
	report_suppress(r);
	assert_true(json_is_true(json_object_get(r, "suppressed")));
	cur = json_object_get(r, "current");
	totals = json_object_get(cur, "totals");
	s1 = json_array_get(json_object_get(cur, "outcomes_by_step"), 0);
	/* The step table: s1's 2 open is small; the cheapest cycle through it takes the totals of
	   open and declined along (its other rectangles would hide more or hide zeros). */
	assert_true(hidden(s1, "open") && hidden(s1, "declined"));
	assert_true(hidden(totals, "open") && hidden(totals, "declined"));
	assert_false(hidden(totals, "referred"));
	/* The provider table has no small cell, but the same two totals are hidden there: p1's
	   open and declined go with them, so that they cannot be added up again. */
	p1 = json_array_get(json_object_get(cur, "outcomes_by_provider"), 0);
	p2 = json_array_get(json_object_get(cur, "outcomes_by_provider"), 1);
	assert_true(hidden(p1, "open") && hidden(p1, "declined"));
	assert_false(hidden(p2, "open") || hidden(p2, "declined") || hidden(p1, "referred"));
	/* The decline reasons add up to the hidden declined: one of them goes too (the smaller). */
	reasons = json_object_get(cur, "decline_reasons");
	assert_false(hidden(json_array_get(reasons, 0), "referrals"));
	assert_true(hidden(json_array_get(reasons, 1), "referrals"));
	/* Counts in no table: small ones only; what is computed from them goes with them. */
	assert_false(hidden(totals, "accepted") || hidden(totals, "warm_handover_share"));
	assert_true(hidden(totals, "started"));
	json_t *timing = json_array_get(json_object_get(cur, "timing"), 0);
	json_t *reaction = json_object_get(timing, "reaction");
	json_t *acceptance = json_object_get(timing, "acceptance");
	assert_true(hidden(reaction, "n") && hidden(reaction, "median") && hidden(reaction, "p90"));
	assert_false(hidden(acceptance, "median"));
	assert_true(hidden(acceptance, "within_target"));
	/* The period before, suppressed on its own, comes out the same. */
	assert_true(json_equal(cur, json_object_get(r, "previous")));
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(a_total_one_table_hides_is_hidden_in_the_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
