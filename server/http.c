#include "http.h"

#include <arpa/inet.h>
#include <sys/queue.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "auth.h"
#include "config.h"
#include "conn.h"
#include "crypto.h"
#include "dberror.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "reqhead.h"
#include "static.h"
#include "tls.h"
#include "worker.h"

#define PROBLEM_BASE "/problems/"

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	}
	return "OTHER";
}

static void req_free(struct req *r)
{
	if (r->ctx_free)
		r->ctx_free(r->ctx);
	router_match_clear(&r->match);
	query_clear(&r->query);
	json_decref(r->json);
	free(r->auth.network_ids);
	free(r->auth.scopes);
	free(r->body);
	free(r->path);
	free(r);
}

/* Log the request, count it, free it, and let a draining worker go when it was the last. */
static void req_finish(struct req *r)
{
	uint64_t ms = util_now_ms() - r->started_ms;
	struct worker *w = r->worker;
	const char *pattern = r->match.route ? r->match.route->pattern : NULL;

	conn_release(r->charged);
	metrics_request(r->match.route ? (long)r->match.index : -1, r->method, r->status, ms);
	log_write(LOG_INFO, r->id, "request",
	          json_pack("{s:s, s:s, s:s?, s:i, s:I, s:s, s:i}", "method", r->method, "path",
	                    r->path ? r->path : "", "route", pattern, "status", r->status, "ms",
	                    (json_int_t)ms, "client", r->client_addr, "worker", w->index));
	req_free(r);
	worker_request_done(w);
}

static void common_headers(struct req *r, const char *content_type)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->evreq);

	evhttp_add_header(out, "X-Request-Id", r->id);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (content_type)
		evhttp_add_header(out, "Content-Type", content_type);
	if (!evhttp_find_header(out, "Cache-Control"))
		evhttp_add_header(out, "Cache-Control", "no-store");
	if (tls_enabled() && cfg.hsts_max_age_s > 0) {
		char hsts[40];

		snprintf(hsts, sizeof(hsts), "max-age=%ld", cfg.hsts_max_age_s);
		evhttp_add_header(out, "Strict-Transport-Security", hsts);
	}
	if (r->worker->draining && !evhttp_find_header(out, "Connection"))
		evhttp_add_header(out, "Connection", "close");
}

static void send_evbuffer(struct req *r, int status, const char *content_type, struct evbuffer *buf)
{
	r->status = status;
	common_headers(r, evbuffer_get_length(buf) || status != 204 ? content_type : NULL);
	evhttp_send_reply(r->evreq, status, NULL, buf);
	evbuffer_free(buf);
	req_finish(r);
}

static void send_buffer(struct req *r, int status, const char *content_type, const void *data,
                        size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	if (len)
		evbuffer_add(buf, data, len);
	send_evbuffer(r, status, content_type, buf);
}

/* libevent hands the bytes back as const; they are the reply's own. */
static void free_sent(const void *data, size_t len, void *unused)
{
	(void)len;
	(void)unused;
	free((void *)(uintptr_t)data);
}

void http_reply_taken(struct req *r, int status, const char *content_type, char *data, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	if (data && len)
		evbuffer_add_reference(buf, data, len, free_sent, NULL);
	else
		free(data);
	send_evbuffer(r, status, content_type, buf);
}

void http_header(struct req *r, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->evreq), name, value);
}

void http_reply_raw(struct req *r, int status, const char *content_type, const void *data,
                    size_t len)
{
	send_buffer(r, status, content_type, data, len);
}

static void reply_json_as(struct req *r, int status, json_t *body, const char *content_type)
{
	char *text;

	if (!body) {
		send_buffer(r, status, NULL, NULL, 0);
		return;
	}
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(body);
	http_reply_taken(r, status, content_type, text, text ? strlen(text) : 0);
}

void http_reply_json(struct req *r, int status, json_t *body)
{
	reply_json_as(r, status, body, "application/json");
}

static void set_etag(struct req *r, long version)
{
	char etag[32];

	snprintf(etag, sizeof(etag), "\"%ld\"", version);
	http_header(r, "ETag", etag);
}

void http_reply_json_etag(struct req *r, int status, json_t *body, long version)
{
	set_etag(r, version);
	http_reply_json(r, status, body);
}

