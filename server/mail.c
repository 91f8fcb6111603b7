#include "mail.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "config.h"
#include "log.h"
#include "mail_smtp.h"
#include "mail_sql.h"
#include "params.h"
#include "pnet_config.h"
#include "tls.h"
#include "util.h"
#include "worker.h"

#if PNET_HAVE_TLS
#include <openssl/ssl.h>
#endif

struct mail_sender {
	struct worker *w;
	struct evdns_base *dns;
	SSL_CTX *ssl;
	struct event *ev_poll;
	struct event *ev_now;
	char *password;
	const char *helo;
	struct smtp_session *session;
	char *id;   /* the e-mail claimed, while it is sent and recorded */
	bool busy;  /* a round (compose, claim, send, record) is under way */
	bool again; /* woken during a round: another round after it */
	bool draining;
	bool freeing;
};

/* Encoded words (RFC 2047) of at most 75 characters: 45 bytes of UTF-8 each, whole characters. */
static void encoded_words(struct evbuffer *out, const char *text)
{
	size_t n = strlen(text), i = 0;
	bool first = true;

	while (i < n) {
		size_t take = n - i > 45 ? 45 : n - i;
		unsigned char b64[64];

		/* Never split a character: back up over continuation bytes (10xxxxxx). */
		while (i + take < n && take > 1 && ((unsigned char)text[i + take] & 0xc0) == 0x80)
			take--;
		EVP_EncodeBlock(b64, (const unsigned char *)text + i, (int)take);
		evbuffer_add_printf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", b64);
		first = false;
		i += take;
	}
}

