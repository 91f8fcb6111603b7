#include "mail_smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/evp.h>
#include <sys/socket.h>

#include "pnet_config.h"
#include "util.h"

#if PNET_HAVE_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <event2/bufferevent_ssl.h>
#endif

/* A reply longer than this (all its lines) is a broken server. */
#define MAX_REPLY_BYTES 16384

enum step {
	GREETING,
	EHLO,
	STARTTLS,
	HANDSHAKE,
	EHLO_TLS,
	AUTH,
	MAIL_FROM,
	RCPT_TO,
	DATA,
	MESSAGE,
	QUIT,
};

struct smtp_session {
	struct event_base *base;
	SSL_CTX *ctx;
	struct bufferevent *bev;
	enum step step;
	bool tls;
	bool offers_starttls, offers_auth_plain;
	char *host, *user, *password, *helo, *from, *to, *data;
	bool starttls_required;
	int port;
	long timeout_s;
	char reply[MAX_REPLY_BYTES]; /* the reply's lines so far, for capabilities and errors */
	size_t reply_len;
	smtp_done_cb cb;
	void *arg;
};

static void session_free(struct smtp_session *s)
{
	if (s->bev)
		bufferevent_free(s->bev);
	free(s->host);
	free(s->user);
	if (s->password)
		OPENSSL_cleanse(s->password, strlen(s->password));
	free(s->password);
	free(s->helo);
	free(s->from);
	free(s->to);
	free(s->data);
	free(s);
}

static void finish(struct smtp_session *s, const char *error, bool permanent)
{
	smtp_done_cb cb = s->cb;
	void *arg = s->arg;

	session_free(s);
	cb(arg, error, permanent);
}

/* The server's reply was not the one hoped for: say which step and what it answered. */
static bool refused(struct smtp_session *s, int code, const char *what)
{
	char *why;
	size_t n = s->reply_len;

	while (n && (s->reply[n - 1] == '\n' || s->reply[n - 1] == '\r'))
		n--;
	why = xasprintf("SMTP %s: %.*s", what, (int)(n > 300 ? 300 : n), s->reply);
	finish(s, why, code >= 500 && code <= 599);
	free(why);
	return false;
}

/* Send a command: head, then arg (may be ""), then CRLF. */
static void command(struct smtp_session *s, const char *head, const char *arg)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);

	evbuffer_add(out, head, strlen(head));
	evbuffer_add(out, arg, strlen(arg));
	evbuffer_add(out, "\r\n", 2);
}

static bool start_tls(struct smtp_session *s);

static bool ehlo_done(struct smtp_session *s)
{
	if (!s->tls && s->offers_starttls) {
		s->step = STARTTLS;
		command(s, "STARTTLS", "");
		return true;
	}
	if (!s->tls && s->starttls_required) {
		finish(s,
		       "SMTP: the server does not offer STARTTLS, which --smtp-starttls requires",
		       false);
		return false;
	}
	if (s->user) {
		/* AUTH PLAIN: base64 of "\0user\0password" (RFC 4616). */
		size_t ul = strlen(s->user), pl = strlen(s->password), n = ul + pl + 2;
		unsigned char *raw = xmalloc(n);
		char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);

		if (!s->offers_auth_plain) {
			free(raw);
			free(b64);
			finish(s, "SMTP: the server does not offer AUTH PLAIN", false);
			return false;
		}
		raw[0] = '\0';
		memcpy(raw + 1, s->user, ul);
		raw[ul + 1] = '\0';
		memcpy(raw + ul + 2, s->password, pl);
		EVP_EncodeBlock((unsigned char *)b64, raw, (int)n);
		OPENSSL_cleanse(raw, n);
		s->step = AUTH;
		command(s, "AUTH PLAIN ", b64);
		OPENSSL_cleanse(b64, strlen(b64));
		free(raw);
		free(b64);
		return true;
	}
	s->step = MAIL_FROM;
	command(s, "MAIL FROM:", s->from);
	return true;
}

