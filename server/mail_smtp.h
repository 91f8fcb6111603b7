/*
 * One SMTP session on a libevent loop (RFC 5321; STARTTLS RFC 3207; AUTH PLAIN RFC 4616):
 * connect (the host resolved with evdns), EHLO, STARTTLS through a bufferevent_openssl filter
 * (certificate and host name verified), EHLO again, AUTH PLAIN when a user is set, one
 * message to one recipient, QUIT. Nothing blocks; every step has the session's timeout.
 */
#ifndef PNET_MAIL_SMTP_H
#define PNET_MAIL_SMTP_H

#include <stdbool.h>

struct event_base;
struct evdns_base;
struct smtp_session;
typedef struct ssl_ctx_st SSL_CTX;

struct smtp_job {
	const char *host;
	int port;
	bool starttls_required; /* without: STARTTLS when the server offers it, else plain */
	const char *user;       /* NULL: no AUTH */
	const char *password;
	const char *helo; /* the name for EHLO */
	const char *from; /* envelope sender */
	const char *to;   /* envelope recipient */
	const char *data; /* the message: CRLF lines, no line starting with '.' */
	long timeout_s;
};

/*
 * Called once when the session ends: error NULL when the server took the message;
 * otherwise why not, and permanent when the server refused it for good (a 5xx reply).
 */
typedef void (*smtp_done_cb)(void *arg, const char *error, bool permanent);

/* Start a session; the job's strings are copied. ctx may be NULL (no TLS available). */
struct smtp_session *smtp_send(struct event_base *base, struct evdns_base *dns, SSL_CTX *ctx,
                               const struct smtp_job *job, smtp_done_cb cb, void *arg);

/* End a session under way without calling its callback. */
void smtp_cancel(struct smtp_session *s);

#endif
