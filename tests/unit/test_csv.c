/* server/csv.c: statistics exports, and the small cells they must not show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "csv.h"

static const struct csv_col cols[] = {
        {"name", "Stelle", COL_TEXT},
        {"kind", "Art", COL_KIND},
        {"days", "Tage", COL_NUMBER},
        {"referred", "Vermittelt", COL_COUNT},
        {"accepted", "Angenommen", COL_COUNT},
        {"rate", "Quote", COL_DECIMAL, 2, {"referred", "accepted"}},
};

/* The export of rows (a JSON array text) as text; freed by the caller. */
static char *export(const char *rows, char sep, char point, bool de)
{
	struct csv c = {evbuffer_new(), sep, point, de};
	json_t *body = json_pack("{s:o}", "rows", json_loads(rows, 0, NULL));
	size_t n;
	char *text;

	csv_header(&c, NULL, cols, sizeof(cols) / sizeof(cols[0]));
	csv_rows(&c, body, "rows", NULL, cols, sizeof(cols) / sizeof(cols[0]));
	n = evbuffer_get_length(c.out);
	text = calloc(1, n + 1);
	evbuffer_remove(c.out, text, n);
	evbuffer_free(c.out);
	json_decref(body);
	return text;
}

static void counts_below_five_are_suppressed(void **state)
{
	static const struct {
		json_int_t n;
		const char *cell;
	} cases[] = {{0, "0"}, {1, "<5"}, {4, "<5"}, {5, "5"}, {123, "123"}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *row = json_pack("{s:I}", "referred", cases[i].n);
		json_t *is_int = json_object_get(row, "referred");
		assert_int_equal(csv_count_suppressed(is_int), cases[i].n > 0 && cases[i].n < 5);
		json_decref(row);
	}
	/* only counts are: a rate of 0.5 or a name is not */
	json_t *real = json_real(0.5), *text = json_string("3");
	assert_false(csv_count_suppressed(real));
	assert_false(csv_count_suppressed(text));
	json_decref(real);
	json_decref(text);
}

static void a_rate_from_a_suppressed_count_is_left_empty(void **state)
{
	char *out = export("[{\"name\":\"A\",\"kind\":\"jobcenter\",\"days\":5,\"referred\":12,"
	                   "\"accepted\":3,\"rate\":0.25},"
	                   "{\"name\":\"B\",\"kind\":\"other\",\"days\":null,\"referred\":20,"
	                   "\"accepted\":10,\"rate\":0.5}]",
	                   ',', '.', false);

	assert_string_equal(out, "name,kind,days,referred,accepted,rate\r\n"
	                         "A,jobcenter,5,12,<5,\r\n"
	                         "B,other,,20,10,0.50\r\n");
	free(out);
}

static void the_german_form(void **state)
{
	char *out = export("[{\"name\":\"Caritas; Schuldnerberatung\",\"kind\":\"jobcenter\","
	                   "\"days\":10,\"referred\":7,\"accepted\":5,\"rate\":0.714}]",
	                   ';', ',', true);

	assert_string_equal(out, "Stelle;Art;Tage;Vermittelt;Angenommen;Quote\r\n"
	                         "\"Caritas; Schuldnerberatung\";Jobcenter;10;7;5;0,71\r\n");
	free(out);
}

static void text_is_quoted_and_formulas_defused(void **state)
{
	char *out = export("[{\"name\":\"=HYPERLINK(\\\"x\\\")\"},{\"name\":\"a,\\\"b\\\"\"},"
	                   "{\"name\":\"line\\nbreak\"},{\"name\":\"-5\"}]",
	                   ',', '.', false);

	assert_string_equal(out, "name,kind,days,referred,accepted,rate\r\n"
	                         "\"'=HYPERLINK(\"\"x\"\")\",,,,,\r\n"
	                         "\"a,\"\"b\"\"\",,,,,\r\n"
	                         "\"line\nbreak\",,,,,\r\n"
	                         "\"'-5\",,,,,\r\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(counts_below_five_are_suppressed),
	        cmocka_unit_test(a_rate_from_a_suppressed_count_is_left_empty),
	        cmocka_unit_test(the_german_form),
	        cmocka_unit_test(text_is_quoted_and_formulas_defused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
