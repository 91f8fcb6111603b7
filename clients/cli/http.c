#include "http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "pnet_config.h"

#if PNET_HAVE_TLS
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

bool http_target_parse(const char *url, struct http_target *t, char *err, size_t errlen)
{
	const char *p, *host, *host_end, *rest;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (!strncmp(url, "https://", 8)) {
		t->tls = true;
		t->port = 443;
		p = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		t->port = 80;
		p = url + 7;
	} else {
		snprintf(err, errlen, "the server URL must start with http:// or https://");
		return false;
	}
#if !PNET_HAVE_TLS
	if (t->tls) {
		snprintf(err, errlen, "this pnet was built without TLS");
		return false;
	}
#endif
	if (*p == '[') {
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end) {
			snprintf(err, errlen, "unbalanced [ in the server URL");
			return false;
		}
		rest = host_end + 1;
	} else {
		host = p;
		host_end = host + strcspn(host, ":/?#");
		rest = host_end;
	}
	n = (size_t)(host_end - host);
	if (n == 0 || n >= sizeof(t->host) || memchr(host, '@', n)) {
		snprintf(err, errlen, "the server URL has no usable host");
		return false;
	}
	memcpy(t->host, host, n);
	if (*rest == ':') {
		char *end;
		long port = strtol(rest + 1, &end, 10);
		if (end == rest + 1 || port < 1 || port > 65535) {
			snprintf(err, errlen, "the server URL has a bad port");
			return false;
		}
		t->port = (int)port;
		rest = end;
	}
	if (*rest && *rest != '/') {
		snprintf(err, errlen, "the server URL must not carry a query or fragment");
		return false;
	}
	n = strcspn(rest, "?#");
	if (rest[n]) {
		snprintf(err, errlen, "the server URL must not carry a query or fragment");
		return false;
	}
	while (n > 0 && rest[n - 1] == '/')
		n--;
	if (n >= sizeof(t->prefix)) {
		snprintf(err, errlen, "the server URL's path is too long");
		return false;
	}
	memcpy(t->prefix, rest, n);
	return true;
}

void http_response_clear(struct http_response *resp)
{
	free(resp->body);
	free(resp->content_type);
	free(resp->etag);
	memset(resp, 0, sizeof(*resp));
}

/* What one request's callbacks leave for http_send. */
struct exchange {
	struct event_base *base;
	struct bufferevent *bev;
	struct http_response *resp;
	bool done;
	bool answered;
	enum evhttp_request_error error;
	bool have_error;
	time_t started;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void on_error(enum evhttp_request_error error, void *arg)
{
	struct exchange *x = arg;

	x->error = error;
	x->have_error = true;
}

/* Runs once per request: copies what the caller needs, since libevent frees req after. */
static void on_done(struct evhttp_request *req, void *arg)
{
	struct exchange *x = arg;

	x->done = true;
	event_base_loopbreak(x->base);
	if (!req || evhttp_request_get_response_code(req) == 0)
		return;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq *headers = evhttp_request_get_input_headers(req);
	size_t len = evbuffer_get_length(in);

	x->resp->status = evhttp_request_get_response_code(req);
	x->resp->body = malloc(len + 1);
	if (!x->resp->body)
		abort();
	evbuffer_remove(in, x->resp->body, len);
	x->resp->body[len] = '\0';
	x->resp->len = len;
	x->resp->content_type = dup_or_null(evhttp_find_header(headers, "Content-Type"));
	x->resp->etag = dup_or_null(evhttp_find_header(headers, "ETag"));
	x->answered = true;
}

static int method_of(const char *method, enum evhttp_cmd_type *cmd)
{
	static const struct {
		const char *name;
		enum evhttp_cmd_type cmd;
	} methods[] = {
	        {"GET", EVHTTP_REQ_GET},     {"POST", EVHTTP_REQ_POST},     {"PUT", EVHTTP_REQ_PUT},
	        {"PATCH", EVHTTP_REQ_PATCH}, {"DELETE", EVHTTP_REQ_DELETE},
	};
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(methods[i].name, method)) {
			*cmd = methods[i].cmd;
			return 0;
		}
	return -1;
}