char *mail_message(const char *id, const char *from, const char *to, const char *subject,
                   const char *text, const char *date)
{
	struct evbuffer *out = evbuffer_new();
	const char *domain = strchr(from, '@');
	size_t n = strlen(text), len;
	char *result;

	evbuffer_add_printf(out, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", date, from, to);
	encoded_words(out, subject);
	evbuffer_add_printf(out,
	                    "\r\nMessage-ID: <pnet-mail-%s%s>\r\nMIME-Version: 1.0\r\n"
	                    "Content-Type: text/plain; charset=UTF-8\r\n"
	                    "Content-Transfer-Encoding: base64\r\n"
	                    "Auto-Submitted: auto-generated\r\n\r\n",
	                    id, domain ? domain : "@pnet");
	/* base64 lines of 76 characters (57 bytes): none starts with '.', so no dot-stuffing. */
	for (size_t i = 0; i < n; i += 57) {
		unsigned char line[80];
		EVP_EncodeBlock(line, (const unsigned char *)text + i,
		                (int)(n - i > 57 ? 57 : n - i));
		evbuffer_add_printf(out, "%s\r\n", line);
	}
	len = evbuffer_get_length(out);
	result = xmalloc(len + 1);
	evbuffer_remove(out, result, len);
	result[len] = '\0';
	evbuffer_free(out);
	return result;
}

static void round_end(struct mail_sender *m)
{
	m->busy = false;
	if (m->again && !m->draining && !m->freeing) {
		m->again = false;
		event_active(m->ev_now, 0, 0);
	}
}

static void claim(struct mail_sender *m);

static void on_recorded(void *arg, const struct db_result *res)
{
	struct mail_sender *m = arg;

	if (res->status != DB_OK)
		log_warn("mail %s: the outcome could not be recorded; it is tried again when its "
		         "lease expires",
		         m->id);
	free(m->id);
	m->id = NULL;
	worker_request_done(m->w);
	if (m->freeing)
		return;
	/* Sent or not, look for the next one at once. */
	claim(m);
}

static void on_sent(void *arg, const char *error, bool permanent)
{
	struct mail_sender *m = arg;
	struct params p = {0};

	m->session = NULL;
	if (error)
		log_warn("mail %s: %s%s", m->id, error,
		         permanent ? " (refused for good)" : "; trying again later");
	if (m->freeing)
		return;
	params_text(&p, "id", m->id);
	params_bool(&p, "sent", !error);
	params_text(&p, "error", error);
	params_bool(&p, "permanent", permanent);
	params_long(&p, "backoff_base_ms", cfg.mail_backoff_base_ms);
	params_long(&p, "backoff_max_s", cfg.mail_backoff_max_s);
	db_query(m->w->db, &sql_mail_record, &p, on_recorded, m);
}

static void send_claimed(struct mail_sender *m, PGresult *pg)
{
	char date[64], *data;
	time_t now = time(NULL);
	struct tm tm;
	struct smtp_job job = {
	        .host = cfg.smtp_host,
	        .port = (int)cfg.smtp_port,
	        .starttls_required = cfg.smtp_starttls,
	        .user = cfg.smtp_user,
	        .password = m->password,
	        .helo = m->helo,
	        .from = cfg.mail_from,
	        .to = PQgetvalue(pg, 0, PQfnumber(pg, "recipient")),
	        .timeout_s = cfg.smtp_timeout_s,
	};

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	m->id = xstrdup(PQgetvalue(pg, 0, PQfnumber(pg, "id")));
	data = mail_message(m->id, cfg.mail_from, job.to,
	                    PQgetvalue(pg, 0, PQfnumber(pg, "subject")),
	                    PQgetvalue(pg, 0, PQfnumber(pg, "body")), date);
	job.data = data;
	/* The e-mail holds the worker while it drains, as a request does. */
	m->w->inflight++;
	m->session = smtp_send(m->w->base, m->dns, m->ssl, &job, on_sent, m);
	free(data);
}

static void on_claimed(void *arg, const struct db_result *res)
{
	struct mail_sender *m = arg;

	if (m->freeing)
		return;
	if (res->status != DB_OK || PQntuples(res->pg) == 0) {
		if (res->status == DB_ERROR)
			log_warn("mail: claiming an e-mail failed: %s",
			         PQresultErrorMessage(res->pg));
		round_end(m);
		return;
	}
	send_claimed(m, res->pg);
}

static void claim(struct mail_sender *m)
{
	struct params p = {0};

	if (m->draining || !db_pool_available(m->w->db)) {
		round_end(m);
		return;
	}
	/* Every step of a session has the timeout; the lease outlasts them all. */
	params_long(&p, "lease_seconds", cfg.smtp_timeout_s * 12 + 10);
	db_query_sent(m->w->db, &sql_mail_claim, &p, DB_SEND_ALONE, on_claimed, m);
}

static void on_composed(void *arg, const struct db_result *res)
{
	struct mail_sender *m = arg;

	if (m->freeing)
		return;
	if (res->status == DB_ERROR)
		log_warn("mail: composing e-mails failed: %s", PQresultErrorMessage(res->pg));
	/* Even when composing failed, what was composed before may be due. */
	claim(m);
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct mail_sender *m = arg;
	struct params p = {0};

	(void)fd;
	(void)what;
	if (m->draining || m->freeing || !db_pool_available(m->w->db))
		return;
	if (m->busy) {
		m->again = true;
		return;
	}
	m->busy = true;
	params_long(&p, "batch_minutes", cfg.mail_batch_minutes);
	params_text(&p, "public_url", cfg.public_url);
	db_query_sent(m->w->db, &sql_mail_compose, &p, DB_SEND_ALONE, on_composed, m);
}

/* The first line of the password file, read once at start (before the loop runs). */
static char *read_password(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n;

	if (!f) {
		log_error("mail: cannot read --smtp-password-file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return xstrdup(line);
}

struct mail_sender *mail_start(struct worker *w)
{
	struct mail_sender *m;
	struct timeval tv = {.tv_sec = cfg.mail_poll_ms / 1000,
	                     .tv_usec = (cfg.mail_poll_ms % 1000) * 1000};

	if (!cfg.smtp_host || !cfg.smtp_host[0])
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->w = w;
	if (cfg.smtp_password_file && !(m->password = read_password(cfg.smtp_password_file)))
		m->password = xstrdup("");
	/* EHLO names this host by the sender address's domain (RFC 5321 wants a domain). */
	m->helo = strchr(cfg.mail_from, '@') + 1;
	m->dns = evdns_base_new(w->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	                                         EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!m->dns)
		m->dns = evdns_base_new(w->base, 0);
#if PNET_HAVE_TLS
	m->ssl = tls_client_ctx(cfg.smtp_ca_file, "mail");
#endif
	m->ev_poll = event_new(w->base, -1, EV_PERSIST, on_poll, m);
	m->ev_now = event_new(w->base, -1, 0, on_poll, m);
	event_add(m->ev_poll, &tv);
	event_active(m->ev_now, 0, 0);
	return m;
}

void mail_wake(struct mail_sender *m)
{
	if (m && !m->draining)
		event_active(m->ev_now, 0, 0);
}

void mail_drain(struct mail_sender *m)
{
	if (!m)
		return;
	m->draining = true;
	event_del(m->ev_poll);
}

void mail_free(struct mail_sender *m)
{
	if (!m)
		return;
	m->freeing = true;
	if (m->session) {
		smtp_cancel(m->session);
		worker_request_done(m->w);
	}
	free(m->id);
	evdns_base_free(m->dns, 0);
#if PNET_HAVE_TLS
	SSL_CTX_free(m->ssl);
#endif
	if (m->password)
		OPENSSL_cleanse(m->password, strlen(m->password));
	free(m->password);
	event_free(m->ev_poll);
	event_free(m->ev_now);
	free(m);
}