void http_reply_json_text(struct req *r, int status, const char *json, long version)
{
	if (version > 0)
		set_etag(r, version);
	send_buffer(r, status, "application/json", json, strlen(json));
}

void http_problem_errors(struct req *r, int status, const char *slug, const char *title,
                         const char *detail, json_t *errors)
{
	char type[128];
	json_t *body;

	snprintf(type, sizeof(type), PROBLEM_BASE "%s", slug);
	body = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", title, "status",
	                 status, "detail", detail, "instance", r->path ? r->path : "/");
	json_object_set_new(body, "request_id", json_string(r->id));
	if (errors)
		json_object_set_new(body, "errors", errors);
	if (status == 401)
		http_header(r, "WWW-Authenticate", "Bearer realm=\"pnet\"");
	reply_json_as(r, status, body, "application/problem+json");
}

void http_problem(struct req *r, int status, const char *slug, const char *title,
                  const char *detail_fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	http_problem_errors(r, status, slug, title, detail, NULL);
}

void http_invalid(struct req *r, json_t *errors)
{
	http_problem_errors(r, 422, "validation", "The request breaks a rule",
	                    "Some fields are not acceptable; see errors.", errors);
}

void http_not_found(struct req *r)
{
	http_problem(r, 404, "not-found", "Not found",
	             "There is no such object, or it is not visible to you.");
}

void http_forbidden(struct req *r, const char *detail)
{
	http_problem(r, 403, "forbidden", "Forbidden", "%s", detail);
}

void http_db_failed(struct req *r, const struct db_result *res)
{
	dberror_answer(r, res);
}

const char *req_param(const struct req *r, const char *name)
{
	for (size_t i = 0; i < r->match.nparams; i++)
		if (!strcmp(r->match.names[i], name))
			return r->match.values[i];
	return NULL;
}

const char *req_query(const struct req *r, const char *name)
{
	return query_get(&r->query, name);
}

bool req_check_query(struct req *r, const char *const *allowed)
{
	json_t *errors = json_array();

	for (size_t i = 0; i < r->query.n; i++) {
		const char *key = r->query.items[i].key;
		bool known = false;
		for (const char *const *a = allowed; *a; a++)
			known = known || !strcmp(*a, key);
		if (!known)
			json_add_error(errors, key, JSON_CODE_UNKNOWN_FIELD,
			               "unknown query parameter");
	}
	if (json_array_size(errors)) {
		http_problem_errors(r, 400, "bad-query", "Bad query parameter",
		                    "The query has parameters this endpoint does not know.",
		                    errors);
		return false;
	}
	json_decref(errors);
	return true;
}

int req_if_match(struct req *r, long *version)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "If-Match");
	char digits[24];
	size_t n;

	if (!h)
		return 0;
	if (!strncmp(h, "W/", 2))
		h += 2;
	n = strlen(h);
	if (n >= 3 && n < sizeof(digits) + 2 && h[0] == '"' && h[n - 1] == '"') {
		memcpy(digits, h + 1, n - 2);
		digits[n - 2] = '\0';
		if (util_parse_long(digits, 1, 2147483647L, version) == 0)
			return 1;
	}
	http_problem(r, 400, "bad-if-match", "Malformed If-Match",
	             "If-Match must be the ETag of the resource, such as \"3\".");
	return -1;
}

int req_if_match_text(struct req *r, char out[24])
{
	long version = 0;
	int rc = req_if_match(r, &version);

	out[0] = '\0';
	if (rc > 0)
		snprintf(out, 24, "%ld", version);
	return rc;
}

void req_actor(const struct req *r, struct params *p)
{
	params_text(p, "actor_account", r->auth.account_id[0] ? r->auth.account_id : NULL);
	params_text(p, "actor_node", r->auth.node_id[0] ? r->auth.node_id : NULL);
	params_text(p, "request_id", r->id);
	params_text(p, "client_addr", r->client_addr);
}

void req_coordinator_scope(const struct req *r, struct params *p)
{
	params_bool(p, "admin", r->auth.role == ROLE_ADMIN);
	params_text(p, "networks",
	            r->auth.role == ROLE_COORDINATOR && r->auth.network_ids ? r->auth.network_ids
	                                                                    : "{}");
}

