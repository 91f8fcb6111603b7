/*
 * libFuzzer: request heads as they arrive on a connection. The head reader (server/reqhead.c)
 * must find the same whether the bytes come whole or in pieces (the first input byte chooses
 * the piece sizes); its offsets must point at what it reports. A head it read to its end is
 * then taken apart as pnetd does: the request target's path through the router (with a
 * table shaped like pnetd's) and its query through the query parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "reqhead.h"
#include "router.h"
#include "validate.h"

struct seen {
	unsigned flags;
	uint64_t length, end;
	size_t lengths, encodings;
	uint64_t last_at;
	size_t last_digits;
};

static struct seen read_pieces(const uint8_t *data, size_t size, size_t piece)
{
	struct reqhead h;
	struct seen s = {0};
	size_t at = 0;

	reqhead_init(&h, 7);
	while (at < size && !s.end) {
		size_t len = size - at < piece ? size - at : piece, used = 0;
		enum reqhead_event ev = reqhead_feed(&h, data + at, len, &used);

		if (used > len || (ev == REQHEAD_MORE && used != len))
			abort();
		at += used;
		if (h.offset != 7 + at)
			abort();
		if (ev == REQHEAD_LENGTH_LINE) {
			/* The digits reported are digits of this stream, before the line's end. */
			if (!h.length_digits || h.length_at < 7 ||
			    h.length_at - 7 + h.length_digits > at)
				abort();
			for (size_t i = 0; i < h.length_digits; i++) {
				uint8_t c = data[h.length_at - 7 + i];
				if (c < '0' || c > '9')
					abort();
			}
			s.lengths++;
			s.last_at = h.length_at;
			s.last_digits = h.length_digits;
		} else if (ev == REQHEAD_TRANSFER_ENCODING_LINE) {
			/* The line's start is the name's first letter, in this stream. */
			if (h.line_at < 7 || h.line_at - 7 >= at ||
			    (data[h.line_at - 7] | 0x20) != 't')
				abort();
			s.encodings++;
		} else if (ev == REQHEAD_DONE) {
			s.end = at;
			if (!reqhead_done(&h))
				abort();
		}
	}
	s.flags = h.flags;
	s.length = h.length;
	return s;
}

static void handler(struct req *r)
{
	(void)r;
}

static const struct route routes[] = {
        {"GET", "/healthz", handler},
        {"GET", "/v1/referrals", handler},
        {"POST", "/v1/referrals", handler},
        {"GET", "/v1/referrals/{id}", handler},
        {"POST", "/v1/referrals/{id}/transitions", handler},
        {"GET", "/v1/cases/{id}/consents", handler},
        {"POST", "/v1/consents/{id}/revoke", handler},
        {"GET", "/v1/networks/{id}/members/{node_id}", handler},
};

/* The request line's method and target, split as evhttp splits them (at single spaces). */
static void take_apart(const uint8_t *data, size_t end)
{
	static int ready;
	const uint8_t *nl = memchr(data, '\n', end);
	size_t n = nl ? (size_t)(nl - data) : 0;
	char *line, *method, *target, *rest, *path, *q, allow[128];
	struct route_match m;
	struct query query;

	if (!ready) {
		router_add(routes, sizeof(routes) / sizeof(routes[0]));
		ready = 1;
	}
	if (n && data[n - 1] == '\r')
		n--;
	line = malloc(n + 1);
	memcpy(line, data, n);
	line[n] = '\0';
	rest = line;
	method = strsep(&rest, " ");
	target = rest ? strsep(&rest, " ") : NULL;
	if (method && target && *target == '/') {
		q = strchr(target, '?');
		path = target;
		if (q)
			*q++ = '\0';
		if (router_match(method, path, &m, allow, sizeof(allow)) == ROUTER_FOUND) {
			for (size_t i = 0; i < m.nparams; i++)
				if (!*m.values[i] || !validate_uuid(m.values[i]))
					abort(); /* every parameter here is an id */
		}
		router_match_clear(&m);
		if (q && query_parse(q, &query, NULL) == 0) {
			for (size_t i = 0; i < query.n; i++)
				if (query_get(&query, query.items[i].key) == NULL)
					abort();
			query_clear(&query);
		}
	}
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen whole, pieces;
	size_t piece;

	if (size < 1)
		return 0;
	piece = data[0] % 17 + 1;
	data++;
	size--;
	whole = read_pieces(data, size, size + 1);
	pieces = read_pieces(data, size, piece);
	if (memcmp(&whole, &pieces, sizeof(whole)) != 0)
		abort();
	if (whole.end)
		take_apart(data, whole.end);
	return 0;
}
