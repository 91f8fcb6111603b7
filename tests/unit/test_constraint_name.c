/* server/constraint_name.c: a broken constraint's name read back as a field and a rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "constraint_name.h"

static void field_is(const char *table, const char *constraint, const char *want)
{
	char out[64];

	constraint_field(table, constraint, out, sizeof(out));
	assert_string_equal(out, want);
}

static void fields(void **state)
{
	/* the table of the error first */
	field_is("service", "service_capacity_free_range", "capacity_free");
	field_is("client_case", "client_case_reference_key", "reference");
	/* without a table: the longest known table that prefixes the name */
	field_is(NULL, "chain_step_key_key", "key");
	field_is(NULL, "chain_step_provider_node_id_member", "node_id");
	field_is(NULL, "network_member_node_id_active", "node_id");
	field_is(NULL, "account_network_ids_fkey", "network_ids");
	/* a table given that is a prefix of a longer one still loses to the longer one */
	field_is("chain", "chain_version_status_transition", "status");
	/* nothing known: everything before the rule */
	field_is(NULL, "mystery_thing_check", "mystery_thing");
	field_is(NULL, "norule", "norule");
	field_is("node", NULL, "");
}

static void field_fits_the_buffer(void **state)
{
	char out[4];

	constraint_field("service", "service_capacity_free_range", out, sizeof(out));
	assert_string_equal(out, "cap");
}

static void rules(void **state)
{
	assert_string_equal(constraint_rule_message("node_name_key"), "is already taken");
	assert_string_equal(constraint_rule_message("node_organization_id_fkey"),
	                    "refers to something that does not exist");
	assert_string_equal(constraint_rule_message("service_capacity_free_range"),
	                    "is out of the allowed range");
	assert_string_equal(constraint_rule_message("node_kind_check"), "is not an allowed value");
	assert_string_equal(constraint_rule_message("network_member_node_id_active"),
	                    "must refer to something active");
	assert_string_equal(constraint_rule_message("whatever"), "breaks a rule");
	assert_string_equal(constraint_rule_message(NULL), "breaks a rule");
	/* the suffix decides, not a word inside the name */
	assert_string_equal(constraint_rule_message("key_range"), "is out of the allowed range");
}

static void codes(void **state)
{
	assert_string_equal(constraint_rule_code("node_name_key"), "taken");
	assert_string_equal(constraint_rule_code("node_organization_id_fkey"), "not_found");
	assert_string_equal(constraint_rule_code("client_case_reference_length"), "length");
	assert_string_equal(constraint_rule_code("service_capacity_free_range"), "out_of_range");
	assert_string_equal(constraint_rule_code("node_contact_email_format"), "format");
	assert_string_equal(constraint_rule_code("network_member_node_id_active"), "inactive");
	assert_string_equal(constraint_rule_code("chain_target_group_id_network"), "other_network");
	assert_string_equal(constraint_rule_code("account_node_id_role"), "role");
	assert_string_equal(constraint_rule_code("case_step_state_check"), "not_in_list");
	assert_string_equal(constraint_rule_code("case_step_done_at_state"), "rule");
	assert_string_equal(constraint_rule_code(NULL), "rule");
}

static void case_step_fields(void **state)
{
	/* case_step is a table of its own, not the case's "step_..." columns */
	field_is(NULL, "case_step_note_length", "note");
	field_is(NULL, "case_step_done_at_range", "done_at");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(fields),
	        cmocka_unit_test(field_fits_the_buffer),
	        cmocka_unit_test(rules),
	        cmocka_unit_test(codes),
	        cmocka_unit_test(case_step_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
