/*
 * Percent-encoding (RFC 3986 §2.1) and query strings ("a=1&b=x+y"), read strictly: a '%'
 * not followed by two hex digits, or anything that decodes to a NUL byte, is refused instead
 * of being read loosely (libevent's decoder keeps "%zz" as it is and cuts a value at "%00").
 * Pure C without libevent: the router, http.c, the unit tests and a fuzz harness call it.
 */
#ifndef PNET_QUERY_H
#define PNET_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct query_param {
	char *key;
	char *value;
};

struct query {
	struct query_param *items;
	size_t n;
};

/*
 * Decode the n bytes at s: "%XX" is that byte and, when plus is true (query strings), '+' a
 * space. Returns a NUL-terminated copy (the caller frees it), or NULL when a '%' is not
 * followed by two hex digits or the result would hold a NUL byte.
 */
char *query_decode(const char *s, size_t n, bool plus) MUST_CHECK;

/*
 * Parse a query string (without the '?') into q: pieces separated by '&', each "key=value"
 * or "key" (value ""), both decoded; empty pieces are skipped. Returns 0, or -1 when a piece
 * does not decode (q is left empty); then *bad, when bad is not NULL, is that piece's key as
 * received (up to '=' or '&', at most 64 bytes; the caller frees it).
 */
int query_parse(const char *text, struct query *q, char **bad) MUST_CHECK;

/* The value of the first parameter named key, or NULL. */
const char *query_get(const struct query *q, const char *key);

/* Free what query_parse allocated; q is empty afterwards. */
void query_clear(struct query *q);

#endif
