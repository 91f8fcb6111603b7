/*
 * Method + path pattern -> handler. Patterns are literal segments and {name} parameters
 * ("/v1/accounts/{id}/tokens"); a parameter named id or ending in _id must be a UUID, so
 * that a malformed id is the same 404 as an unknown one. Parameters are percent-decoded
 * strictly (query.h): one that does not decode, or decodes to a NUL byte, matches nothing. The
 * table is built once at start and read by every worker.
 */
#ifndef PNET_ROUTER_H
#define PNET_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

struct req;

#define ROUTE_MAX_PARAMS   4
#define ROUTE_MAX_SEGMENTS 8

typedef void (*route_handler)(struct req *r);

enum route_flag {
	ROUTE_PUBLIC = 1u << 0, /* no token needed */
	ROUTE_BODY =
	        1u << 1,     /* takes a JSON object body (415/400/413 checked before the handler) */
	ROUTE_RAW = 1u << 2, /* answers something other than JSON (metrics, files) */
	/*
	 * The token may also come as ?access_token= (EventSource cannot send headers). Only for
	 * streams; the request log holds the path without the query, so it is never logged.
	 */
	ROUTE_QUERY_TOKEN = 1u << 3,
	/*
	 * Only reads, and may read a moment behind the primary: its statements go to the
	 * --database-read standby when one is configured and up (the token check does not).
	 */
	ROUTE_READ_REPLICA = 1u << 4,
};

enum role_bit {
	ROLE_ADMIN = 1u << 0,
	ROLE_COORDINATOR = 1u << 1,
	ROLE_CASEWORKER = 1u << 2,
	ROLE_AUDITOR = 1u << 3,
	ROLE_ANY = ROLE_ADMIN | ROLE_COORDINATOR | ROLE_CASEWORKER | ROLE_AUDITOR,
};

struct route {
	const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *pattern;
	route_handler handler;
	unsigned flags;
	unsigned roles;    /* who may call it at all (403 for others); 0 means ROLE_ANY */
	const char *scope; /* what an integration token needs, e.g. "referrals:write" */
};

struct route_match {
	const struct route *route;
	size_t index; /* position in the router's table, for metrics */
	const char *names[ROUTE_MAX_PARAMS];
	char *values[ROUTE_MAX_PARAMS]; /* decoded; owned by the match */
	size_t nparams;
};

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

/* Add routes[0..n) (kept, not copied). Call before workers start. Aborts on a bad pattern. */
void router_add(const struct route *routes, size_t n);

/*
 * Find the route for method and path (the path without query, percent-encoded as received).
 * On ROUTER_METHOD_NOT_ALLOWED, allow receives "GET, POST" style text.
 */
enum router_result router_match(const char *method, const char *path, struct route_match *m,
                                char *allow, size_t allowlen);

/* Release the decoded parameter values of m. */
void router_match_clear(struct route_match *m);

/* Number of routes, and route i (for metrics and the OpenAPI test). */
size_t router_count(void);
const struct route *router_get(size_t i);

/* Free the table. */
void router_reset(void);

#endif
