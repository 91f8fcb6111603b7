/* Unit tests of lib/json.c: strict parsing and the declarative field checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "validate.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kinds[] = {"service", "transfer", NULL};

/* A table with one field of every type. */
static const struct json_field fields[] = {
        {"name", JF_STRING, JF_REQUIRED, 1, 100},
        {"note", JF_STRING, JF_MULTILINE | JF_NULLABLE},
        {"age", JF_INTEGER, 0, 0, 150},
        {"score", JF_NUMBER, 0, 0, 1},
        {"active", JF_BOOLEAN},
        {"id", JF_UUID},
        {"born", JF_DATE},
        {"at", JF_TIMESTAMP},
        {"kind", JF_ENUM, JF_REQUIRED, .enum_values = kinds},
        {"login", JF_LOGIN},
        {"key", JF_KEY},
        {"email", JF_EMAIL},
        {"url", JF_URL},
        {"phone", JF_PHONE},
        {"tags", JF_ARRAY, 0, 1, 3},
        {"meta", JF_OBJECT},
        {"members", JF_UUID_ARRAY, 0, 1, 5},
        {"languages", JF_STRING_ARRAY, 0, 0, 0, .item_max = 5},
        {"count", JF_INTEGER},
};

/* Parse text (which must be valid) and check it; returns the errors array. */
static json_t *check(const char *text, const char *prefix, size_t *n)
{
	char err[256];
	json_t *obj = json_parse_object(text, strlen(text), err, sizeof(err));
	json_t *errors = json_array();

	if (!obj)
		fail_msg("test input does not parse: %s", err);
	*n = json_check_object(obj, fields, ARRAY_SIZE(fields), prefix, errors);
	assert_int_equal(*n, json_array_size(errors));
	json_decref(obj);
	return errors;
}

/* The message for field in errors, or NULL. */
static const char *message_for(const json_t *errors, const char *field)
{
	size_t i;
	json_t *e;

	json_array_foreach(errors, i, e) {
		if (strcmp(json_get_string(e, "field"), field) == 0)
			return json_get_string(e, "message");
	}
	return NULL;
}

/* The code for field in errors, or NULL. */
static const char *code_for(const json_t *errors, const char *field)
{
	size_t i;
	json_t *e;

	json_array_foreach(errors, i, e) {
		if (strcmp(json_get_string(e, "field"), field) == 0)
			return json_get_string(e, "code");
	}
	return NULL;
}

/* The error object for field in errors, or NULL. */
static const json_t *error_for(const json_t *errors, const char *field)
{
	size_t i;
	json_t *e;

	json_array_foreach(errors, i, e) {
		if (strcmp(json_get_string(e, "field"), field) == 0)
			return e;
	}
	return NULL;
}

/* Assert that exactly one problem was found, on field, with a message containing part. */
static void expect_one(const char *text, const char *field, const char *part)
{
	size_t n;
	json_t *errors = check(text, NULL, &n);
	const char *msg = message_for(errors, field);

	if (n != 1 || !msg || !strstr(msg, part))
		fail_msg("%s: expected one error on %s with \"%s\", got %zu: %s", text, field, part,
		         n, json_dumps(errors, JSON_COMPACT));
	json_decref(errors);
}

static void expect_none(const char *text)
{
	size_t n;
	json_t *errors = check(text, NULL, &n);

	if (n != 0)
		fail_msg("%s: expected no errors, got %s", text, json_dumps(errors, JSON_COMPACT));
	json_decref(errors);
}

/* json_parse_object must fail on text, with a message containing part. */
static void expect_parse_error(const char *text, size_t len, const char *part)
{
	char err[256] = "";
	json_t *obj = json_parse_object(text, len, err, sizeof(err));

	if (obj || !strstr(err, part))
		fail_msg("expected a parse error with \"%s\", got \"%s\"", part, err);
	assert_true(validate_utf8(err, strlen(err)));
}