/*
 * One complete reply (all its lines) with its code: the next step. Returns whether to go on
 * reading the same input: false when the session ended (freed) or TLS starts (a new input).
 */
static bool on_reply(struct smtp_session *s, int code)
{
	switch (s->step) {
	case GREETING:
		if (code != 220)
			return refused(s, code, "greeting");
		s->step = EHLO;
		command(s, "EHLO ", s->helo);
		return true;
	case EHLO:
	case EHLO_TLS:
		if (code != 250)
			return refused(s, code, "EHLO");
		return ehlo_done(s);
	case STARTTLS:
		if (code != 220)
			return refused(s, code, "STARTTLS");
		if (!start_tls(s))
			finish(s, "SMTP: TLS set-up failed", false);
		return false;
	case HANDSHAKE:
		return false; /* nothing is read before the handshake ends */
	case AUTH:
		if (code != 235)
			return refused(s, code, "AUTH");
		s->step = MAIL_FROM;
		command(s, "MAIL FROM:", s->from);
		return true;
	case MAIL_FROM:
		if (code != 250)
			return refused(s, code, "MAIL FROM");
		s->step = RCPT_TO;
		command(s, "RCPT TO:", s->to);
		return true;
	case RCPT_TO:
		if (code != 250 && code != 251)
			return refused(s, code, "RCPT TO");
		s->step = DATA;
		command(s, "DATA", "");
		return true;
	case DATA:
		if (code != 354)
			return refused(s, code, "DATA");
		s->step = MESSAGE;
		evbuffer_add(bufferevent_get_output(s->bev), s->data, strlen(s->data));
		command(s, ".", "");
		return true;
	case MESSAGE:
		if (code != 250)
			return refused(s, code, "message");
		/* Taken: that is what counts. QUIT is politeness; its answer is not awaited. */
		s->step = QUIT;
		command(s, "QUIT", "");
		bufferevent_disable(s->bev, EV_READ);
		finish(s, NULL, false);
		return false;
	case QUIT:
		return false;
	}
	return false;
}

/* An EHLO line: note what the server offers. */
static void capability(struct smtp_session *s, const char *text)
{
	if (!strcasecmp(text, "STARTTLS"))
		s->offers_starttls = true;
	if (!strncasecmp(text, "AUTH ", 5) || !strncasecmp(text, "AUTH=", 5)) {
		const char *p = text + 5;
		while (*p) {
			size_t n = strcspn(p, " ");
			if (n == 5 && !strncasecmp(p, "PLAIN", 5))
				s->offers_auth_plain = true;
			p += n;
			p += strspn(p, " ");
		}
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct smtp_session *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF))) {
		int code;
		bool last;

		if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
		    line[2] < '0' || line[2] > '9' ||
		    (len > 3 && line[3] != ' ' && line[3] != '-')) {
			free(line);
			finish(s, "SMTP: the server's answer is not SMTP", false);
			return;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		last = len == 3 || line[3] == ' ';
		if (s->reply_len + len + 2 > sizeof(s->reply)) {
			free(line);
			finish(s, "SMTP: the server's answer is too long", false);
			return;
		}
		memcpy(s->reply + s->reply_len, line, len);
		s->reply_len += len;
		s->reply[s->reply_len++] = '\n';
		s->reply[s->reply_len] = '\0';
		if ((s->step == EHLO || s->step == EHLO_TLS) && len > 4)
			capability(s, line + 4);
		free(line);
		if (last) {
			s->reply_len = 0;
			if (!on_reply(s, code))
				return;
		}
	}
	if (evbuffer_get_length(in) > MAX_REPLY_BYTES)
		finish(s, "SMTP: the server's answer is too long", false);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct smtp_session *s = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (s->step == HANDSHAKE) {
			/* TLS is up: greet again, the capabilities may differ now (RFC 3207). */
			s->tls = true;
			s->offers_starttls = s->offers_auth_plain = false;
			s->step = EHLO_TLS;
			command(s, "EHLO ", s->helo);
		}
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		finish(s, "SMTP: the server did not answer in time", false);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		char why[400];
		int dns = bufferevent_socket_get_dns_error(s->bev);
