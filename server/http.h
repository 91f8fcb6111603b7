/*
 * The request context and everything that answers a request: JSON, problem+json (RFC 9457),
 * headers, and the checks made before a handler runs (route, method, body, token).
 *
 * Ownership: the context lives from the moment evhttp hands over a request until one of the
 * http_reply_* / http_problem* functions answers it; those free it. A handler that answers
 * must not touch r afterwards. Every path through a handler answers exactly once.
 */
#ifndef PNET_HTTP_H
#define PNET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "db.h"
#include "params.h"
#include "query.h"
#include "router.h"
#include "util.h"

struct evhttp_request;
struct worker;

/* Who is calling, from the token (auth.c). */
struct auth {
	char account_id[37];
	char token_id[37];
	char login[65];
	unsigned role;     /* one ROLE_* bit */
	char node_id[37];  /* "" when the account has no node */
	char *network_ids; /* PostgreSQL array text "{...}" of coordinated networks */
	bool integration;  /* an integration token: limited to its scopes */
	char *scopes;      /* PostgreSQL array text of the token's scopes */
	/* An admin set the account's password: the session may only change it (auth.c). */
	bool must_change_password;
};

struct req {
	struct evhttp_request *evreq;
	struct worker *worker;
	struct route_match match;
	char id[65]; /* request id: X-Request-Id when sane, else generated */
	char client_addr[64];
	const char *method;
	char *path;
	struct query query;
	char *body; /* NUL-terminated copy, NULL when empty */
	size_t body_len;
	json_t *json; /* the parsed body of ROUTE_BODY routes */
	struct auth auth;
	/* The token check under way: the token's hash and the cache generation it was sent at. */
	char token_hash[65];
	uint64_t token_gen;
	uint64_t started_ms;
	int status;
	/* Handler state kept across database callbacks; ctx_free releases it with r. */
	void *ctx;
	void (*ctx_free)(void *ctx);
	void *stream_gone;    /* set while answering with http_stream_start */
	bool handler_running; /* the route's handler has been called (authentication is done) */
	size_t charged; /* bytes counted among unauthenticated ones until authenticated (conn.h) */
};

/* Serve requests of one worker: install the dispatcher on its evhttp. */
void http_setup(struct worker *w);

/* A path parameter by name (already decoded and validated by the router), or NULL. */
const char *req_param(const struct req *r, const char *name);

/* A query parameter by name, or NULL. */
const char *req_query(const struct req *r, const char *name);

/*
 * Refuse query parameters not in allowed (NULL-terminated): answers 400 naming them and
 * returns false. Returns true when all are known.
 */
MUST_CHECK bool req_check_query(struct req *r, const char *const *allowed);

/*
 * The If-Match version: 0 when absent, 1 with *version set, or -1 after answering 400 for a
 * malformed header.
 */
MUST_CHECK int req_if_match(struct req *r, long *version);

/*
 * The same as the text a statement takes: 1 with the version in out, 0 when absent (out is
 * empty), or -1 after answering 400. Pass out as the parameter when the result is 1, else NULL.
 */
MUST_CHECK int req_if_match_text(struct req *r, char out[24]);

/*
 * Add the actor every audited write takes first ("actor" in a statement's params: account
 * id, node id, request id, client address).
 */
void req_actor(const struct req *r, struct params *p);

/*
 * Add what a registry write checks the caller's reach by ("admin": whether an admin,
 * "networks": the networks it coordinates, as a text array), last in the statement's params.
 */
void req_coordinator_scope(const struct req *r, struct params *p);

/* Run a prepared statement with p (spent) for this request; cb gets r as its argument. */
void req_run(struct req *r, const struct db_stmt *stmt, struct params *p, db_callback cb);

/* Add a response header (before answering). */
void http_header(struct req *r, const char *name, const char *value);

/* Answer JSON (body stolen; NULL answers with no body, for 204). */
void http_reply_json(struct req *r, int status, json_t *body);

/* Answer JSON with ETag "version" (body stolen). */
void http_reply_json_etag(struct req *r, int status, json_t *body, long version);

/* Answer JSON text as it came from the database (a row's json column), with an ETag if version > 0.
 */
void http_reply_json_text(struct req *r, int status, const char *json, long version);

/* Answer bytes with a content type (metrics, files, CSV). */
void http_reply_raw(struct req *r, int status, const char *content_type, const void *data,
                    size_t len);

/* The same for bytes of malloc's that the reply takes over: they are written from where they
 * are (a page is tens of kilobytes, not copied once more) and freed once sent. */
void http_reply_taken(struct req *r, int status, const char *content_type, char *data, size_t len);

/*
 * Answer problem+json. slug names the problem type (the "type" URI ends in it), title is
 * the short fixed summary, detail the sentence for this occurrence.
 */
void http_problem(struct req *r, int status, const char *slug, const char *title,
                  const char *detail_fmt, ...) PRINTF_LIKE(5, 6);

/* The same with an "errors" array of {"field","message"} (stolen). */
void http_problem_errors(struct req *r, int status, const char *slug, const char *title,
                         const char *detail, json_t *errors);

/* 422 naming fields: errors is the array (stolen) json_check_object filled. */
void http_invalid(struct req *r, json_t *errors);

/* 404 for an object the caller may not see or that does not exist: the two are the same. */
void http_not_found(struct req *r);

/* 403 with a reason. */
void http_forbidden(struct req *r, const char *detail);

/* Answer a failed database call: 503 when unavailable, else mapped by dberror.c. */
void http_db_failed(struct req *r, const struct db_result *res);

/*
 * Streamed answers (Server-Sent Events): http_stream_start sends 200 and the headers with a
 * chunked body and keeps r in flight; http_stream_write sends a piece; http_stream_end ends
 * it and frees r like any answer. on_gone runs (once, from the connection's teardown) when
 * the client goes away first; the owner must then call http_stream_end(r, false) soon,
 * outside that callback. abort closes the connection at once instead of ending the body
 * (a client that does not read).
 */
void http_stream_start(struct req *r, const char *content_type, void (*on_gone)(void *arg),
                       void *arg);
void http_stream_write(struct req *r, const void *data, size_t len);
/* Bytes queued for the client and not yet written (0 once it is gone). */
size_t http_stream_pending(const struct req *r);
void http_stream_end(struct req *r, bool abort);

/* Continue a request after authentication: the route's handler runs. */
void http_run_handler(struct req *r);

/* 503 shutting-down with Retry-After: this instance is stopping, another one can answer. */
void http_shutting_down(struct req *r);

#endif