static void parse_good(void **state)
{
	char err[256];
	json_t *obj =
	        json_parse_object("{\"a\": \"\xc3\xa4\", \"b\": [1, 2]}", 24, err, sizeof(err));

	assert_non_null(obj);
	assert_string_equal(json_get_string(obj, "a"), "\xc3\xa4");
	assert_null(json_get_string(obj, "b"));
	assert_null(json_get_string(obj, "c"));
	json_decref(obj);
	obj = json_parse_object("{}", 2, err, sizeof(err));
	assert_non_null(obj);
	json_decref(obj);
}

static void parse_duplicates(void **state)
{
	expect_parse_error("{\"a\":1,\"a\":2}", 13, "duplicate");
	expect_parse_error("{\"a\":1,\"a\":2}", 13, "line 1, column 10");
	expect_parse_error("{\"x\":{\"a\":1,\"a\":1}}", 19, "duplicate");
}

static void parse_bad_bytes(void **state)
{
	expect_parse_error("{\"a\":\"\xff\"}", 9, "Invalid JSON");
	expect_parse_error("{\"\xc0\xaf\":1}", 8, "Invalid JSON");          /* overlong key */
	expect_parse_error("{\"a\":\"\xed\xa0\x80\"}", 11, "Invalid JSON"); /* surrogate */
	expect_parse_error("{\"a\":\"\xf8\x88\x80\x80\x80\"}", 13, "Invalid JSON"); /* 5-byte */
	expect_parse_error("{\"a\":\"x\0y\"}", 11, "Invalid JSON");                 /* raw NUL */
	expect_parse_error("{\"a\":\"x\\u0000y\"}", 16, "u0000");
	expect_parse_error("{\"a\":\"\\ud800\"}", 14, "Invalid JSON"); /* lone surrogate */
	expect_parse_error("{\"a\": \xff\xfe}", 9, "Invalid JSON");
}

static void parse_shape(void **state)
{
	char err[64];

	expect_parse_error("{} x", 4, "end of file expected");
	expect_parse_error("{}{}", 4, "Invalid JSON");
	expect_parse_error("[1]", 3, "must be a JSON object");
	expect_parse_error("42", 2, "Invalid JSON");
	expect_parse_error("\"s\"", 3, "Invalid JSON");
	expect_parse_error("", 0, "empty");
	expect_parse_error(NULL, 0, "empty");
	expect_parse_error("{\n\"a\": 1,\n\"b\": }", 16, "line 3, column 6");
	expect_parse_error("{\"a\":1e400}", 11, "Invalid JSON");
	expect_parse_error("{\"a\":99999999999999999999}", 26, "too big integer");
	/* A short buffer is cut, not overrun; no buffer at all is fine. */
	assert_null(json_parse_object("{", 1, err, 10));
	assert_int_equal(strlen(err), 9);
	assert_null(json_parse_object("{", 1, NULL, 0));
}

static void all_good(void **state)
{
	expect_none("{\"name\": \"Anna\", \"note\": \"two\\nlines\\tand tab\", \"age\": 150,"
	            " \"score\": 0.5, \"active\": false, \"id\": "
	            "\"123e4567-e89b-12d3-a456-426614174000\","
	            " \"born\": \"2024-02-29\", \"at\": \"2026-03-01T09:30:00+01:00\","
	            " \"kind\": \"transfer\", \"login\": \"anna.s\", \"key\": \"debt\","
	            " \"email\": \"a@example.org\", \"url\": \"https://example.org\","
	            " \"phone\": \"+49 221 123\", \"tags\": [1, \"x\", null], \"meta\": {\"x\": 1},"
	            " \"members\": [\"123e4567-e89b-12d3-a456-426614174000\"],"
	            " \"languages\": [\"de\", \"en\", \"t\xc3\xbcrk\"], \"count\": -5}");
	expect_none("{\"name\": \"A\", \"kind\": \"service\", \"note\": null, \"score\": 1,"
	            " \"age\": 0, \"languages\": []}");
}

static void unknown_fields(void **state)
{
	size_t n;
	json_t *errors = check(
	        "{\"name\": \"A\", \"kind\": \"service\", \"zeta\": 1, \"alpha\": 2}", NULL, &n);

	assert_int_equal(n, 2);
	/* Reported in the order they came. */
	assert_string_equal(json_get_string(json_array_get(errors, 0), "field"), "zeta");
	assert_string_equal(json_get_string(json_array_get(errors, 0), "message"), "unknown field");
	assert_string_equal(json_get_string(json_array_get(errors, 1), "field"), "alpha");
	json_decref(errors);
	expect_one("{\"name\": \"A\", \"kind\": \"service\", \"Name\": \"B\"}", "Name",
	           "unknown field");
}