void req_run(struct req *r, const struct db_stmt *stmt, struct params *p, db_callback cb)
{
	struct db_pool *pool = r->worker->db;

	/* After the token check, a read-replica route reads from the standby while it is up;
	   when it is away, the primary answers instead of a 503. */
	if (r->handler_running && r->worker->db_read &&
	    (r->match.route->flags & ROUTE_READ_REPLICA) && db_pool_available(r->worker->db_read))
		pool = r->worker->db_read;
	/* A read's backend works rather than waits: it goes to the first connection that frees
	   up. A write's waits for its commit's flush: it may be sent ahead (db.h). A HEAD is a
	   GET's read without the body. */
	enum evhttp_cmd_type method = evhttp_request_get_command(r->evreq);
	bool read = method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD;

	db_query_sent(pool, stmt, p, read ? DB_SEND_WHEN_FREE : DB_SEND_AHEAD, cb, r);
}

/* An incoming X-Request-Id is kept when it is short and plain; else we make one. */
static void set_request_id(struct req *r)
{
	const char *h =
	        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "X-Request-Id");
	size_t n = h ? strlen(h) : 0;
	bool sane = n >= 1 && n < sizeof(r->id);
	uint8_t raw[12];

	for (size_t i = 0; sane && i < n; i++)
		sane = isalnum((unsigned char)h[i]) || strchr("-_.:", h[i]);
	if (sane) {
		memcpy(r->id, h, n + 1);
		return;
	}
	crypto_random_bytes(raw, sizeof(raw));
	crypto_base64url(raw, sizeof(raw), r->id);
}

static void set_client_addr(struct req *r)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);
	const char *fwd;
	char *host = NULL;
	ev_uint16_t port = 0;

	if (cfg.trust_proxy && (fwd = evhttp_find_header(evhttp_request_get_input_headers(r->evreq),
	                                                 "X-Forwarded-For"))) {
		/* The last hop is the one our own proxy added. */
		const char *last = strrchr(fwd, ',');
		last = last ? last + 1 : fwd;
		while (*last == ' ')
			last++;
		snprintf(r->client_addr, sizeof(r->client_addr), "%s", last);
		return;
	}
	if (evcon)
		evhttp_connection_get_peer(evcon, &host, &port);
	snprintf(r->client_addr, sizeof(r->client_addr), "%s", host ? host : "unknown");
}

static bool content_type_is_json(const char *ct)
{
	size_t n;

	if (!ct)
		return false;
	n = strcspn(ct, ";");
	while (n && ct[n - 1] == ' ')
		n--;
	if (!(n == 16 && !strncasecmp(ct, "application/json", 16)))
		return false;
	/* Only UTF-8 is JSON (RFC 8259): a charset, if given, must say so. */
	const char *cs = strcasestr(ct, "charset=");
	return !cs || !strncasecmp(cs + 8, "utf-8", 5) || !strncasecmp(cs + 8, "\"utf-8\"", 7);
}

/* Read and check the body before the handler: 413, 415, 400. Returns false after answering. */
static bool take_body(struct req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->evreq);
	size_t len = evbuffer_get_length(in);
	bool wants = r->match.route->flags & ROUTE_BODY;
	const char *ct =
	        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "Content-Type");
	char err[256];

	if (len > (size_t)cfg.max_body_bytes) {
		http_problem(r, 413, "body-too-large", "Request body too large",
		             "The body has %zu bytes; at most %ld are accepted.", len,
		             cfg.max_body_bytes);
		return false;
	}
	if (len) {
		r->body = xmalloc(len + 1);
		evbuffer_remove(in, r->body, len);
		r->body[len] = '\0';
		r->body_len = len;
	}
	if (!wants) {
		/* Bodiless endpoints accept nothing or an empty object. */
		if (!len)
			return true;
		if (!content_type_is_json(ct)) {
			http_problem(r, 415, "unsupported-media-type", "Unsupported media type",
			             "Send application/json (UTF-8), or no body at all.");
			return false;
		}
		r->json = json_parse_object(r->body, len, err, sizeof(err));
		if (!r->json) {
			http_problem(r, 400, "malformed-json", "Malformed JSON", "%s", err);
			return false;
		}
		if (json_object_size(r->json)) {
			json_t *errors = json_array();
			const char *key;
			json_t *v;
			json_object_foreach(r->json, key, v)
				json_add_error(errors, key, JSON_CODE_UNKNOWN_FIELD,
				               "unknown field");
			http_problem_errors(r, 400, "unknown-field", "Unknown field",
			                    "This endpoint takes no fields.", errors);
			return false;
		}
		return true;
	}
	if (!content_type_is_json(ct)) {
		http_problem(r, 415, "unsupported-media-type", "Unsupported media type",
		             "The body must be application/json (UTF-8).");
		return false;
	}
	if (!len) {
		http_problem(r, 400, "malformed-json", "Malformed JSON",
		             "The body is empty; a JSON object is expected.");
		return false;
	}
	r->json = json_parse_object(r->body, len, err, sizeof(err));
	if (!r->json) {
		http_problem(r, 400, "malformed-json", "Malformed JSON", "%s", err);
		return false;
	}
	return true;
}

