/* server/ics.c: the appointment's iCalendar file (RFC 5545): line ends, folding, escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ics.h"

static char *calendar(const char *summary, const char *location)
{
	struct ics_appointment a = {
	        .uid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427-appointment@pnet",
	        .stamp = "20260102T030405Z",
	        .start = "20310304T083000Z",
	        .duration_min = 60,
	        .sequence = 2,
	        .summary = summary,
	        .location = location,
	};
	return ics_appointment(&a);
}

/* The file unfolded (CRLF SPACE removed), after checking every physical line. */
static char *unfold_checked(const char *text)
{
	size_t n = strlen(text);
	char *out = calloc(1, n + 1), *o = out;
	const char *p = text;

	assert_true(n >= 2 && !strcmp(text + n - 2, "\r\n"));
	while (*p) {
		const char *end = strstr(p, "\r\n");
		assert_non_null(end);
		assert_true(end - p <= 75);                      /* octets, not characters */
		assert_null(memchr(p, '\n', (size_t)(end - p))); /* no bare LF */
		if (*p == ' ') {
			assert_true(o > out); /* a continuation needs a line before it */
			/* Folding never splits a UTF-8 character. */
			assert_false(((unsigned char)p[1] & 0xc0) == 0x80);
			memcpy(o, p + 1, (size_t)(end - p - 1));
			o += end - p - 1;
		} else {
			if (o > out)
				*o++ = '\n';
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
		}
		p = end + 2;
	}
	*o = '\0';
	return out;
}

static void test_structure(void **state)
{
	char *text = calendar("Termin: Caritas", "Caritas, Marktstr. 1, 67433 Neustadt");
	char *lines = unfold_checked(text);

	(void)state;
	assert_true(!strncmp(lines, "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:", 35));
	assert_non_null(strstr(lines, "\nBEGIN:VEVENT\nUID:1b4e28ba-2fa1-11d2-883f-0016d3cca427-"
	                              "appointment@pnet\n"));
	assert_non_null(strstr(lines, "\nDTSTAMP:20260102T030405Z\nDTSTART:20310304T083000Z\n"
	                              "DURATION:PT60M\nSEQUENCE:2\n"));
	assert_non_null(strstr(lines, "\nSUMMARY:Termin: Caritas\n"));
	assert_non_null(strstr(lines, "\nLOCATION:Caritas\\, Marktstr. 1\\, 67433 Neustadt\n"));
	assert_true(strlen(lines) > 14 &&
	            !strcmp(lines + strlen(lines) - 24, "END:VEVENT\nEND:VCALENDAR"));
	free(lines);
	free(text);
}

static void test_folding_at_75_octets_never_inside_a_character(void **state)
{
	/* "ä" is two octets: a line of them must break between characters. */
	char summary[400] = "Termin: ";
	char *text, *lines;

	(void)state;
	for (int i = 0; i < 150; i++)
		strcat(summary, "ä");
	text = calendar(summary, NULL);
	lines = unfold_checked(text);
	assert_non_null(strstr(lines, summary)); /* unfolded, the text is whole again */
	assert_null(strstr(lines, "LOCATION"));  /* no location, no empty property */
	free(lines);
	free(text);
}

static void test_text_is_escaped(void **state)
{
	char *text = calendar("a;b,c\\d\ne\rf", "x");
	char *lines = unfold_checked(text);

	(void)state;
	assert_non_null(strstr(lines, "\nSUMMARY:a\\;b\\,c\\\\d\\nef\n"));
	free(lines);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_structure),
	        cmocka_unit_test(test_folding_at_75_octets_never_inside_a_character),
	        cmocka_unit_test(test_text_is_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