static void required_fields(void **state)
{
	size_t n;
	json_t *errors = check("{}", NULL, &n);

	assert_int_equal(n, 2);
	assert_string_equal(message_for(errors, "name"), "This field is required.");
	assert_string_equal(message_for(errors, "kind"), "This field is required.");
	json_decref(errors);
	/* null is not "present" for a field that is not nullable. */
	expect_one("{\"name\": null, \"kind\": \"service\"}", "name", "not be null");
}

#define BASE "\"name\": \"A\", \"kind\": \"service\", "

static void wrong_types(void **state)
{
	expect_one("{\"name\": 5, \"kind\": \"service\"}", "name", "a string");
	expect_one("{\"name\": [\"A\"], \"kind\": \"service\"}", "name", "a string");
	expect_one("{" BASE "\"age\": \"5\"}", "age", "an integer");
	expect_one("{" BASE "\"age\": 5.0}", "age", "an integer");
	expect_one("{" BASE "\"age\": true}", "age", "an integer");
	expect_one("{" BASE "\"age\": false}", "age", "an integer");
	expect_one("{" BASE "\"age\": null}", "age", "not be null");
	expect_one("{" BASE "\"score\": \"0.5\"}", "score", "a number");
	expect_one("{" BASE "\"score\": true}", "score", "a number");
	expect_one("{" BASE "\"active\": 1}", "active", "true or false");
	expect_one("{" BASE "\"active\": \"true\"}", "active", "true or false");
	expect_one("{" BASE "\"id\": 5}", "id", "a UUID");
	expect_one("{" BASE "\"born\": 20240229}", "born", "YYYY-MM-DD");
	expect_one("{\"name\": \"A\", \"kind\": 1}", "kind", "one of: service, transfer");
	expect_one("{" BASE "\"tags\": {}}", "tags", "an array");
	expect_one("{" BASE "\"tags\": \"x\"}", "tags", "an array");
	expect_one("{" BASE "\"meta\": []}", "meta", "an object");
	expect_one("{" BASE "\"members\": \"123e4567-e89b-12d3-a456-426614174000\"}", "members",
	           "an array of UUIDs");
	expect_one("{" BASE "\"languages\": \"de\"}", "languages", "an array of strings");
}

static void formats(void **state)
{
	expect_one("{" BASE "\"id\": \"123e4567\"}", "id", "a UUID");
	expect_one("{" BASE "\"born\": \"2025-02-29\"}", "born", "that exists");
	expect_one("{" BASE "\"at\": \"2026-03-01T24:00:00Z\"}", "at", "2026-03-01T09:30:00+01:00");
	expect_one("{" BASE "\"at\": \"2026-03-01\"}", "at", "date and time");
	expect_one("{\"name\": \"A\", \"kind\": \"Service\"}", "kind", "Must be one of: service");
	expect_one("{" BASE "\"login\": \"A\"}", "login", "3 to 64");
	expect_one("{" BASE "\"key\": \"1a\"}", "key", "starting with a letter");
	expect_one("{" BASE "\"email\": \"nope\"}", "email", "e-mail");
	expect_one("{" BASE "\"url\": \"ftp://x.org\"}", "url", "http or https");
	expect_one("{" BASE "\"phone\": \"call me\"}", "phone", "phone number");
}

