#include "webhook.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "config.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "params.h"
#include "pnet_config.h"
#include "tls.h"
#include "util.h"
#include "webhooks_sql.h"
#include "worker.h"

#if PNET_HAVE_TLS
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <event2/bufferevent_ssl.h>
#endif

/* A receiver's answer body is read and dropped; more than this is an error. */
#define MAX_ANSWER_BYTES (256 * 1024)

struct delivery {
	TAILQ_ENTRY(delivery) link;
	struct webhook_dispatcher *d;
	char *id, *token, *url, *secret, *body, *seq;
	char *host, *path;
	int port;
	bool https;
	uint64_t started_ms;
	struct evdns_getaddrinfo_request *dns;
	struct evhttp_connection *evcon;
	enum evhttp_request_error http_error;
	bool http_failed;
	bool recording; /* the outcome is being written */
#if PNET_HAVE_TLS
	SSL *ssl;              /* owned by the connection's bufferevent */
	const char *tls_error; /* why the receiver's certificate was not trusted (static text) */
#endif
};

TAILQ_HEAD(delivery_list, delivery);

struct webhook_dispatcher {
	struct worker *w;
	struct evdns_base *dns;
#if PNET_HAVE_TLS
	SSL_CTX *ssl;
#endif
	struct event *ev_poll;
	struct event *ev_now;
	struct delivery_list running;
	long nrunning;
	bool claiming;
	bool again;
	bool draining;
	bool freeing;
};

static void claim(struct webhook_dispatcher *d);

static void delivery_free(struct delivery *dl)
{
	struct webhook_dispatcher *d = dl->d;

	TAILQ_REMOVE(&d->running, dl, link);
	d->nrunning--;
	free(dl->id);
	free(dl->token);
	free(dl->url);
	free(dl->secret);
	free(dl->body);
	free(dl->seq);
	free(dl->host);
	free(dl->path);
	free(dl);
	/* Deliveries hold the worker while it drains, as requests do. */
	worker_request_done(d->w);
}

static void on_recorded(void *arg, const struct db_result *res)
{
	struct delivery *dl = arg;
	struct webhook_dispatcher *d = dl->d;

	if (res->status != DB_OK)
		log_warn("webhook delivery %s: the outcome could not be recorded; it will be "
		         "retried when its lease expires",
		         dl->id);
	else if (PQntuples(res->pg) == 1 && !strcmp(PQgetvalue(res->pg, 0, 0), "failed"))
		log_warn("webhook delivery %s failed for good; its webhook is disabled", dl->id);
	delivery_free(dl);
	if (!d->freeing && !d->draining)
		event_active(d->ev_now, 0, 0);
}

/* The attempt is over: status 0 with error when there was no HTTP answer. */
static void finish(struct delivery *dl, int status, const char *error)
{
	struct webhook_dispatcher *d = dl->d;
	bool ok = status >= 200 && status <= 299;
	struct params p = {0};

	metrics_webhook_attempt(ok);
	if (d->freeing) {
		delivery_free(dl);
		return;
	}
	params_text(&p, "delivery", dl->id);
	params_text(&p, "lease_token", dl->token);
	params_bool(&p, "delivered", ok);
	if (status)
		params_long(&p, "http_status", status);
	else
		params_text(&p, "http_status", NULL);
	params_text(&p, "error", error);
	params_long(&p, "backoff_base_ms", cfg.webhook_backoff_base_ms);
	params_long(&p, "backoff_max_s", cfg.webhook_backoff_max_s);
	params_long(&p, "give_up_s", cfg.webhook_give_up_s);
	params_long(&p, "duration_ms", (long long)(util_now_ms() - dl->started_ms));
	dl->recording = true;
	db_query(d->w->db, &sql_webhooks_record, &p, on_recorded, dl);
}

static const char *http_error_text(enum evhttp_request_error e)
{
	switch (e) {
	case EVREQ_HTTP_TIMEOUT:
		return "timed out";
	case EVREQ_HTTP_EOF:
		return "connection closed before an answer";
	case EVREQ_HTTP_INVALID_HEADER:
		return "malformed answer";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "connection failed";
	case EVREQ_HTTP_REQUEST_CANCEL:
		return "cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "answer too long";
	}
	return "failed";
}

static void on_http_error(enum evhttp_request_error e, void *arg)
{
	struct delivery *dl = arg;

	dl->http_failed = true;
	dl->http_error = e;
#if PNET_HAVE_TLS
	/* A handshake that failed on the certificate looks like a closed connection to evhttp:
	   ask OpenSSL, while the connection (and its SSL) still exist, so the owner learns why. */
	if (dl->ssl) {
		long verify = SSL_get_verify_result(dl->ssl);
		if (verify != X509_V_OK)
			dl->tls_error = X509_verify_cert_error_string(verify);
	}
#endif
}

