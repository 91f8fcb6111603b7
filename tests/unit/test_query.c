/* server/query.c: strict percent-decoding and query strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"

static void decode_is(const char *in, bool plus, const char *want)
{
	char *out = query_decode(in, strlen(in), plus);

	if (!want) {
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void decoding(void **state)
{
	decode_is("plain", true, "plain");
	decode_is("a%20b+c", true, "a b c");
	decode_is("a%20b+c", false, "a b+c");
	decode_is("%C3%A4%c3%b6", false, "\xc3\xa4\xc3\xb6");
	decode_is("%2F%25", false, "/%");
	decode_is("", true, "");
	/* not percent-encoding: refused, not read loosely */
	decode_is("%zz", true, NULL);
	decode_is("%", true, NULL);
	decode_is("a%4", true, NULL);
	decode_is("%g0", true, NULL);
	/* a NUL byte would cut the value short */
	decode_is("id%00anything", false, NULL);
	decode_is("%00", true, NULL);
	/* only n bytes are read */
	char *out = query_decode("abc%zz", 3, false);
	assert_string_equal(out, "abc");
	free(out);
}

static void queries(void **state)
{
	struct query q;
	char unchanged[] = "unchanged", *bad = unchanged;

	assert_int_equal(query_parse("status=sent,received&limit=5&q=Schulden+beratung", &q, &bad),
	                 0);
	assert_null(bad);
	assert_int_equal(q.n, 3);
	assert_string_equal(query_get(&q, "status"), "sent,received");
	assert_string_equal(query_get(&q, "limit"), "5");
	assert_string_equal(query_get(&q, "q"), "Schulden beratung");
	assert_null(query_get(&q, "after"));
	query_clear(&q);
	assert_int_equal(q.n, 0);

	/* keys are decoded too; empty pieces are skipped; a key alone has the value "" */
	assert_int_equal(query_parse("&a%5Fb=1&&flag&=x&", &q, NULL), 0);
	assert_int_equal(q.n, 3);
	assert_string_equal(query_get(&q, "a_b"), "1");
	assert_string_equal(query_get(&q, "flag"), "");
	assert_string_equal(query_get(&q, ""), "x");
	query_clear(&q);

	/* the first of two is the value */
	assert_int_equal(query_parse("a=1&a=2", &q, NULL), 0);
	assert_string_equal(query_get(&q, "a"), "1");
	query_clear(&q);
	assert_int_equal(query_parse("", &q, NULL), 0);
	assert_int_equal(q.n, 0);
}

static void bad_queries(void **state)
{
	struct query q;
	char *bad;

	assert_int_equal(query_parse("limit=5&q=%zz", &q, &bad), -1);
	assert_string_equal(bad, "q");
	assert_int_equal(q.n, 0);
	assert_null(q.items);
	free(bad);
	assert_int_equal(query_parse("case_id=x%00y", &q, &bad), -1);
	assert_string_equal(bad, "case_id");
	free(bad);
	assert_int_equal(query_parse("b%zzad=1", &q, &bad), -1);
	assert_string_equal(bad, "b%zzad");
	free(bad);
	assert_int_equal(query_parse("q=%", &q, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(decoding),
	        cmocka_unit_test(queries),
	        cmocka_unit_test(bad_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