static void bounds(void **state)
{
	char *big;
	size_t n;
	json_t *obj, *errors;

	expect_one("{\"name\": \"\", \"kind\": \"service\"}", "name", "Must not be empty.");
	expect_one("{" BASE "\"age\": -1}", "age", "Must be between 0 and 150.");
	expect_one("{" BASE "\"age\": 151}", "age", "between 0 and 150");
	expect_one("{" BASE "\"score\": 1.0001}", "score", "between 0 and 1");
	expect_one("{" BASE "\"score\": -0.1}", "score", "between 0 and 1");
	expect_one("{" BASE "\"tags\": []}", "tags", "Must have between 1 and 3 items.");
	expect_one("{" BASE "\"tags\": [1, 2, 3, 4]}", "tags", "between 1 and 3 items");
	expect_one("{" BASE "\"members\": []}", "members", "between 1 and 5 items");
	expect_none("{" BASE "\"count\": 9223372036854775807}");
	expect_none("{" BASE "\"count\": -9223372036854775808}");

	/* 100 code points of two bytes each are fine for a max of 100; 101 are not. */
	big = malloc(20100);
	assert_non_null(big);
	obj = json_pack("{s:s, s:s}", "name", "A", "kind", "service");
	for (int i = 0; i < 100; i++)
		memcpy(big + 2 * i, "\xc3\xa4", 2);
	big[200] = '\0';
	json_object_set_new(obj, "name", json_string(big));
	errors = json_array();
	assert_int_equal(json_check_object(obj, fields, ARRAY_SIZE(fields), NULL, errors), 0);
	memcpy(big + 200, "x", 2);
	json_object_set_new(obj, "name", json_string(big));
	assert_int_equal(json_check_object(obj, fields, ARRAY_SIZE(fields), NULL, errors), 1);
	assert_string_equal(message_for(errors, "name"), "Must be at most 100 characters long.");
	json_decref(errors);

	/* A string with max 0 may hold 10000 code points, not 10001. */
	json_object_set_new(obj, "name", json_string("A"));
	memset(big, 'x', 10001);
	big[10000] = '\0';
	json_object_set_new(obj, "note", json_string(big));
	errors = json_array();
	assert_int_equal(json_check_object(obj, fields, ARRAY_SIZE(fields), NULL, errors), 0);
	big[10000] = 'x';
	big[10001] = '\0';
	json_object_set_new(obj, "note", json_string(big));
	n = json_check_object(obj, fields, ARRAY_SIZE(fields), NULL, errors);
	assert_int_equal(n, 1);
	assert_string_equal(message_for(errors, "note"), "Must be at most 10000 characters long.");
	json_decref(errors);
	json_decref(obj);
	free(big);
}

static void control_characters(void **state)
{
	expect_one("{\"name\": \"a\\nb\", \"kind\": \"service\"}", "name", "single line");
	expect_one("{\"name\": \"a\\tb\", \"kind\": \"service\"}", "name", "single line");
	expect_one("{\"name\": \"a\\u001bb\", \"kind\": \"service\"}", "name", "control");
	expect_one("{\"name\": \"a\\u0085b\", \"kind\": \"service\"}", "name", "control");
	expect_one("{" BASE "\"note\": \"a\\rb\"}", "note", "other than newline and tab");
	expect_one("{" BASE "\"note\": \"a\\u007f\"}", "note", "control");
	expect_none("{" BASE "\"note\": \"a\\nb\\tc\"}");
}

static void string_arrays(void **state)
{
	size_t n;
	json_t *errors;

	expect_one("{" BASE "\"languages\": [\"de\", \"en\", \"de\"]}", "languages[2]",
	           "Repeats item 0");
	expect_one("{" BASE "\"languages\": [\"de\", 5]}", "languages[1]", "a string");
	expect_one("{" BASE "\"languages\": [\"\"]}", "languages[0]", "empty");
	expect_one("{" BASE "\"languages\": [\"abcdef\"]}", "languages[0]", "at most 5");
	expect_one("{" BASE "\"languages\": [\"a\\nb\"]}", "languages[0]", "single line");
	/* Case matters for strings. */
	expect_none("{" BASE "\"languages\": [\"de\", \"DE\"]}");
	/* Every bad item is reported. */
	errors = check("{" BASE "\"languages\": [1, \"de\", null, \"de\", \"de\"]}", NULL, &n);
	assert_int_equal(n, 4);
	assert_non_null(message_for(errors, "languages[0]"));
	assert_non_null(message_for(errors, "languages[2]"));
	assert_string_equal(message_for(errors, "languages[3]"),
	                    "Repeats item 1; items must be distinct.");
	assert_non_null(message_for(errors, "languages[4]"));
	json_decref(errors);
}

