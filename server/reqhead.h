/*
 * The head of an HTTP/1.1 request (request line and header lines, RFC 9112), read byte by
 * byte as it arrives and before evhttp parses it (conn.c). It finds what must be known before
 * a body is read (the declared Content-Length, a Transfer-Encoding, Expect: 100-continue) and
 * what evhttp would lose or misread: a NUL byte, which evhttp's C strings cut a line off at;
 * other control bytes; a line folded onto the one before; whitespace before a colon, which
 * makes evhttp ignore a header another server would honour; Content-Length values that are
 * not a number or disagree. Pure C, no allocation: unit-tested and fuzzed.
 *
 * Lines end with LF, optionally preceded by CR, as evhttp reads them; empty lines before the
 * request line are skipped.
 */
#ifndef PNET_REQHEAD_H
#define PNET_REQHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum reqhead_flag {
	REQHEAD_CONTROL = 1u << 0,    /* a NUL or other control byte (HTAB aside) in a line */
	REQHEAD_MALFORMED = 1u << 1,  /* a folded line, a header line without a colon, an empty
	                                 name, or whitespace in a name */
	REQHEAD_LENGTH = 1u << 2,     /* a Content-Length (the first one is in length) */
	REQHEAD_BAD_LENGTH = 1u << 3, /* a Content-Length that is not digits, or two that differ */
	REQHEAD_TRANSFER_ENCODING = 1u << 4, /* a Transfer-Encoding header */
	REQHEAD_CONTINUE = 1u << 5,          /* Expect: 100-continue */
};

/* What reqhead_feed stopped for. */
enum reqhead_event {
	REQHEAD_MORE,        /* every byte was read; the head goes on */
	REQHEAD_LENGTH_LINE, /* a Content-Length line of digits ended: length_at, length_digits */
	REQHEAD_TRANSFER_ENCODING_LINE, /* a Transfer-Encoding line ended: line_at */
	REQHEAD_BAD_LINE, /* a line with a control byte or malformed ended: line_at, line_len,
	                     line_request (see reqhead_mend) */
	REQHEAD_DONE,     /* the empty line that ends the head was read */
};

struct reqhead {
	uint64_t offset; /* stream offset of the next byte to read */
	unsigned flags;  /* enum reqhead_flag */
	uint64_t length; /* the first Content-Length (UINT64_MAX when it overflows) */
	/* The digits of the Content-Length line just ended (REQHEAD_LENGTH_LINE): stream offset
	   and count, so that the caller can find them in its buffer. */
	uint64_t length_at;
	size_t length_digits;
	uint64_t line_at;  /* stream offset of the current (or just ended) line's start */
	size_t line_len;   /* the length of the line just ended, without its CR LF */
	bool line_request; /* the line just ended is the request line */
	bool line_bad;     /* the current line has a control byte or is malformed */

	/* The reader's own state. */
	unsigned state;
	bool cr;       /* the byte before was a CR: a line end if an LF follows */
	char name[20]; /* the current field name, lower case (cut short) */
	size_t name_len;
	unsigned field;     /* which field the current line is (reqhead.c) */
	unsigned number;    /* where the Content-Length value's parsing is */
	uint64_t value;     /* the current Content-Length value */
	uint64_t digits_at; /* stream offset of its first digit */
	size_t digits;
	char expect[16]; /* the current Expect value, lower case (cut short) */
	size_t expect_len;
};

/* Start reading a head whose first byte has stream offset offset. */
void reqhead_init(struct reqhead *h, uint64_t offset);

/*
 * Read the n bytes at p, the next ones of the stream. *used is set to how many were read:
 * all of them for REQHEAD_MORE, else up to and including the byte that ended the line.
 * After REQHEAD_DONE nothing more is read (*used is 0).
 */
enum reqhead_event reqhead_feed(struct reqhead *h, const uint8_t *p, size_t n, size_t *used);

/* Whether the head was read to its end. */
bool reqhead_done(const struct reqhead *h);

/*
 * Mend the n bytes of a bad line (REQHEAD_BAD_LINE) in place so that evhttp reads it rather
 * than refuse the request itself with its own HTML page: control bytes become 'X', and a
 * header line becomes the harmless header "X:" (its first two bytes). The request is then
 * refused by pnet, with problem+json, for the flags the reader set.
 */
void reqhead_mend(uint8_t *line, size_t n, bool request_line);

#endif
