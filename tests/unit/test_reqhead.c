/* server/reqhead.c: request heads read byte by byte, whatever pieces they arrive in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reqhead.h"

struct result {
	unsigned flags;
	uint64_t length;
	size_t end;          /* bytes up to and including the end of the head (0: not ended) */
	size_t length_lines; /* REQHEAD_LENGTH_LINE events */
	uint64_t length_at;  /* of the last one */
	size_t length_digits;
	size_t te_lines;  /* REQHEAD_TRANSFER_ENCODING_LINE events */
	uint64_t te_at;   /* the last one's line start */
	size_t bad_lines; /* REQHEAD_BAD_LINE events */
	uint64_t bad_at;  /* the last one's start, length and kind */
	size_t bad_len;
	bool bad_request;
};

/* Read text in pieces of at most piece bytes, as conn.c does, until the head ends. */
static struct result read_in(const char *text, size_t piece)
{
	struct reqhead h;
	struct result res = {0};
	size_t n = strlen(text), at = 0;

	reqhead_init(&h, 0);
	while (at < n && !res.end) {
		size_t len = n - at < piece ? n - at : piece, used;
		enum reqhead_event ev = reqhead_feed(&h, (const uint8_t *)text + at, len, &used);

		assert_true(used <= len);
		at += used;
		assert_int_equal(h.offset, at);
		if (ev == REQHEAD_LENGTH_LINE) {
			res.length_lines++;
			res.length_at = h.length_at;
			res.length_digits = h.length_digits;
		} else if (ev == REQHEAD_TRANSFER_ENCODING_LINE) {
			res.te_lines++;
			res.te_at = h.line_at;
		} else if (ev == REQHEAD_BAD_LINE) {
			res.bad_lines++;
			res.bad_at = h.line_at;
			res.bad_len = h.line_len;
			res.bad_request = h.line_request;
		} else if (ev == REQHEAD_DONE) {
			res.end = at;
		} else {
			assert_int_equal(used, len);
		}
	}
	res.flags = h.flags;
	res.length = h.length;
	return res;
}

/* The same result whether the head comes whole or byte by byte. */
static struct result read_head(const char *text)
{
	struct result whole = read_in(text, strlen(text) + 1), bytes = read_in(text, 1);

	assert_int_equal(whole.flags, bytes.flags);
	assert_int_equal(whole.length, bytes.length);
	assert_int_equal(whole.end, bytes.end);
	assert_int_equal(whole.length_lines, bytes.length_lines);
	assert_int_equal(whole.length_at, bytes.length_at);
	assert_int_equal(whole.te_lines, bytes.te_lines);
	assert_int_equal(whole.te_at, bytes.te_at);
	assert_int_equal(whole.bad_lines, bytes.bad_lines);
	assert_int_equal(whole.bad_at, bytes.bad_at);
	assert_int_equal(whole.bad_len, bytes.bad_len);
	assert_int_equal(whole.bad_request, bytes.bad_request);
	return whole;
}

static void plain_requests(void **state)
{
	const char *get = "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\tb\r\n\r\n";
	struct result r = read_head(get);

	assert_int_equal(r.flags, 0);
	assert_int_equal(r.end, strlen(get));
	/* LF alone ends lines too; empty lines before the request line are skipped */
	r = read_head("\r\n\nGET / HTTP/1.1\nHost: x\n\n");
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.end, strlen("\r\n\nGET / HTTP/1.1\nHost: x\n\n"));
	/* not ended yet */
	assert_int_equal(read_head("GET / HTTP/1.1\r\nHost: x\r\n").end, 0);
}

