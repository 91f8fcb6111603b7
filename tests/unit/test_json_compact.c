/* Unit tests of lib/json_compact.c: white space between tokens goes, strings stay whole. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
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

/* Long strings are copied in runs between escapes: every byte of every run arrives, and the
 * layout between the strings still goes. */
static void test_long_strings_with_escapes(void **state)
{
	char in[4096], out[4096];
	size_t i = 0, o = 0;

	(void)state;
	for (int k = 0; k < 40; k++) {
		const char *key = k % 2 ? "{ \"note\" : \"" : "{ \"t\" : \"";
		const char *key_out = k % 2 ? "{\"note\":\"" : "{\"t\":\"";

		i += (size_t)sprintf(in + i, "%s", key);
		o += (size_t)sprintf(out + o, "%s", key_out);
		/* k spaces and commas of text, then an escape: runs of every length from 0 */
		for (int j = 0; j < k; j++) {
			in[i++] = j % 3 ? ' ' : ',';
			out[o++] = j % 3 ? ' ' : ',';
		}
		i += (size_t)sprintf(in + i, "%s\" }, ", k % 3 ? "\\\"" : "\\n");
		o += (size_t)sprintf(out + o, "%s\"},", k % 3 ? "\\\"" : "\\n");
	}
	in[i] = out[o] = '\0';
	expect(in, out);
}

/* Text cut off inside a string (any bytes reach the fuzzer) is copied up to its end. */
static void test_cut_off_string(void **state)
{
	(void)state;
	expect("{\"a\" : \"b c", "{\"a\":\"b c");
	expect("[\"x \\", "[\"x \\");
	expect("\" \\\" ", "\" \\\" ");
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
	        cmocka_unit_test(test_long_strings_with_escapes),
	        cmocka_unit_test(test_cut_off_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