struct stream_gone {
	void (*cb)(void *arg);
	void *arg;
};

static void on_stream_close(void *arg)
{
	struct req *r = arg;
	struct stream_gone *g = r->stream_gone;

	/* evhttp has detached the request from the connection: it is ours to end. */
	g->cb(g->arg);
}

void http_stream_start(struct req *r, const char *content_type, void (*on_gone)(void *arg),
                       void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);
	struct stream_gone *g = xcalloc(1, sizeof(*g));

	g->cb = on_gone;
	g->arg = arg;
	r->stream_gone = g;
	r->status = 200;
	common_headers(r, content_type);
	evhttp_send_reply_start(r->evreq, 200, NULL);
	if (evcon)
		conn_on_gone(r->worker->conns, evcon, on_stream_close, r);
}

void http_stream_write(struct req *r, const void *data, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evbuffer_add(buf, data, len);
	evhttp_send_reply_chunk(r->evreq, buf);
	evbuffer_free(buf);
}

size_t http_stream_pending(const struct req *r)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;

	return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

void http_stream_end(struct req *r, bool abort)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);

	if (evcon)
		conn_on_gone(r->worker->conns, evcon, NULL, NULL);
	if (evcon && abort)
		evhttp_connection_free(evcon); /* frees r->evreq too */
	else
		evhttp_send_reply_end(r->evreq); /* frees a detached request */
	free(r->stream_gone);
	r->stream_gone = NULL;
	req_finish(r);
}

void http_shutting_down(struct req *r)
{
	http_header(r, "Retry-After", "1");
	http_problem(r, 503, "shutting-down", "Service restarting",
	             "This server is shutting down; retry in a moment.");
}

void http_run_handler(struct req *r)
{
	r->handler_running = true;
	/* Authenticated: no longer counted among the unauthenticated bytes. */
	if (!(r->match.route->flags & ROUTE_PUBLIC)) {
		conn_release(r->charged);
		r->charged = 0;
	}
	r->match.route->handler(r);
}

/*
 * What the request's head showed before evhttp parsed it (conn.c): a head evhttp would read
 * differently from other servers, or a body refused by its Content-Length. Answers and
 * returns false, or returns true.
 */
static bool head_acceptable(struct req *r, const struct conn_request *head)
{
	if (head->flags & (REQHEAD_CONTROL | REQHEAD_MALFORMED)) {
		http_header(r, "Connection", "close");
		http_problem(r, 400, "bad-header", "Malformed request head",
		             "A header or the request line holds a NUL or another control byte, or "
		             "a header line is malformed (folded, without a colon, or with "
		             "whitespace in its name).");
		return false;
	}
	if ((head->flags & REQHEAD_BAD_LENGTH) ||
	    ((head->flags & REQHEAD_LENGTH) && (head->flags & REQHEAD_TRANSFER_ENCODING))) {
		http_header(r, "Connection", "close");
		http_problem(
		        r, 400, "bad-header", "Malformed request head",
		        "Content-Length must be one whole number, and not be sent together with "
		        "Transfer-Encoding.");
		return false;
	}
	/* Its body (chunked, say) was not read: the connection cannot be read any further. */
	if (head->flags & REQHEAD_TRANSFER_ENCODING) {
		http_header(r, "Connection", "close");
		http_problem(
		        r, 411, "length-required", "Content-Length required",
		        "Send a body with Content-Length; pnet does not take Transfer-Encoding.");
		return false;
	}
	if (head->too_large) {
		if (!head->keep_alive)
			http_header(r, "Connection", "close");
		http_problem(r, 413, "body-too-large", "Request body too large",
		             "The body has %llu bytes; at most %ld are accepted.",
		             (unsigned long long)head->length, cfg.max_body_bytes);
		return false;
	}
	return true;
}