static void uuid_arrays(void **state)
{
	expect_one("{" BASE "\"members\": [\"123e4567-e89b-12d3-a456-426614174000\", \"x\"]}",
	           "members[1]", "a UUID");
	expect_one("{" BASE "\"members\": [\"123e4567-e89b-12d3-a456-426614174000\", 7]}",
	           "members[1]", "a UUID");
	/* The same UUID in another case is the same UUID. */
	expect_one("{" BASE "\"members\": [\"123e4567-e89b-12d3-a456-426614174000\","
	           " \"123E4567-E89B-12D3-A456-426614174000\"]}",
	           "members[1]", "Repeats item 0");
	expect_one("{" BASE "\"members\": [\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\","
	           " \"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12\", "
	           "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13\","
	           " \"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14\", "
	           "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a15\","
	           " \"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a16\"]}",
	           "members", "between 1 and 5 items");
}

static void every_problem_collected(void **state)
{
	size_t n;
	json_t *errors = check("{\"kind\": \"x\", \"age\": 1.5, \"id\": \"no\", \"extra\": 1,"
	                       " \"languages\": [\"a\", \"a\"]}",
	                       NULL, &n);

	assert_int_equal(n, 6);
	assert_string_equal(message_for(errors, "extra"), "unknown field");
	assert_string_equal(message_for(errors, "name"), "This field is required.");
	assert_non_null(message_for(errors, "kind"));
	assert_string_equal(message_for(errors, "age"), "Must be an integer.");
	assert_string_equal(message_for(errors, "id"), "Must be a UUID.");
	assert_non_null(message_for(errors, "languages[1]"));
	json_decref(errors);
}

static void nested_prefix(void **state)
{
	size_t n;
	json_t *errors = check("{\"name\": 1, \"kind\": \"service\", \"odd\": 1,"
	                       " \"languages\": [\"x\", \"x\"]}",
	                       "steps[2].", &n);
	json_t *arr;

	assert_int_equal(n, 3);
	assert_non_null(message_for(errors, "steps[2].name"));
	assert_string_equal(message_for(errors, "steps[2].odd"), "unknown field");
	assert_non_null(message_for(errors, "steps[2].languages[1]"));
	json_decref(errors);

	/* Something that is not an object is reported under the prefix itself. */
	errors = json_array();
	arr = json_array();
	assert_int_equal(json_check_object(arr, fields, ARRAY_SIZE(fields), "steps[2].", errors),
	                 1);
	assert_string_equal(message_for(errors, "steps[2]"), "Must be an object.");
	assert_int_equal(json_check_object(NULL, fields, ARRAY_SIZE(fields), NULL, errors), 1);
	assert_string_equal(message_for(errors, ""), "Must be an object.");
	json_decref(arr);
	json_decref(errors);
}

static void no_bounds_when_zero(void **state)
{
	static const struct json_field f[] = {
	        {"n", JF_INTEGER},
	        {"x", JF_NUMBER},
	        {"a", JF_ARRAY},
	        {"at_least_one", JF_INTEGER, 0, 1, LLONG_MAX},
	};
	json_t *obj = json_pack("{s:I, s:f, s:[], s:I}", "n", (json_int_t)-1000000000000LL, "x",
	                        -1e300, "a", "at_least_one", (json_int_t)0);
	json_t *errors = json_array();

	assert_int_equal(json_check_object(obj, f, ARRAY_SIZE(f), NULL, errors), 1);
	assert_string_equal(message_for(errors, "at_least_one"),
	                    "Must be between 1 and 9223372036854775807.");
	json_decref(obj);
	json_decref(errors);
}

static void long_field_names_stay_utf8(void **state)
{
	char key[1000];
	json_t *obj = json_object(), *errors = json_array();
	const char *field;

	/* A 998-byte key of two-byte characters, cut to fit: still valid UTF-8. */
	for (int i = 0; i < 499; i++)
		memcpy(key + 2 * i, "\xc3\xa4", 2);
	key[998] = '\0';
	json_object_set_new(obj, key, json_true());
	assert_int_equal(json_check_object(obj, NULL, 0, "x.", errors), 1);
	field = json_get_string(json_array_get(errors, 0), "field");
	assert_non_null(field);
	assert_true(validate_utf8(field, strlen(field)));
	assert_true(strlen(field) > 200);
	json_decref(obj);
	json_decref(errors);
}