static void on_response(struct evhttp_request *req, void *arg)
{
	struct delivery *dl = arg;
	int status = req ? evhttp_request_get_response_code(req) : 0;

	/* libevent frees the connection after this callback (free on completion). */
	dl->evcon = NULL;
	if (status) {
		finish(dl, status, status >= 300 ? "the receiver did not answer 2xx" : NULL);
		return;
	}
#if PNET_HAVE_TLS
	if (dl->tls_error) {
		char why[300];
		snprintf(why, sizeof(why), "TLS: the receiver's certificate is not trusted (%s)",
		         dl->tls_error);
		dl->ssl = NULL;
		finish(dl, 0, why);
		return;
	}
	dl->ssl = NULL;
#endif
	finish(dl, 0,
	       dl->http_failed ? http_error_text(dl->http_error)
	                       : "connection failed (refused, TLS or certificate)");
}

/* Whether a receiver may live at this address: public unicast only (SSRF). */
static bool address_allowed(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		static const struct {
			uint32_t net, mask;
		} refused[] = {
		        {0x00000000, 0xff000000}, /* 0.0.0.0/8 this network */
		        {0x0a000000, 0xff000000}, /* 10/8 private */
		        {0x64400000, 0xffc00000}, /* 100.64/10 carrier-grade NAT */
		        {0x7f000000, 0xff000000}, /* 127/8 loopback */
		        {0xa9fe0000, 0xffff0000}, /* 169.254/16 link-local (cloud metadata) */
		        {0xac100000, 0xfff00000}, /* 172.16/12 private */
		        {0xc0000000, 0xffffff00}, /* 192.0.0/24 protocol assignments */
		        {0xc0a80000, 0xffff0000}, /* 192.168/16 private */
		        {0xc6120000, 0xfffe0000}, /* 198.18/15 benchmarking */
		        {0xe0000000, 0xf0000000}, /* 224/4 multicast */
		        {0xf0000000, 0xf0000000}, /* 240/4 reserved, broadcast */
		};
		for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
			if ((a & refused[i].mask) == refused[i].net)
				return false;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		const uint8_t *b = a->s6_addr;
		static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
		if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
		    IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a) ||
		    IN6_IS_ADDR_MULTICAST(a) || (b[0] & 0xfe) == 0xfc)
			return false;
		/* IPv4 inside IPv6 (mapped, compatible, NAT64): judge the IPv4 address. */
		if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a) || !memcmp(b, nat64, 12)) {
			struct sockaddr_in v4 = {.sin_family = AF_INET};
			memcpy(&v4.sin_addr, b + 12, 4);
			return address_allowed((const struct sockaddr *)&v4);
		}
		return true;
	}
	return false;
}

static void post(struct delivery *dl, const char *ip)
{
	struct webhook_dispatcher *d = dl->d;
	struct bufferevent *bev = NULL;
	struct evhttp_request *req;
	struct evkeyvalq *h;
	char sig[128], mac[CRYPTO_SHA256_HEX_LEN + 1], host[300];
	long long now = (long long)time(NULL);
	char *signed_text = xasprintf("%lld.%s", now, dl->body);

	crypto_hmac_sha256_hex(dl->secret, strlen(dl->secret), signed_text, strlen(signed_text),
	                       mac);
	free(signed_text);
	snprintf(sig, sizeof(sig), "t=%lld,v1=%s", now, mac);

	if (dl->https) {
#if PNET_HAVE_TLS
		SSL *ssl = SSL_new(d->ssl);
		if (!ssl || !SSL_set_tlsext_host_name(ssl, dl->host) ||
		    !SSL_set1_host(ssl, dl->host)) {
			SSL_free(ssl);
			finish(dl, 0, "TLS set-up failed");
			return;
		}
		bev = bufferevent_openssl_socket_new(
		        d->w->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
		        BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (!bev) {
			finish(dl, 0, "TLS set-up failed");
			return;
		}
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
		dl->ssl = ssl;
#else
		finish(dl, 0, "this pnetd was built without TLS");
		return;
#endif
	}
	/* Connect to the address just checked, never to a second lookup of the name. */
	dl->evcon = evhttp_connection_base_bufferevent_new(d->w->base, NULL, bev, ip,
	                                                   (unsigned short)dl->port);
	if (!dl->evcon) {
		if (bev)
			bufferevent_free(bev);
		finish(dl, 0, "cannot create a connection");
		return;
	}
	evhttp_connection_set_timeout(dl->evcon, (int)cfg.webhook_timeout_s);
	evhttp_connection_set_retries(dl->evcon, 0);
	evhttp_connection_set_max_body_size(dl->evcon, MAX_ANSWER_BYTES);
	req = evhttp_request_new(on_response, dl);
	evhttp_request_set_error_cb(req, on_http_error);
	h = evhttp_request_get_output_headers(req);
	if ((dl->https && dl->port == 443) || (!dl->https && dl->port == 80))
		snprintf(host, sizeof(host), "%s", dl->host);
	else
		snprintf(host, sizeof(host), "%s:%d", dl->host, dl->port);
	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "User-Agent", "pnet-webhooks/" PNET_VERSION);
	evhttp_add_header(h, "Pnet-Event-Id", dl->seq);
	evhttp_add_header(h, "Pnet-Signature", sig);
	evhttp_add_header(h, "Connection", "close");
	evbuffer_add(evhttp_request_get_output_buffer(req), dl->body, strlen(dl->body));
	if (evhttp_make_request(dl->evcon, req, EVHTTP_REQ_POST, dl->path) != 0) {
		/* libevent has freed req; the connection is still ours. */
		evhttp_connection_free(dl->evcon);
		dl->evcon = NULL;
		finish(dl, 0, "cannot send the request");
		return;
	}
	evhttp_connection_free_on_completion(dl->evcon);
}