/*
 * Once an answer is written, end its connection: evhttp keeps the connection of a CONNECT
 * open whatever the answer says (it would be a tunnel). It then reads the end of the stream
 * and closes the connection itself.
 */
static void close_when_sent(struct evhttp_request *evreq, void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(evreq);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;

	if (bev)
		shutdown(bufferevent_getfd(bev), SHUT_RDWR);
}

static void on_request(struct evhttp_request *evreq, void *arg)
{
	struct worker *w = arg;
	struct req *r = xcalloc(1, sizeof(*r));
	struct conn_request head;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(evreq);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	const char *method;
	char allow[128], *bad = NULL;

	r->evreq = evreq;
	r->worker = w;
	r->started_ms = util_now_ms();
	w->inflight++;
	r->method = method_name(evhttp_request_get_command(evreq));
	r->path = xstrdup(path && *path ? path : "/");
	set_request_id(r);
	set_client_addr(r);
	conn_request(w->conns, evhttp_request_get_connection(evreq), &head);
	r->charged = head.charged;

	if (w->draining) {
		http_shutting_down(r);
		return;
	}
	if (!head_acceptable(r, &head))
		return;
	/* A method pnet does not know, or CONNECT (pnet is no proxy): 501, and the connection
	   closes at once, since whatever follows on it is not a request pnet could read. */
	if (!strcmp(r->method, "OTHER") || !strcmp(r->method, "CONNECT")) {
		http_header(r, "Connection", "close");
		evhttp_request_set_on_complete_cb(evreq, close_when_sent, NULL);
		http_problem(r, 501, "not-implemented", "Method not implemented",
		             "pnet does not implement this method.");
		return;
	}
	if (query && query_parse(query, &r->query, &bad) < 0) {
		json_t *errors = json_array();
		bool plain = bad && *bad;

		/* The parameter's name as received, unless that is not plain text either. */
		for (const char *c = bad; plain && *c; c++)
			plain = *c > 0x20 && *c < 0x7f;
		json_add_error(errors, plain ? bad : "query", JSON_CODE_ENCODING,
		               "not valid percent-encoding (or an encoded NUL byte)");
		free(bad);
		http_problem_errors(r, 400, "bad-query", "Bad query string",
		                    "The query string is not valid percent-encoding.", errors);
		return;
	}
	method = !strcmp(r->method, "HEAD") ? "GET" : r->method;
	switch (router_match(method, r->path, &r->match, allow, sizeof(allow))) {
	case ROUTER_FOUND:
		break;
	case ROUTER_METHOD_NOT_ALLOWED:
		http_header(r, "Allow", allow);
		http_problem(r, 405, "method-not-allowed", "Method not allowed",
		             "%s is not allowed here; allowed: %s.", r->method, allow);
		return;
	case ROUTER_NOT_FOUND:
		if (static_serve(r))
			return; /* the web app's files and pages */
		http_problem(r, 404, "not-found", "Not found", "There is nothing at %s.", r->path);
		return;
	}
	if (!take_body(r))
		return;
	if (r->match.route->flags & ROUTE_PUBLIC) {
		http_run_handler(r);
		return;
	}
	auth_begin(r);
}

void http_setup(struct worker *w)
{
	/* Every method, those evhttp does not know too (they reach on_request as one unknown
	   command), so that each is answered with problem+json rather than evhttp's HTML. */
	evhttp_set_allowed_methods(w->http, 0xffff);
	/*
	 * A backstop only: conn.c answers a Content-Length above the limit before evhttp reads a
	 * body, and refuses Transfer-Encoding, so evhttp's own plain 413 is not reached.
	 */
	evhttp_set_max_body_size(w->http, (ev_ssize_t)cfg.max_body_bytes);
	evhttp_set_max_headers_size(w->http, 64 * 1024);
	evhttp_set_timeout(w->http, (int)cfg.request_timeout_s);
	evhttp_set_gencb(w->http, on_request, w);
}
