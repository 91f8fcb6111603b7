#include "reqhead.h"

#include <string.h>

enum state {
	ST_START,   /* before the request line (empty lines are skipped) */
	ST_REQUEST, /* in the request line */
	ST_LINE,    /* at the start of a header line, or of the empty line that ends the head */
	ST_NAME,    /* in a field name */
	ST_VALUE,   /* in a field value */
	ST_DONE,
};

enum field { F_OTHER, F_LENGTH, F_TRANSFER_ENCODING, F_EXPECT };

/* How far a Content-Length value has been read: OWS, digits, OWS, or something else. */
enum number { N_BEFORE, N_DIGITS, N_AFTER, N_BAD };

static bool is_control(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Something is wrong with the current line. */
static void bad(struct reqhead *h, enum reqhead_flag flag)
{
	h->flags |= flag;
	h->line_bad = true;
}

/* A line starts at the byte being read. */
static void line_starts(struct reqhead *h)
{
	h->line_at = h->offset;
	h->line_bad = false;
}

void reqhead_init(struct reqhead *h, uint64_t offset)
{
	memset(h, 0, sizeof(*h));
	h->offset = offset;
	h->state = ST_START;
}

bool reqhead_done(const struct reqhead *h)
{
	return h->state == ST_DONE;
}

static void name_ended(struct reqhead *h)
{
	static const struct {
		const char *name;
		enum field field;
	} known[] = {
	        {"content-length", F_LENGTH},
	        {"transfer-encoding", F_TRANSFER_ENCODING},
	        {"expect", F_EXPECT},
	};

	h->field = F_OTHER;
	if (h->name_len == 0)
		bad(h, REQHEAD_MALFORMED);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (h->name_len == strlen(known[i].name) &&
		    !memcmp(h->name, known[i].name, h->name_len))
			h->field = known[i].field;
	h->number = N_BEFORE;
	h->value = 0;
	h->digits = 0;
	h->expect_len = 0;
	if (h->field == F_TRANSFER_ENCODING)
		h->flags |= REQHEAD_TRANSFER_ENCODING;
}

static void value_byte(struct reqhead *h, uint8_t c)
{
	if (is_control(c) && c != '\t')
		bad(h, REQHEAD_CONTROL);
	if (h->field == F_EXPECT && h->expect_len < sizeof(h->expect))
		h->expect[h->expect_len++] = (char)lower(c);
	if (h->field != F_LENGTH)
		return;
	if (c >= '0' && c <= '9' && (h->number == N_BEFORE || h->number == N_DIGITS)) {
		if (h->number == N_BEFORE)
			h->digits_at = h->offset;
		h->number = N_DIGITS;
		h->digits++;
		if (h->value > (UINT64_MAX - 9) / 10)
			h->value = UINT64_MAX; /* larger than anything acceptable: that is enough */
		else
			h->value = h->value * 10 + (uint64_t)(c - '0');
	} else if (c == ' ' || c == '\t') {
		if (h->number == N_DIGITS)
			h->number = N_AFTER;
	} else {
		h->number = N_BAD;
	}
}

/* A line ended (its terminator read; line_len is set). Returns the event it makes. */
static enum reqhead_event line_ended(struct reqhead *h)
{
	enum reqhead_event ev = REQHEAD_MORE;

	h->line_request = h->state == ST_REQUEST;
	switch (h->state) {
	case ST_START:
		return REQHEAD_MORE; /* an empty line before the request line */
	case ST_REQUEST:
		h->state = ST_LINE;
		return h->line_bad ? REQHEAD_BAD_LINE : REQHEAD_MORE;
	case ST_LINE:
		h->state = ST_DONE;
		return REQHEAD_DONE;
	case ST_NAME:
		bad(h, REQHEAD_MALFORMED); /* a header line without a colon */
		break;
	case ST_VALUE:
		if (h->field == F_LENGTH) {
			/* A bad one is mended away (evhttp would refuse it with its own page). */
			if (h->number != N_DIGITS && h->number != N_AFTER) {
				bad(h, REQHEAD_BAD_LENGTH);
			} else if ((h->flags & REQHEAD_LENGTH) && h->length != h->value) {
				bad(h, REQHEAD_BAD_LENGTH);
			} else {
				if (!(h->flags & REQHEAD_LENGTH))
					h->length = h->value;
				h->flags |= REQHEAD_LENGTH;
				h->length_at = h->digits_at;
				h->length_digits = h->digits;
				ev = REQHEAD_LENGTH_LINE;
			}
		} else if (h->field == F_TRANSFER_ENCODING) {
			ev = REQHEAD_TRANSFER_ENCODING_LINE;
		} else if (h->field == F_EXPECT) {
			size_t n = h->expect_len;

			while (n && (h->expect[n - 1] == ' ' || h->expect[n - 1] == '\t'))
				n--;
			size_t start = 0;
			while (start < n && (h->expect[start] == ' ' || h->expect[start] == '\t'))
				start++;
			if (n - start == 12 && !memcmp(h->expect + start, "100-continue", 12))
				h->flags |= REQHEAD_CONTINUE;
		}
		break;
	default:
		break;
	}
	h->state = ST_LINE;
	return h->line_bad ? REQHEAD_BAD_LINE : ev;
}

/* A byte that is not a line end (a CR that turned out not to be one included). */
static void content_byte(struct reqhead *h, uint8_t c)
{
	switch (h->state) {
	case ST_START:
		h->state = ST_REQUEST;
		line_starts(h);
		__attribute__((fallthrough));
	case ST_REQUEST:
		if (is_control(c))
			bad(h, REQHEAD_CONTROL);
		return;
	case ST_LINE:
		line_starts(h);
		if (c == ' ' || c == '\t') {
			/* obs-fold (RFC 9112 §5.2): evhttp glues it onto the line before */
			bad(h, REQHEAD_MALFORMED);
			h->field = F_OTHER;
			h->state = ST_VALUE;
			return;
		}
		h->state = ST_NAME;
		h->name_len = 0;
		__attribute__((fallthrough));
	case ST_NAME:
		if (c == ':') {
			name_ended(h);
			h->state = ST_VALUE;
			return;
		}
		if (is_control(c))
			bad(h, REQHEAD_CONTROL);
		if (c == ' ' || c == '\t')
			bad(h, REQHEAD_MALFORMED); /* "Content-Length : 5" */
		if (h->name_len < sizeof(h->name))
			h->name[h->name_len] = (char)lower(c);
		if (h->name_len < sizeof(h->name) + 1)
			h->name_len++; /* a name longer than the buffer matches no known one */
		return;
	case ST_VALUE:
		value_byte(h, c);
		return;
	default:
		return;
	}
}

enum reqhead_event reqhead_feed(struct reqhead *h, const uint8_t *p, size_t n, size_t *used)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		enum reqhead_event ev = REQHEAD_MORE;

		if (h->state == ST_DONE) {
			*used = i;
			return REQHEAD_DONE;
		}
		bool crlf = h->cr && c == '\n';

		if (h->cr) {
			h->cr = false;
			if (c != '\n') {
				/* a bare CR: a control byte in the line, read where it stood */
				h->offset--;
				content_byte(h, '\r');
				h->offset++;
			}
		}
		if (c == '\r') {
			h->cr = true;
		} else if (c == '\n') {
			h->line_len = (size_t)(h->offset - h->line_at) - (crlf ? 1 : 0);
			ev = line_ended(h);
		} else {
			content_byte(h, c);
		}
		h->offset++;
		if (ev != REQHEAD_MORE) {
			*used = i + 1;
			return ev;
		}
	}
	*used = n;
	return h->state == ST_DONE ? REQHEAD_DONE : REQHEAD_MORE;
}

void reqhead_mend(uint8_t *line, size_t n, bool request_line)
{
	for (size_t i = 0; i < n; i++)
		if (is_control(line[i]))
			line[i] = 'X';
	if (!request_line && n >= 2) {
		line[0] = 'X';
		line[1] = ':';
	} else if (!request_line && n == 1) {
		line[0] = 'X';
	}
}