static void on_resolved(int result, struct evutil_addrinfo *ai, void *arg)
{
	struct delivery *dl = arg;
	char ip[INET6_ADDRSTRLEN] = "";
	bool refused = false;

	dl->dns = NULL;
	if (result == EVUTIL_EAI_CANCEL) {
		if (ai)
			evutil_freeaddrinfo(ai);
		return; /* the dispatcher is going away; it frees dl */
	}
	if (result != 0 || !ai) {
		char *msg =
		        xasprintf("cannot resolve %s: %s", dl->host, evutil_gai_strerror(result));
		finish(dl, 0, msg);
		free(msg);
		return;
	}
	for (struct evutil_addrinfo *p = ai; p; p = p->ai_next)
		refused = refused || (!cfg.webhook_allow_private && !address_allowed(p->ai_addr));
	if (ai->ai_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip, sizeof(ip));
	else if (ai->ai_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, ip,
		          sizeof(ip));
	evutil_freeaddrinfo(ai);
	if (refused || !ip[0]) {
		finish(dl, 0,
		       "refused: the host resolves to a private, loopback or otherwise "
		       "non-public address");
		return;
	}
	post(dl, ip);
}

/* Take the URL apart; false when it is not usable (checked at registration too). */
static bool parse_target(struct delivery *dl)
{
	struct evhttp_uri *u = evhttp_uri_parse(dl->url);
	const char *scheme, *host, *path, *query;

	if (!u)
		return false;
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	if (!scheme || !host || !*host) {
		evhttp_uri_free(u);
		return false;
	}
	dl->https = !strcasecmp(scheme, "https");
	dl->port = evhttp_uri_get_port(u);
	if (dl->port <= 0)
		dl->port = dl->https ? 443 : 80;
	/* An IPv6 literal comes with its brackets; the resolver wants it bare. */
	if (host[0] == '[')
		dl->host = xstrndup(host + 1, strlen(host) - 2);
	else
		dl->host = xstrdup(host);
	dl->path = xasprintf("%s%s%s", path && *path ? path : "/", query ? "?" : "",
	                     query ? query : "");
	evhttp_uri_free(u);
	return true;
}

static void start(struct webhook_dispatcher *d, PGresult *pg, int row)
{
	struct delivery *dl = xcalloc(1, sizeof(*dl));
	struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	char port[8];

	dl->d = d;
	dl->id = xstrdup(PQgetvalue(pg, row, 0));
	dl->token = xstrdup(PQgetvalue(pg, row, 1));
	dl->url = xstrdup(PQgetvalue(pg, row, 2));
	dl->secret = xstrdup(PQgetvalue(pg, row, 3));
	dl->body = xstrdup(PQgetvalue(pg, row, 4));
	dl->seq = xstrdup(PQgetvalue(pg, row, 5));
	dl->started_ms = util_now_ms();
	TAILQ_INSERT_TAIL(&d->running, dl, link);
	d->nrunning++;
	d->w->inflight++;
	if (!parse_target(dl)) {
		finish(dl, 0, "the URL cannot be used");
		return;
	}
	snprintf(port, sizeof(port), "%d", dl->port);
	/* May call on_resolved at once (an address literal); dl is complete by then. */
	dl->dns = evdns_getaddrinfo(d->dns, dl->host, port, &hints, on_resolved, dl);
}