static void add_error(void **state)
{
	json_t *errors = json_array(), *e;

	e = json_add_error(errors, "a", "broken", "Broken.");
	assert_ptr_equal(e, json_array_get(errors, 0));
	json_add_error(errors, NULL, NULL, "Graph-wide.");
	json_add_error(errors, "\xff", "bad_name", "Bad name.");
	assert_int_equal(json_array_size(errors), 3);
	assert_string_equal(message_for(errors, "a"), "Broken.");
	assert_string_equal(code_for(errors, "a"), "broken");
	assert_string_equal(json_get_string(json_array_get(errors, 1), "field"), "");
	assert_string_equal(json_get_string(json_array_get(errors, 1), "code"), "invalid");
	assert_string_equal(json_get_string(json_array_get(errors, 2), "message"), "Bad name.");
	/* The name cannot be kept (not UTF-8), the problem is. */
	assert_string_equal(json_get_string(json_array_get(errors, 2), "field"), "");
	json_decref(errors);
}

/* Assert that text has exactly one problem, on field, with code. */
static void expect_code(const char *text, const char *field, const char *code)
{
	size_t n;
	json_t *errors = check(text, NULL, &n);
	const char *got = code_for(errors, field);

	if (n != 1 || !got || strcmp(got, code) != 0)
		fail_msg("%s: expected one error on %s with code %s, got %zu: %s", text, field,
		         code, n, json_dumps(errors, JSON_COMPACT));
	json_decref(errors);
}

/* A valid body with one more member (JSON text after a comma). */
#define WITH(member) "{\"name\": \"a\", \"kind\": \"service\", " member "}"

/* Every problem json_check_object reports carries its stable code. */
static void codes(void **state)
{
	expect_code("{\"kind\": \"service\"}", "name", "required");
	expect_code(WITH("\"x\": 1"), "x", "unknown_field");
	expect_code("{\"name\": null, \"kind\": \"service\"}", "name", "not_null");
	expect_code("{\"name\": 5, \"kind\": \"service\"}", "name", "wrong_type");
	expect_code(WITH("\"age\": \"3\""), "age", "wrong_type");
	expect_code(WITH("\"score\": \"3\""), "score", "wrong_type");
	expect_code(WITH("\"active\": 1"), "active", "wrong_type");
	expect_code(WITH("\"meta\": []"), "meta", "wrong_type");
	expect_code(WITH("\"tags\": {}"), "tags", "wrong_type");
	expect_code(WITH("\"languages\": [5]"), "languages[0]", "wrong_type");
	expect_code("{\"name\": \"\", \"kind\": \"service\"}", "name", "too_short");
	expect_code("{\"name\": \"a\\nb\", \"kind\": \"service\"}", "name", "single_line");
	expect_code(WITH("\"note\": \"a\\u0001\""), "note", "control_characters");
	expect_code(WITH("\"age\": 151"), "age", "out_of_range");
	expect_code(WITH("\"score\": 1.5"), "score", "out_of_range");
	expect_code(WITH("\"tags\": []"), "tags", "count");
	expect_code(WITH("\"members\": [\"6f1c9c0e-8b7a-4c1e-9d7e-0a1b2c3d4e5f\","
	                 " \"6F1C9C0E-8B7A-4C1E-9D7E-0A1B2C3D4E5F\"]"),
	            "members[1]", "duplicate");
	expect_code("{\"name\": \"a\", \"kind\": \"goods\"}", "kind", "not_in_list");
	expect_code(WITH("\"id\": \"x\""), "id", "uuid");
	expect_code(WITH("\"members\": [\"x\"]"), "members[0]", "uuid");
	expect_code(WITH("\"born\": \"2025-02-29\""), "born", "date");
	expect_code(WITH("\"at\": \"morgen\""), "at", "timestamp");
	expect_code(WITH("\"login\": \"A B\""), "login", "login");
	expect_code(WITH("\"key\": \"1a\""), "key", "key");
	expect_code(WITH("\"email\": \"a@\""), "email", "email");
	expect_code(WITH("\"url\": \"ftp://x\""), "url", "url");
	expect_code(WITH("\"phone\": \"abc\""), "phone", "phone");
}