#if PNET_HAVE_TLS
/* A client context that verifies the peer against cacert (or the system store). */
static SSL_CTX *tls_context(const struct http_options *o, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx) {
		snprintf(err, errlen, "TLS: cannot create a context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (o->cacert ? SSL_CTX_load_verify_locations(ctx, o->cacert, NULL) != 1
	              : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, errlen, "TLS: cannot load the CA certificates%s%s",
		         o->cacert ? " from " : "", o->cacert ? o->cacert : "");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A connection object that checks the certificate names host (a DNS name or an IP). */
static SSL *tls_session(SSL_CTX *ctx, const char *host)
{
	unsigned char addr[16];
	SSL *ssl = SSL_new(ctx);
	bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

	if (!ssl)
		return NULL;
	if (is_ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) {
			SSL_free(ssl);
			return NULL;
		}
	} else {
		/* SSL_set_tlsext_host_name casts its argument to void *: hand it a copy that is not
		   const (clang's -Wcast-qual). */
		char name[256];

		if (snprintf(name, sizeof(name), "%s", host) >= (int)sizeof(name) ||
		    SSL_set_tlsext_host_name(ssl, name) != 1 || SSL_set1_host(ssl, host) != 1) {
			SSL_free(ssl);
			return NULL;
		}
	}
	return ssl;
}
#endif

/*
 * libevent loses the reason a connection failed (its reset clobbers errno), so ask again
 * with a plain connect: 0 when the server accepts connections, else the errno.
 */
static int probe(const struct http_target *t, long timeout)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;
	struct timeval tv = {.tv_sec = timeout};
	char port[8];
	int last = EHOSTUNREACH;

	snprintf(port, sizeof(port), "%d", t->port);
	if (getaddrinfo(t->host, port, &hints, &res) != 0)
		return EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			close(fd);
			last = 0;
			break;
		}
		last = errno == EINPROGRESS || errno == EAGAIN ? ETIMEDOUT : errno;
		close(fd);
	}
	freeaddrinfo(res);
	return last;
}

/* Describe why no answer came, as precisely as libevent and OpenSSL let us know. */
static void describe_failure(const struct exchange *x, const struct http_target *t, long timeout,
                             char *err, size_t errlen)
{
	int e;
#if PNET_HAVE_TLS
	if (t->tls && x->bev) {
		unsigned long ssl_error = bufferevent_get_openssl_error(x->bev);
		/* Library 0 is not OpenSSL's own: a socket error seen during the handshake. */
		if (ssl_error && ERR_GET_LIB(ssl_error) != 0) {
			const char *reason = ERR_reason_error_string(ssl_error);
			char buf[256];
			ERR_error_string_n(ssl_error, buf, sizeof(buf));
			snprintf(err, errlen, "TLS handshake failed: %s", reason ? reason : buf);
			return;
		}
	}
#endif
	if ((x->have_error && x->error == EVREQ_HTTP_TIMEOUT) ||
	    time(NULL) - x->started >= timeout) {
		snprintf(err, errlen, "timed out after %ld s", timeout);
		return;
	}
	e = probe(t, timeout);
	if (e)
		snprintf(err, errlen, "%s", strerror(e));
	else if (t->tls)
		snprintf(err, errlen,
		         "the TLS handshake failed or the server closed the connection");
	else
		snprintf(err, errlen, "the server closed the connection without an answer");
}

/* Resolve the host first, so that an unknown name is reported as such. */
static bool resolvable(const struct http_target *t, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(t->host, NULL, &hints, &res);

	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", t->host, gai_strerror(rc));
		return false;
	}
	freeaddrinfo(res);
	return true;
}

int http_send(const struct http_target *t, const struct http_options *o, const char *method,
              const char *path, const char *token, const char *body, const char *if_match,
              struct http_response *resp, char *err, size_t errlen)
{
	struct exchange x = {.resp = resp, .started = time(NULL)};
	struct evhttp_connection *conn = NULL;
	struct evhttp_request *req;
	struct evkeyvalq *out;
	enum evhttp_cmd_type cmd;
	char hostport[300], *auth = NULL;
	int rc = -1;
#if PNET_HAVE_TLS
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
#endif