static void on_claimed(void *arg, const struct db_result *res)
{
	struct webhook_dispatcher *d = arg;
	int n;

	d->claiming = false;
	if (d->freeing)
		return;
	if (res->status != DB_OK) {
		if (res->status == DB_ERROR)
			log_warn("webhooks: claiming deliveries failed: %s",
			         PQresultErrorMessage(res->pg));
		return; /* the next poll tries again */
	}
	n = PQntuples(res->pg);
	for (int i = 0; i < n; i++)
		start(d, res->pg, i);
	if (d->again) {
		d->again = false;
		claim(d);
	}
}

/* Claim as many due deliveries as there is room for. */
static void claim(struct webhook_dispatcher *d)
{
	struct params p = {0};
	long room = cfg.webhook_concurrency - d->nrunning;

	if (d->draining || d->freeing || room <= 0 || !db_pool_available(d->w->db))
		return;
	if (d->claiming) {
		d->again = true;
		return;
	}
	/* The lease outlasts an attempt (DNS, connect, answer) by a good margin. */
	params_long(&p, "lease_seconds", cfg.webhook_timeout_s * 2 + 5);
	params_long(&p, "limit", room);
	d->claiming = true;
	db_query_sent(d->w->db, &sql_webhooks_claim, &p, DB_SEND_ALONE, on_claimed, d);
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	claim(arg);
}

struct webhook_dispatcher *webhooks_start(struct worker *w)
{
	struct webhook_dispatcher *d = xcalloc(1, sizeof(*d));
	struct timeval tv = {.tv_sec = cfg.webhook_poll_ms / 1000,
	                     .tv_usec = (cfg.webhook_poll_ms % 1000) * 1000};
	char timeout[16];

	d->w = w;
	TAILQ_INIT(&d->running);
	d->dns = evdns_base_new(w->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	                                         EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!d->dns)
		d->dns = evdns_base_new(w->base, 0);
	snprintf(timeout, sizeof(timeout), "%ld", cfg.webhook_timeout_s);
	evdns_base_set_option(d->dns, "timeout:", timeout);
	evdns_base_set_option(d->dns, "attempts:", "2");
#if PNET_HAVE_TLS
	d->ssl = tls_client_ctx(cfg.webhook_ca_file, "webhooks");
#endif
	d->ev_poll = event_new(w->base, -1, EV_PERSIST, on_poll, d);
	d->ev_now = event_new(w->base, -1, 0, on_poll, d);
	event_add(d->ev_poll, &tv);
	event_active(d->ev_now, 0, 0);
	return d;
}

void webhooks_wake(struct webhook_dispatcher *d)
{
	if (d)
		event_active(d->ev_now, 0, 0);
}

void webhooks_drain(struct webhook_dispatcher *d)
{
	if (!d)
		return;
	d->draining = true;
	event_del(d->ev_poll);
}

void webhooks_free(struct webhook_dispatcher *d)
{
	struct delivery *dl;

	if (!d)
		return;
	d->freeing = true;
	while ((dl = TAILQ_FIRST(&d->running))) {
		if (dl->dns)
			evdns_getaddrinfo_cancel(dl->dns);
		if (dl->evcon)
			evhttp_connection_free(dl->evcon);
		delivery_free(dl);
	}
	evdns_base_free(d->dns, 0);
#if PNET_HAVE_TLS
	SSL_CTX_free(d->ssl);
#endif
	event_free(d->ev_poll);
	event_free(d->ev_now);
	free(d);
}

const char *webhook_url_problem(const char *url)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *scheme, *host, *problem = NULL;
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);

	if (!u)
		return "is not a valid URL";
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	if (!scheme || (strcasecmp(scheme, "https") &&
	                (strcasecmp(scheme, "http") || !cfg.webhook_allow_http)))
		problem = cfg.webhook_allow_http ? "must be an https:// or http:// URL"
		                                 : "must be an https:// URL";
	else if (!host || !*host)
		problem = "must name a host";
	else if (evhttp_uri_get_userinfo(u))
		problem = "must not contain a user name or password";
	else if (evhttp_uri_get_fragment(u))
		problem = "must not contain a fragment (#...)";
	else if (!cfg.webhook_allow_private &&
	         evutil_parse_sockaddr_port(host, (struct sockaddr *)&ss, &sslen) == 0 &&
	         !address_allowed((struct sockaddr *)&ss))
		problem = "must not point to a private, loopback or otherwise non-public address";
	else if (!cfg.webhook_allow_private && !strcasecmp(host, "localhost"))
		problem = "must not point to a private, loopback or otherwise non-public address";
	evhttp_uri_free(u);
	return problem;
}