static void content_length(void **state)
{
	const char *post = "POST /v1/cases HTTP/1.1\r\ncontent-LENGTH:  1234 \r\n\r\n{\"a\":1}";
	struct result r = read_head(post);

	assert_int_equal(r.flags, REQHEAD_LENGTH);
	assert_int_equal(r.length, 1234);
	assert_int_equal(r.length_lines, 1);
	assert_int_equal(r.length_at, strstr(post, "1234") - post);
	assert_int_equal(r.length_digits, 4);
	/* the body is not read */
	assert_int_equal(r.end, strstr(post, "{") - post);
	/* the same value twice is one length */
	r = read_head("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
	assert_int_equal(r.flags, REQHEAD_LENGTH);
	assert_int_equal(r.length_lines, 2);
	/* numbers too large for 64 bits are very large, not small */
	r = read_head("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n");
	assert_int_equal(r.length, UINT64_MAX);
	assert_int_equal(r.length_digits, 26);
}

static void bad_lengths(void **state)
{
	static const char *const heads[] = {
	        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	        "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
	        "POST / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\n",
	        "POST / HTTP/1.1\r\nContent-Length: 5,5\r\n\r\n",
	        "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
	        "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		assert_true(read_head(heads[i]).flags & REQHEAD_BAD_LENGTH);
}

static void control_bytes(void **state)
{
	/* a NUL in a value (evhttp would cut the value there), other controls, a bare CR */
	static const char nul[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
	struct reqhead h;
	size_t used, at = 0;

	reqhead_init(&h, 0);
	/* the bad line is reported when it ends, then the head's end */
	assert_int_equal(reqhead_feed(&h, (const uint8_t *)nul, sizeof(nul) - 1, &used),
	                 REQHEAD_BAD_LINE);
	at += used;
	assert_int_equal(at, strlen("GET / HTTP/1.1\r\nX-A: a") + 4);
	assert_int_equal(reqhead_feed(&h, (const uint8_t *)nul + at, sizeof(nul) - 1 - at, &used),
	                 REQHEAD_DONE);
	assert_int_equal(h.flags, REQHEAD_CONTROL);
	assert_int_equal(read_head("GET / HTTP/1.1\r\nX-A: a\x01z\r\n\r\n").flags, REQHEAD_CONTROL);
	assert_int_equal(read_head("GET / HTTP/1.1\r\nX-A: a\x7fz\r\n\r\n").flags, REQHEAD_CONTROL);
	assert_int_equal(read_head("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n").flags, REQHEAD_CONTROL);
	assert_int_equal(read_head("GET /\x01 HTTP/1.1\r\n\r\n").flags, REQHEAD_CONTROL);
	assert_int_equal(read_head("GET / HTTP/1.1\r\nX-\x02: a\r\n\r\n").flags, REQHEAD_CONTROL);
	/* bytes above 0x7f are not control bytes (obs-text) */
	assert_int_equal(read_head("GET / HTTP/1.1\r\nX-A: caf\xc3\xa9\r\n\r\n").flags, 0);
}

/* The bad line of head (one only), mended, as evhttp will read it. */
static void mended_is(const char *head, size_t n, bool request, const char *want)
{
	struct reqhead h;
	size_t used, at = 0;
	uint8_t copy[256];
	enum reqhead_event ev;

	assert_true(n < sizeof(copy));
	memcpy(copy, head, n);
	reqhead_init(&h, 0);
	do {
		ev = reqhead_feed(&h, copy + at, n - at, &used);
		at += used;
	} while (ev != REQHEAD_BAD_LINE && ev != REQHEAD_DONE && at < n);
	assert_int_equal(ev, REQHEAD_BAD_LINE);
	assert_int_equal(h.line_request, request);
	reqhead_mend(copy + h.line_at, h.line_len, h.line_request);
	assert_int_equal(h.line_len, strlen(want));
	assert_memory_equal(copy + h.line_at, want, h.line_len);
}

static void bad_lines_are_mended(void **state)
{
	static const char nul_value[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
	static const char nul_name[] = "GET / HTTP/1.1\r\nX-\0A: b\r\n\r\n";
	static const char nul_target[] = "GET /a\0b HTTP/1.1\r\n\r\n";

	mended_is(nul_value, sizeof(nul_value) - 1, false, "X:A: aXb");
	mended_is(nul_name, sizeof(nul_name) - 1, false, "X:XA: b");
	mended_is(nul_target, sizeof(nul_target) - 1, true, "GET /aXb HTTP/1.1");
	static const char no_colon[] = "GET / HTTP/1.1\r\nno colon\r\n\r\n";
	static const char bare_cr[] = "GET / HTTP/1.1\nX-A: a\rb\n\n";

	static const char cr_first[] = "GET / HTTP/1.1\r\n\rX-A: b\r\n\r\n";

	mended_is(no_colon, sizeof(no_colon) - 1, false, "X: colon");
	/* a bare CR that starts a line is part of it */
	mended_is(cr_first, sizeof(cr_first) - 1, false, "X:-A: b");
	mended_is(bare_cr, sizeof(bare_cr) - 1, false, "X:A: aXb");
	/* one line's bad bytes count for that line only */
	struct result r = read_head("GET / HTTP/1.1\r\nX-A: \x01\r\nHost: x\r\nX: \x02\r\n\r\n");
	assert_int_equal(r.bad_lines, 2);
	assert_int_equal(r.bad_len, 4);
	assert_int_equal(read_head("GET / HTTP/1.1\r\nHost: x\r\n\r\n").bad_lines, 0);
}

static void malformed_lines(void **state)
{
	static const char *const heads[] = {
	        "GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n",        /* folded */
	        "GET / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n",       /* folded */
	        "GET / HTTP/1.1\r\nno colon here\r\n\r\n",       /* no colon */
	        "GET / HTTP/1.1\r\n: empty name\r\n\r\n",        /* empty name */
	        "POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", /* space before the colon */
	};

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		assert_true(read_head(heads[i]).flags & REQHEAD_MALFORMED);
	/* a name with a space is not the Content-Length evhttp would ignore */
	assert_false(read_head(heads[4]).flags & REQHEAD_LENGTH);
}

static void transfer_encoding_and_expect(void **state)
{
	const char *both = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	                   "Content-Length: 10\r\nExpect:  100-Continue \r\n\r\n";
	struct result r = read_head(both);

	assert_int_equal(r.flags, REQHEAD_TRANSFER_ENCODING | REQHEAD_LENGTH | REQHEAD_CONTINUE);
	/* the line's start, so that the caller can spoil the name */
	assert_int_equal(r.te_lines, 1);
	assert_int_equal(r.te_at, strstr(both, "Transfer") - both);
	assert_false(read_head("POST / HTTP/1.1\r\nExpect: 100-continue-ish\r\n\r\n").flags &
	             REQHEAD_CONTINUE);
	/* names longer than any known one are other headers */
	assert_int_equal(
	        read_head("GET / HTTP/1.1\r\nContent-Length-And-Much-More: x\r\n\r\n").flags, 0);
}

static void nothing_after_the_end(void **state)
{
	struct reqhead h;
	size_t used;
	const char *two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";

	reqhead_init(&h, 100);
	assert_int_equal(reqhead_feed(&h, (const uint8_t *)two, strlen(two), &used), REQHEAD_DONE);
	assert_int_equal(used, strlen("GET /a HTTP/1.1\r\n\r\n"));
	assert_int_equal(h.offset, 100 + used);
	assert_true(reqhead_done(&h));
	assert_int_equal(reqhead_feed(&h, (const uint8_t *)two + used, 5, &used), REQHEAD_DONE);
	assert_int_equal(used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(plain_requests),
	        cmocka_unit_test(content_length),
	        cmocka_unit_test(bad_lengths),
	        cmocka_unit_test(control_bytes),
	        cmocka_unit_test(malformed_lines),
	        cmocka_unit_test(transfer_encoding_and_expect),
	        cmocka_unit_test(nothing_after_the_end),
	        cmocka_unit_test(bad_lines_are_mended),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