#if PNET_HAVE_TLS
		unsigned long ssl_error = bufferevent_get_openssl_error(s->bev);
		if (ssl_error) {
			char text[256];
			ERR_error_string_n(ssl_error, text, sizeof(text));
			snprintf(why, sizeof(why), "SMTP: TLS with %s failed: %s", s->host, text);
			finish(s, why, false);
			return;
		}
#endif
		if (dns)
			snprintf(why, sizeof(why), "SMTP: cannot resolve %s: %s", s->host,
			         evutil_gai_strerror(dns));
		else
			snprintf(why, sizeof(why), "SMTP: connection to %s:%d failed: %s", s->host,
			         s->port, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		finish(s, why, false);
		return;
	}
	if (what & BEV_EVENT_EOF)
		finish(s, "SMTP: the server closed the connection", false);
}

static void arm(struct smtp_session *s)
{
	struct timeval tv = {.tv_sec = s->timeout_s};

	bufferevent_setcb(s->bev, on_read, NULL, on_event, s);
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

static bool start_tls(struct smtp_session *s)
{
#if PNET_HAVE_TLS
	SSL *ssl;
	struct bufferevent *filter;
	unsigned char addr[16];

	if (!s->ctx)
		return false;
	ssl = SSL_new(s->ctx);
	/* The certificate must name the server as configured: an address, or a host name. */
	if (!ssl ||
	    (evutil_inet_pton(AF_INET, s->host, addr) == 1 ||
	                     evutil_inet_pton(AF_INET6, s->host, addr) == 1
	             ? !X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), s->host)
	             : !SSL_set_tlsext_host_name(ssl, s->host) || !SSL_set1_host(ssl, s->host))) {
		SSL_free(ssl);
		return false;
	}
	filter = bufferevent_openssl_filter_new(s->base, s->bev, ssl, BUFFEREVENT_SSL_CONNECTING,
	                                        BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!filter) {
		SSL_free(ssl);
		return false;
	}
	/* The filter owns the plain connection from now on (it frees it). */
	s->bev = filter;
	s->step = HANDSHAKE;
	arm(s);
	return true;
#else
	(void)s;
	return false;
#endif
}

struct smtp_session *smtp_send(struct event_base *base, struct evdns_base *dns, SSL_CTX *ctx,
                               const struct smtp_job *job, smtp_done_cb cb, void *arg)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));

	s->base = base;
	s->ctx = ctx;
	s->host = xstrdup(job->host);
	s->user = job->user ? xstrdup(job->user) : NULL;
	s->password = job->user ? xstrdup(job->password ? job->password : "") : NULL;
	s->helo = xstrdup(job->helo);
	s->from = xasprintf("<%s>", job->from);
	s->to = xasprintf("<%s>", job->to);
	s->data = xstrdup(job->data);
	s->starttls_required = job->starttls_required;
	s->timeout_s = job->timeout_s;
	s->port = job->port;
	s->cb = cb;
	s->arg = arg;
	s->step = GREETING;
	s->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!s->bev) {
		finish(s, "SMTP: cannot create a connection", false);
		return NULL;
	}
	arm(s);
	/* Resolves asynchronously through evdns; an address literal connects at once. */
	if (bufferevent_socket_connect_hostname(s->bev, dns, AF_UNSPEC, s->host, job->port) < 0) {
		finish(s, "SMTP: cannot connect", false);
		return NULL;
	}
	return s;
}

void smtp_cancel(struct smtp_session *s)
{
	if (s)
		session_free(s);
}
