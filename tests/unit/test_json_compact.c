/* Unit tests of lib/json_compact.c: white space between tokens goes, strings stay whole. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json_compact.h"

static void expect(const char *in, const char *out)
{
	size_t n = strlen(in);
	char *dst = malloc(n + 1);
	size_t len = json_copy_compact(dst, in, n);

	dst[len] = '\0';
	assert_string_equal(dst, out);
	free(dst);
}

/* What PostgreSQL's json_build_object and jsonb write. */
static void test_postgresql_spacing(void **state)
{
	(void)state;
	expect("{\"id\" : \"a\", \"n\" : 1, \"on\" : true, \"x\" : null}",
	       "{\"id\":\"a\",\"n\":1,\"on\":true,\"x\":null}");
	expect("[{\"to\": \"received\"}, {\"to\": \"declined\", \"reason\": {\"codes\": "
	       "[\"no_capacity\", \"other\"], \"required\": true}}]",
	       "[{\"to\":\"received\"},{\"to\":\"declined\",\"reason\":{\"codes\":"
	       "[\"no_capacity\",\"other\"],\"required\":true}}]");
	expect(" \n\t{\r\n\"a\" :\n[ 1 ,\t2 ] } ", "{\"a\":[1,2]}");
}

/* Spaces, separators and escaped quotes inside strings are text, not layout. */
static void test_strings_are_kept_whole(void **state)
{
	(void)state;
	expect("{\"note\" : \"Termin : morgen, 9 Uhr\"}", "{\"note\":\"Termin : morgen, 9 Uhr\"}");
	expect("{\"q\" : \"er sagte \\\"ja, gern\\\" \", \"b\" : 1}",
	       "{\"q\":\"er sagte \\\"ja, gern\\\" \",\"b\":1}");
	expect("[\"ends in a backslash \\\\\", \" x \"]", "[\"ends in a backslash \\\\\",\" x \"]");
	expect("{\"t\" : \"Zeile\\nzwei\\t \"}", "{\"t\":\"Zeile\\nzwei\\t \"}");
	expect("\"Grüße , aus Köln\"", "\"Grüße , aus Köln\"");
}

/* Compact text is left as it is; nothing is written for nothing. */
static void test_compact_text_is_unchanged(void **state)
{
	(void)state;
	expect("{\"a\":[1,2,{\"b\":\"c d\"}],\"e\":-1.5e3}",
	       "{\"a\":[1,2,{\"b\":\"c d\"}],\"e\":-1.5e3}");
	expect("", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_postgresql_spacing),
	        cmocka_unit_test(test_strings_are_kept_whole),
	        cmocka_unit_test(test_compact_text_is_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
