#include "ics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "util.h"

/* A content line, folded: at most 75 octets per physical line, a space before each further. */
static void line(struct evbuffer *out, const char *text)
{
	size_t n = strlen(text), i = 0, room = 75;

	while (n - i > room) {
		size_t take = room;
		/* Never split a UTF-8 character: back up over continuation bytes (10xxxxxx). */
		while (take > 1 && ((unsigned char)text[i + take] & 0xc0) == 0x80)
			take--;
		evbuffer_add(out, text + i, take);
		evbuffer_add(out, "\r\n ", 3);
		i += take;
		room = 74; /* the leading space counts */
	}
	evbuffer_add(out, text + i, n - i);
	evbuffer_add(out, "\r\n", 2);
}

/* name:value with value escaped as TEXT (RFC 5545 3.3.11). */
static void text_line(struct evbuffer *out, const char *name, const char *value)
{
	size_t n = strlen(value);
	char *escaped = xmalloc(strlen(name) + 1 + 2 * n + 1), *p = escaped;

	p += sprintf(p, "%s:", name);
	for (size_t i = 0; i < n; i++) {
		char c = value[i];
		if (c == '\\' || c == ';' || c == ',') {
			*p++ = '\\';
			*p++ = c;
		} else if (c == '\n') {
			*p++ = '\\';
			*p++ = 'n';
		} else if (c != '\r' && ((unsigned char)c >= 0x20 || c == '\t')) {
			*p++ = c;
		}
	}
	*p = '\0';
	line(out, escaped);
	free(escaped);
}

char *ics_appointment(const struct ics_appointment *a)
{
	struct evbuffer *out = evbuffer_new();
	char buf[160];
	size_t len;
	char *text;

	line(out, "BEGIN:VCALENDAR");
	line(out, "VERSION:2.0");
	line(out, "PRODID:-//pnet//Vermittlung//DE");
	line(out, "CALSCALE:GREGORIAN");
	line(out, "METHOD:PUBLISH");
	line(out, "BEGIN:VEVENT");
	text = xasprintf("UID:%s", a->uid);
	line(out, text);
	free(text);
	snprintf(buf, sizeof(buf), "DTSTAMP:%s", a->stamp);
	line(out, buf);
	snprintf(buf, sizeof(buf), "DTSTART:%s", a->start);
	line(out, buf);
	snprintf(buf, sizeof(buf), "DURATION:PT%ldM", a->duration_min);
	line(out, buf);
	snprintf(buf, sizeof(buf), "SEQUENCE:%ld", a->sequence);
	line(out, buf);
	text_line(out, "SUMMARY", a->summary);
	if (a->location && *a->location)
		text_line(out, "LOCATION", a->location);
	line(out, "END:VEVENT");
	line(out, "END:VCALENDAR");
	len = evbuffer_get_length(out);
	text = xmalloc(len + 1);
	evbuffer_remove(out, text, len);
	text[len] = '\0';
	evbuffer_free(out);
	return text;
}
