/* Unit tests of lib/validate.c: every predicate with good, bad and edge-case inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "validate.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Assert pred(s) == want for every string of a list, naming the one that fails. */
static void check_all(bool (*pred)(const char *), const char *const *list, size_t n, bool want)
{
	for (size_t i = 0; i < n; i++) {
		if (pred(list[i]) != want)
			fail_msg("expected %s for \"%s\"", want ? "valid" : "invalid", list[i]);
	}
}

#define GOOD(pred, ...)                                                                            \
	do {                                                                                       \
		static const char *const l_[] = {__VA_ARGS__};                                     \
		check_all(pred, l_, ARRAY_SIZE(l_), true);                                         \
	} while (0)
#define BAD(pred, ...)                                                                             \
	do {                                                                                       \
		static const char *const l_[] = {__VA_ARGS__};                                     \
		check_all(pred, l_, ARRAY_SIZE(l_), false);                                        \
	} while (0)

static void uuid_good(void **state)
{
	GOOD(validate_uuid, "123e4567-e89b-12d3-a456-426614174000",
	     "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
	     "A0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
}

static void uuid_bad(void **state)
{
	BAD(validate_uuid, "", "123e4567e89b12d3a456426614174000",
	    "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456-4266141740000",
	    "{123e4567-e89b-12d3-a456-426614174000}", "123e4567-e89b-12d3-a456_426614174000",
	    "g23e4567-e89b-12d3-a456-426614174000", " 23e4567-e89b-12d3-a456-426614174000",
	    "123e4567-e89b-12d3-a4560426614174000", "123e45670e89b-12d3-a456-426614174000");
	assert_false(validate_uuid(NULL));
}

/* UTF-8 byte sequences: well-formed ones, then each kind of ill-formed one. */
static void utf8_good(void **state)
{
	static const char *const good[] = {
	        "",
	        "plain ASCII",
	        "Stra\xc3\x9f\x65",    /* Straße */
	        "\xc2\x80",            /* U+0080, smallest 2-byte */
	        "\xdf\xbf",            /* U+07FF */
	        "\xe0\xa0\x80",        /* U+0800, smallest 3-byte */
	        "\xed\x9f\xbf",        /* U+D7FF, just below the surrogates */
	        "\xee\x80\x80",        /* U+E000, just above */
	        "\xef\xbf\xbf",        /* U+FFFF */
	        "\xf0\x90\x80\x80",    /* U+10000, smallest 4-byte */
	        "\xf4\x8f\xbf\xbf",    /* U+10FFFF, the last code point */
	        "\xf0\x9f\x98\x80 ok", /* emoji */
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (!validate_utf8(good[i], strlen(good[i])))
			fail_msg("expected valid UTF-8: case %zu", i);
	}
	/* NUL is a code point; the length, not the terminator, bounds the text. */
	assert_true(validate_utf8("a\0b", 3));
	assert_true(validate_utf8(NULL, 0));
}

static void utf8_bad(void **state)
{
	static const char *const bad[] = {
	        "\x80",                     /* lone continuation */
	        "\xbf",                     /* lone continuation */
	        "\xc0\xaf",                 /* overlong '/' (2 bytes) */
	        "\xc1\xbf",                 /* overlong U+007F */
	        "\xe0\x80\xaf",             /* overlong '/' (3 bytes) */
	        "\xe0\x9f\xbf",             /* overlong U+07FF */
	        "\xf0\x80\x80\xaf",         /* overlong '/' (4 bytes) */
	        "\xf0\x8f\xbf\xbf",         /* overlong U+FFFF */
	        "\xed\xa0\x80",             /* U+D800, high surrogate */
	        "\xed\xbf\xbf",             /* U+DFFF, low surrogate */
	        "\xed\xa0\xbd\xed\xb8\x80", /* CESU-8 surrogate pair */
	        "\xf4\x90\x80\x80",         /* U+110000 */
	        "\xf5\x80\x80\x80",         /* lead byte beyond U+10FFFF */
	        "\xf8\x88\x80\x80\x80",     /* 5-byte sequence */
	        "\xfc\x84\x80\x80\x80\x80", /* 6-byte sequence */
	        "\xfe",
	        "\xff",
	        "\xc3",                  /* truncated 2-byte */
	        "\xe2\x82",              /* truncated 3-byte */
	        "\xf0\x9f\x98",          /* truncated 4-byte */
	        "\xc3\x28",              /* bad continuation */
	        "\xe2\x28\xa1",          /* bad continuation */
	        "ok \xe2\x82 then more", /* truncated in the middle */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (validate_utf8(bad[i], strlen(bad[i])))
			fail_msg("expected invalid UTF-8: case %zu", i);
	}
	assert_false(validate_utf8(NULL, 1));
}

static void utf8_length(void **state)
{
	assert_int_equal(validate_utf8_length("", 0), 0);
	assert_int_equal(validate_utf8_length("abc", 3), 3);
	assert_int_equal(validate_utf8_length("\xc3\xa4\xc3\xb6\xc3\xbc", 6), 3); /* äöü */
	assert_int_equal(validate_utf8_length("\xe2\x82\xac", 3), 1);             /* € */
	assert_int_equal(validate_utf8_length("\xf0\x9f\x98\x80x", 5), 2);
	assert_int_equal(validate_utf8_length("\xc0\xaf", 2), -1);
	/* Only len bytes count: a cut through a sequence is invalid. */
	assert_int_equal(validate_utf8_length("\xe2\x82\xac", 2), -1);
}

static void text_lengths(void **state)
{
	assert_true(validate_text("", 0, 10, false));
	assert_false(validate_text("", 1, 10, false));
	assert_true(validate_text("a", 1, 1, false));
	assert_false(validate_text("ab", 1, 1, false));
	/* Code points, not bytes: five umlauts are five characters, ten bytes. */
	assert_true(validate_text("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", 5, 5, false));
	assert_false(validate_text("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", 6, 10, false));
	assert_false(validate_text("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 0, 1, false));
	assert_false(validate_text(NULL, 0, 10, false));
}

static void text_control(void **state)
{
	assert_true(validate_text("line one\nline two\twith tab", 1, 100, true));
	assert_false(validate_text("line one\nline two", 1, 100, false));
	assert_false(validate_text("tab\there", 1, 100, false));
	assert_false(validate_text("cr\r\n", 1, 100, true));
	assert_false(validate_text("bell\a", 1, 100, true));
	assert_false(validate_text("esc\x1b[31m", 1, 100, true));
	assert_false(validate_text("\x1f", 0, 100, true));
	assert_false(validate_text("del\x7f", 1, 100, true));
	assert_false(validate_text("c1 \xc2\x80", 1, 100, true));   /* U+0080 */
	assert_false(validate_text("c1 \xc2\x85", 1, 100, true));   /* U+0085 NEL */
	assert_false(validate_text("c1 \xc2\x9f", 1, 100, true));   /* U+009F */
	assert_true(validate_text("nbsp \xc2\xa0", 1, 100, false)); /* U+00A0 is text */
	assert_true(validate_text("\xe2\x80\xa8", 1, 100, false));  /* U+2028 is not C0/C1 */
	assert_false(validate_text("bad \xed\xa0\x80", 1, 100, true));
}

static void text_check_order(void **state)
{
	assert_int_equal(validate_text_check("ok", 2, 1, 5, false), VALIDATE_TEXT_OK);
	assert_int_equal(validate_text_check("\xff", 1, 1, 5, false), VALIDATE_TEXT_BAD_UTF8);
	assert_int_equal(validate_text_check("a\nb", 3, 1, 5, false), VALIDATE_TEXT_CONTROL);
	assert_int_equal(validate_text_check("a\0b", 3, 1, 5, true), VALIDATE_TEXT_CONTROL);
	assert_int_equal(validate_text_check("", 0, 1, 5, false), VALIDATE_TEXT_TOO_SHORT);
	assert_int_equal(validate_text_check("abcdef", 6, 1, 5, false), VALIDATE_TEXT_TOO_LONG);
	/* Encoding first, then characters, then length. */
	assert_int_equal(validate_text_check("\n\n\n\n\n\n", 6, 1, 5, false),
	                 VALIDATE_TEXT_CONTROL);
	assert_int_equal(validate_text_check("\xff\n", 2, 5, 5, false), VALIDATE_TEXT_BAD_UTF8);
}

static void date_good(void **state)
{
	GOOD(validate_date, "2026-03-01", "2024-02-29", "2000-02-29", "1999-12-31", "0001-01-01",
	     "9999-12-31", "2026-01-31", "2026-04-30", "2026-12-31");
}

static void date_bad(void **state)
{
	BAD(validate_date, "", "2026-3-01", "2026-03-1", "26-03-01", "2026/03/01", "2026-13-01",
	    "2026-00-01", "2026-01-00", "2026-01-32", "2026-04-31", "2026-06-31", "2026-09-31",
	    "2026-11-31", "2025-02-29", "1900-02-29", "2100-02-29", "2024-02-30", "0000-01-01",
	    "2026-03-01T00:00:00Z", "2026-03-01 ", " 2026-03-01", "２０２６-03-01", "2026-03-0a",
	    "+2026-03-01");
	assert_false(validate_date(NULL));
}

static void timestamp_good(void **state)
{
	GOOD(validate_timestamp, "2026-03-01T09:30:00+01:00", "2026-03-01T09:30:00Z",
	     "2026-03-01t09:30:00z", "2026-03-01T09:30:00.5Z", "2026-03-01T09:30:00.123456789Z",
	     "2026-03-01T09:30:00.000+02:00", "2024-02-29T23:59:59-00:00",
	     "2026-03-01T00:00:00-12:00", "2026-03-01T23:59:59+14:00", "2026-03-01T09:30:00+05:45",
	     "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
	     /* Leap seconds: 23:59:60 in UTC, whatever the local offset. */
	     "2016-12-31T23:59:60Z", "2017-01-01T00:59:60+01:00", "2016-12-31T18:59:60-05:00",
	     "2016-12-31T23:59:60.5Z");
}

static void timestamp_bad(void **state)
{
	BAD(validate_timestamp, "", "2026-03-01", "2026-03-01T09:30Z", "2026-03-01T09:30:00",
	    "2026-03-01 09:30:00Z", "2026-03-01_09:30:00Z", "2026-03-01T9:30:00Z",
	    "2026-03-01T24:00:00Z", "2026-03-01T24:00:00+01:00", "2026-03-01T23:60:00Z",
	    "2026-03-01T23:59:61Z", "2026-03-01T12:00:60Z", "2026-03-01T23:59:60+01:00",
	    "2026-03-01T09:30:00.Z", "2026-03-01T09:30:00.1234567890Z", "2026-03-01T09:30:00,5Z",
	    "2026-03-01T09:30:00+01", "2026-03-01T09:30:00+0100", "2026-03-01T09:30:00+1:00",
	    "2026-03-01T09:30:00+24:00", "2026-03-01T09:30:00+01:60", "2026-03-01T09:30:00 +01:00",
	    "2026-03-01T09:30:00UTC", "2026-03-01T09:30:00Z ", "2026-03-01T09:30:00ZZ",
	    "2026-03-01T09:30:00+01:00:00", "2025-02-29T09:30:00Z", "2026-04-31T09:30:00Z",
	    "2026-13-01T09:30:00Z", "0000-01-01T00:00:00Z", "2026-03-01T09:30:00.5",
	    "2026-03-01T-9:30:00Z");
	assert_false(validate_timestamp(NULL));
}

static void enum_values(void **state)
{
	static const char *const colours[] = {"red", "green", NULL};
	static const char *const none[] = {NULL};

	assert_true(validate_enum("red", colours));
	assert_true(validate_enum("green", colours));
	assert_false(validate_enum("Red", colours));
	assert_false(validate_enum("re", colours));
	assert_false(validate_enum("redx", colours));
	assert_false(validate_enum("", colours));
	assert_false(validate_enum(NULL, colours));
	assert_false(validate_enum("red", NULL));
	assert_false(validate_enum("red", none));
}

static void login_rules(void **state)
{
	GOOD(validate_login, "abc", "anna.schmidt", "jc-neustadt_u25", "1st.user",
	     "a234567890123456789012345678901234567890123456789012345678901234");
	BAD(validate_login, "", "ab", "Anna", "anna schmidt", ".anna", "-anna", "_anna", "anna@x",
	    "j\xc3\xbcrgen", "a2345678901234567890123456789012345678901234567890123456789012345");
	assert_false(validate_login(NULL));
}

static void key_rules(void **state)
{
	GOOD(validate_key, "a", "debt_counselling", "step-2", "z9",
	     "a234567890123456789012345678901234567890123456789012345678901234");
	BAD(validate_key, "", "1step", "_a", "-a", "Step", "step.two", "step two",
	    "schritt\xc3\xa4", "a2345678901234567890123456789012345678901234567890123456789012345");
	assert_false(validate_key(NULL));
}

static void email_rules(void **state)
{
	GOOD(validate_email, "anna@example.org", "a.b+tag@sub.example.de", "x@y.z",
	     "j\xc3\xbcrgen@caritas-neustadt.de");
	BAD(validate_email, "", "anna", "anna@", "@example.org", "anna@example",
	    "anna@@example.org", "an@na@example.org", "anna @example.org", "anna@exa mple.org",
	    "anna@.example.org", "anna@example.org.", "anna@example..org", "anna\t@example.org",
	    "anna@example.org\n", "anna\xc2\xa0@example.org", "anna@\xff.org",
	    "a12345678901234567890123456789012345678901234567890123456789012345@example.org");
	assert_false(validate_email(NULL));
	{
		char big[300];

		memset(big, 'a', sizeof(big));
		memcpy(big + 240, "@example.org", 13); /* 252 bytes: fine */
		assert_false(validate_email(big));     /* local part too long */
		memcpy(big, "x@", 2);
		assert_false(validate_email(big)); /* two @ */
		memset(big, 'a', sizeof(big));
		big[0] = 'x';
		big[1] = '@';
		memcpy(big + 250, ".org", 5); /* 254 bytes */
		assert_true(validate_email(big));
		big[250] = 'a';
		memcpy(big + 251, ".org", 5); /* 255 bytes */
		assert_int_equal(strlen(big), 255);
		assert_false(validate_email(big));
	}
}

static void url_rules(void **state)
{
	GOOD(validate_url, "http://example.org", "https://example.org/", "HTTPS://Example.org/path",
	     "https://example.org:8443/hook?x=1#frag", "http://localhost:8080",
	     "https://127.0.0.1/x", "http://[::1]:9000/hook", "https://[2001:db8::1]/",
	     "https://xn--caritas-kln-djb.de/", "https://example.org/a%20b");
	BAD(validate_url, "", "example.org", "ftp://example.org", "https://", "https:///path",
	    "https://exa mple.org", "https://example.org/a b", "https://user:pw@example.org/",
	    "https://example.org:0/", "https://example.org:65536/", "https://example.org:/",
	    "https://example.org:80x/", "https://example.org:123456/", "https://[::1/",
	    "https://[]/", "https://k\xc3\xb6ln.de/", "https://example.org/\x7f",
	    "https://-example.org/", "https://.example.org/", "javascript:alert(1)",
	    "https://exa_mple.org/", "https:example.org");
	assert_false(validate_url(NULL));
	{
		char big[2100];

		memset(big, 'a', sizeof(big));
		memcpy(big, "https://example.org/", 20);
		big[2048] = '\0';
		assert_true(validate_url(big));
		big[2048] = 'a';
		big[2049] = '\0';
		assert_false(validate_url(big));
	}
}

static void phone_rules(void **state)
{
	GOOD(validate_phone, "112", "+49 221 12345-67", "0221 / 123 45 67", "(0221) 123456",
	     "+49 (0)221 1234567", "1234567890123456789012345678901234567890");
	BAD(validate_phone, "", "12", "+1", "---", "+()", "0221 123 ext. 4", "0221+123", "++49 221",
	    "0221\t123", "phone", "12345678901234567890123456789012345678901",
	    "\xef\xbc\x90\xef\xbc\x92\xef\xbc\x92\xef\xbc\x91"); /* fullwidth digits */
	assert_false(validate_phone(NULL));
}

/* The rule that answers code, or NULL when s is a pseudonym. */
static const char *pseudonym_code(const char *s)
{
	const char *code = "unset", *message = validate_pseudonym(s, &code);

	assert_true((message == NULL) == (code == NULL));
	return code;
}

static void pseudonym_rules(void **state)
{
	static const char *const good[] =
	        {
	                "AE-2026-0042", "fall.17",   "A/B_c-1",   "x",         "1.2",
	                "12.5",         "1.2.3",     "01.02.123", "1.2.34567", "BG",
	                "12BG34",       "1234BG567", "12345BG", /* nothing after BG */
	                "BG12345",                              /* nothing before */
	        };
	static const struct {
		const char *s, *code;
	} bad[] = {
	        {"Max Mustermann", "pseudonym_characters"},
	        {"müller", "pseudonym_characters"},
	        {"a,b", "pseudonym_characters"},
	        {"", NULL}, /* the length is json_check_object's business */
	        {"1.2.84", "pseudonym_looks_like_birth_date"},
	        {"01.02.1984", "pseudonym_looks_like_birth_date"},
	        {"fall-3.11.1990-x", "pseudonym_looks_like_birth_date"},
	        {"12345BG6789", "pseudonym_looks_like_benefit_number"},
	        {"x-54321bg1", "pseudonym_looks_like_benefit_number"},
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_null(pseudonym_code(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *code = pseudonym_code(bad[i].s);
		if (bad[i].code)
			assert_string_equal(code, bad[i].code);
		else
			assert_null(code);
	}
	/* The message may be left out; the answer is the same. */
	assert_non_null(validate_pseudonym("01.02.1984", NULL));
	assert_null(validate_pseudonym("AE-1", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(uuid_good),       cmocka_unit_test(uuid_bad),
	        cmocka_unit_test(utf8_good),       cmocka_unit_test(utf8_bad),
	        cmocka_unit_test(utf8_length),     cmocka_unit_test(text_lengths),
	        cmocka_unit_test(text_control),    cmocka_unit_test(text_check_order),
	        cmocka_unit_test(date_good),       cmocka_unit_test(date_bad),
	        cmocka_unit_test(timestamp_good),  cmocka_unit_test(timestamp_bad),
	        cmocka_unit_test(enum_values),     cmocka_unit_test(login_rules),
	        cmocka_unit_test(key_rules),       cmocka_unit_test(email_rules),
	        cmocka_unit_test(url_rules),       cmocka_unit_test(phone_rules),
	        cmocka_unit_test(pseudonym_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