/* Each unknown string of a list is named by its index with the allowed values; other
   items are the field table's to report, and a list of known strings passes. */
static void string_items(void **state)
{
	static const char *const allowed[] = {"new_referral", "message", NULL};
	json_t *list =
	        json_loads("[\"message\", \"spam\", 7, \"new_referral\", \"Message\"]", 0, NULL);
	json_t *errors = json_array();
	const json_t *e;

	(void)state;
	json_check_string_items(list, "email_kinds", allowed, errors);
	assert_int_equal(json_array_size(errors), 2);
	e = json_array_get(errors, 0);
	assert_string_equal(json_get_string(e, "field"), "email_kinds[1]");
	assert_string_equal(json_get_string(e, "code"), "not_in_list");
	assert_string_equal(json_get_string(e, "message"),
	                    "Must be one of: new_referral, message.");
	assert_int_equal(json_array_size(json_object_get(e, "allowed")), 2);
	assert_string_equal(json_get_string(json_array_get(errors, 1), "field"), "email_kinds[4]");
	json_decref(list);
	json_array_clear(errors);
	list = json_loads("[\"message\"]", 0, NULL);
	json_check_string_items(list, "email_kinds", allowed, errors);
	json_check_string_items(NULL, "email_kinds", allowed, errors);
	assert_int_equal(json_array_size(errors), 0);
	json_decref(list);
	json_decref(errors);
}

/* Length, range and count problems carry their bounds; not_in_list the allowed values. */
static void code_details(void **state)
{
	size_t n;
	json_t *errors;
	const json_t *e;
	char text[300];

	snprintf(text, sizeof(text),
	         "{\"name\": \"%0101d\", \"kind\": \"x\", \"age\": -1, \"tags\": [1, 2, 3, 4]}", 0);
	errors = check(text, NULL, &n);
	assert_int_equal(n, 4);
	e = error_for(errors, "name");
	assert_string_equal(json_get_string(e, "code"), "too_long");
	assert_int_equal(json_integer_value(json_object_get(e, "min")), 1);
	assert_int_equal(json_integer_value(json_object_get(e, "max")), 100);
	e = error_for(errors, "age");
	assert_string_equal(json_get_string(e, "code"), "out_of_range");
	assert_int_equal(json_integer_value(json_object_get(e, "min")), 0);
	assert_int_equal(json_integer_value(json_object_get(e, "max")), 150);
	e = error_for(errors, "tags");
	assert_string_equal(json_get_string(e, "code"), "count");
	assert_int_equal(json_integer_value(json_object_get(e, "min")), 1);
	assert_int_equal(json_integer_value(json_object_get(e, "max")), 3);
	e = error_for(errors, "kind");
	assert_string_equal(json_get_string(e, "code"), "not_in_list");
	assert_int_equal(json_array_size(json_object_get(e, "allowed")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "allowed"), 1)),
	                    "transfer");
	json_decref(errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parse_good),
	        cmocka_unit_test(parse_duplicates),
	        cmocka_unit_test(parse_bad_bytes),
	        cmocka_unit_test(parse_shape),
	        cmocka_unit_test(all_good),
	        cmocka_unit_test(unknown_fields),
	        cmocka_unit_test(required_fields),
	        cmocka_unit_test(wrong_types),
	        cmocka_unit_test(formats),
	        cmocka_unit_test(bounds),
	        cmocka_unit_test(control_characters),
	        cmocka_unit_test(string_arrays),
	        cmocka_unit_test(uuid_arrays),
	        cmocka_unit_test(every_problem_collected),
	        cmocka_unit_test(nested_prefix),
	        cmocka_unit_test(no_bounds_when_zero),
	        cmocka_unit_test(long_field_names_stay_utf8),
	        cmocka_unit_test(add_error),
	        cmocka_unit_test(codes),
	        cmocka_unit_test(code_details),
	        cmocka_unit_test(string_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