	memset(resp, 0, sizeof(*resp));
	if (method_of(method, &cmd) < 0) {
		snprintf(err, errlen, "unknown method %s", method);
		return -1;
	}
	if (!resolvable(t, err, errlen))
		return -1;
	x.base = event_base_new();
	if (!x.base) {
		snprintf(err, errlen, "cannot create an event loop");
		return -1;
	}
	if (t->tls) {
#if PNET_HAVE_TLS
		ctx = tls_context(o, err, errlen);
		if (!ctx)
			goto out;
		ssl = tls_session(ctx, t->host);
		if (!ssl) {
			snprintf(err, errlen, "TLS: cannot set up the session for %s", t->host);
			goto out;
		}
		x.bev = bufferevent_openssl_socket_new(x.base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
		                                       BEV_OPT_CLOSE_ON_FREE |
		                                               BEV_OPT_DEFER_CALLBACKS);
		if (x.bev)
			bufferevent_openssl_set_allow_dirty_shutdown(x.bev, 1);
		else
			SSL_free(ssl);
		ssl = NULL; /* the bufferevent owns it now */
#endif
	} else {
		x.bev = bufferevent_socket_new(x.base, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	if (!x.bev) {
		snprintf(err, errlen, "cannot create a connection");
		goto out;
	}
	conn = evhttp_connection_base_bufferevent_new(x.base, NULL, x.bev, t->host,
	                                              (unsigned short)t->port);
	if (!conn) {
		bufferevent_free(x.bev);
		x.bev = NULL;
		snprintf(err, errlen, "cannot create a connection to %s", t->host);
		goto out;
	}
	evhttp_connection_set_timeout(conn, (int)o->timeout);
	req = evhttp_request_new(on_done, &x);
	evhttp_request_set_error_cb(req, on_error);
	out = evhttp_request_get_output_headers(req);
	if (strchr(t->host, ':'))
		snprintf(hostport, sizeof(hostport), "[%s]:%d", t->host, t->port);
	else
		snprintf(hostport, sizeof(hostport), "%s:%d", t->host, t->port);
	evhttp_add_header(out, "Host", hostport);
	evhttp_add_header(out, "Accept", "application/json, application/problem+json");
	evhttp_add_header(out, "User-Agent", "pnet/" PNET_VERSION);
	if (token) {
		if (asprintf(&auth, "Bearer %s", token) < 0)
			abort();
		evhttp_add_header(out, "Authorization", auth);
	}
	if (if_match)
		evhttp_add_header(out, "If-Match", if_match);
	if (body) {
		char length[24];
		/* libevent 2.1 adds Content-Length for POST and PUT only, not for PATCH. */
		snprintf(length, sizeof(length), "%zu", strlen(body));
		evhttp_add_header(out, "Content-Type", "application/json");
		if (cmd != EVHTTP_REQ_POST && cmd != EVHTTP_REQ_PUT)
			evhttp_add_header(out, "Content-Length", length);
		evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	}
	errno = 0;
	if (evhttp_make_request(conn, req, cmd, path) != 0) {
		snprintf(err, errlen, "cannot send the request");
		goto out; /* libevent has freed req */
	}
	while (!x.done)
		if (event_base_dispatch(x.base) != 0 || (!x.done && event_base_got_exit(x.base)))
			break;
	if (x.answered) {
		rc = 0;
	} else {
		if (!x.done)
			snprintf(err, errlen, "the event loop ended without an answer");
		else
			describe_failure(&x, t, o->timeout, err, errlen);
		http_response_clear(resp);
	}
out:
	free(auth);
	if (conn)
		evhttp_connection_free(conn);
#if PNET_HAVE_TLS
	SSL_free(ssl);
	SSL_CTX_free(ctx);
#endif
	event_base_free(x.base);
	return rc;
}
