#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pnet_config.h"
#include "util.h"

struct config cfg;

enum option_type { OPT_STRING, OPT_LONG, OPT_BOOL };

struct option {
	const char *name; /* flag --name, environment PNET_NAME, file key name */
	enum option_type type;
	size_t offset;
	const char *def; /* default as text; NULL for "unset" strings */
	long min, max;
	const char *help;
};

#define S(field) OPT_STRING, offsetof(struct config, field)
#define L(field) OPT_LONG, offsetof(struct config, field)
#define B(field) OPT_BOOL, offsetof(struct config, field)

static const struct option options[] = {
        {"listen", S(listen), "127.0.0.1", 0, 0, "address to listen on (IPv4 or IPv6)"},
        {"port", L(port), "8080", 0, 65535, "TCP port; 0 picks a free one"},
        {"workers", L(workers), "0", 0, 256, "worker threads; 0 means one per core"},
        {"database", S(database), "dbname=pnet", 0, 0,
         "libpq connection string (multi-host and sslmode work as libpq documents)"},
        {"database-read", S(database_read), "", 0, 0,
         "libpq connection string of a hot standby for the routes that only read and may lag a "
         "little (directory, HSDS, statistics, chain lists); empty: the primary serves them"},
        {"db-pool-size", L(db_pool_size), "4", 1, 64,
         "database connections per worker (and as many to --database-read when set)"},
        {"db-pipeline", L(db_pipeline), "2", 1, 16,
         "queries on one database connection at once: when none is idle, a write is sent "
         "behind the running query (reads wait for a free connection; 1: one at a time)"},
        {"db-queue-max", L(db_queue_max), "1024", 1, 1000000,
         "queries waiting for a connection per worker before 503"},
        {"db-queue-timeout-ms", L(db_queue_timeout_ms), "5000", 10, 600000,
         "how long a query may wait for a connection before 503"},
        {"db-statement-timeout-ms", L(db_statement_timeout_ms), "15000", 0, 3600000,
         "statement_timeout for request queries (0: none)"},
        {"db-reconnect-max-ms", L(db_reconnect_max_ms), "5000", 50, 600000,
         "longest pause between reconnection attempts (backoff doubles up to this)"},
        {"schema-dir", S(schema_dir), PNET_SOURCE_DIR "/schema", 0, 0,
         "folder of the NNNN_name.sql migrations"},
        {"migrate", B(migrate), "false", 0, 0, "apply pending migrations at start"},
        {"web-dir", S(web_dir), PNET_SOURCE_DIR "/clients/web/dist", 0, 0,
         "folder of the built web app served at / (read once at start; empty: none)"},
        {"docs-dir", S(docs_dir), PNET_SOURCE_DIR "/docs", 0, 0,
         "folder holding openapi.yaml, served at /v1/openapi.yaml"},
        {"max-body-bytes", L(max_body_bytes), "1048576", 1024, 64 * 1048576L,
         "largest request body accepted (413 above; a larger Content-Length is refused "
         "before the body is read)"},
        {"max-unauthenticated-bytes", L(max_unauthenticated_bytes), "67108864", 65536, 1L << 40,
         "bytes of requests received and not yet authenticated, all connections together; "
         "beyond, the connection that brings more is shut down"},
        {"max-connections", L(max_connections), "10000", 1, 10000000,
         "client connections at once; at the limit pnetd stops accepting until some close "
         "(lowered at start to what the open-files limit leaves)"},
        {"max-connections-per-addr", L(max_connections_per_addr), "256", 0, 10000000,
         "client connections at once from one address (the TCP peer: your proxy with "
         "--trust-proxy; loopback is not limited); more are closed at once; 0: no limit"},
        {"limit-loopback", B(limit_loopback), "false", 0, 0,
         "apply --max-connections-per-addr to loopback too (by default a proxy or monitor on "
         "the same host is not limited)"},
        {"request-timeout-s", L(request_timeout_s), "30", 1, 3600,
         "idle and read/write timeout of a client connection"},
        {"shutdown-timeout-s", L(shutdown_timeout_s), "10", 0, 600,
         "on SIGTERM, how long in-flight requests may take to finish"},
        {"session-hours", L(session_hours), "12", 1, 720, "lifetime of a login token"},
        {"scrypt-log-n", L(scrypt_log_n), "17", 10, 20,
         "scrypt cost for new password hashes (N = 2^value)"},
        {"login-max-failures", L(login_max_failures), "100", 1, 100000,
         "failed logins of one login within the window before 429 from addresses it never "
         "logged in from"},
        {"login-max-failures-per-addr", L(login_max_failures_per_addr), "100", 1, 100000,
         "failed logins from one address within the window before 429 for logins never used "
         "there"},
        {"login-window-minutes", L(login_window_minutes), "60", 1, 1440,
         "the login throttling window"},
        {"login-free-failures", L(login_free_failures), "5", 1, 1000,
         "failed logins of one login from one address within the window before each further "
         "attempt waits"},
        {"login-max-delay-s", L(login_max_delay_s), "900", 1, 86400,
         "the wait between attempts of one login from one address doubles from 1 s up to this"},
        {"login-known-days", L(login_known_days), "30", 1, 3650,
         "an address where a login succeeded this recently is not held back by the bounds per "
         "login and per address"},
        {"login-queue-max", L(login_queue_max), "64", 1, 100000,
         "password checks waiting for a hashing thread before logins answer 503"},
        {"link-days", L(link_days), "14", 1, 365,
         "a link for a node without accounts (accept by link) ends this many days after it "
         "was sent"},
        {"link-window-minutes", L(link_window_minutes), "60", 1, 1440,
         "the window in which failed uses of links are counted"},
        {"link-free-failures", L(link_free_failures), "5", 1, 1000,
         "failed link uses from one address within the window before each further use waits"},
        {"link-max-delay-s", L(link_max_delay_s), "900", 1, 86400,
         "the wait between link uses from one address after failures doubles from 1 s up to "
         "this"},
        {"link-max-failures-per-token", L(link_max_failures_per_token), "10", 1, 100000,
         "failed uses of one link (expired, revoked, another referral) within the window "
         "before 429"},
        {"trust-proxy", B(trust_proxy), "false", 0, 0,
         "take the client address from X-Forwarded-For (only behind your own proxy)"},
        {"tls-cert", S(tls_cert), NULL, 0, 0, "PEM certificate chain: serve HTTPS (TLS 1.2+)"},
        {"tls-key", S(tls_key), NULL, 0, 0, "PEM private key for --tls-cert"},
        {"tls-ciphers", S(tls_ciphers),
         "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
         "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
         "ECDHE-ECDSA-AES256-CCM:ECDHE-ECDSA-AES128-CCM",
         0, 0,
         "TLS 1.2 cipher suites (OpenSSL list): ECDHE with AEAD only, as BSI TR-02102-2 asks"},
        {"tls-ciphersuites", S(tls_ciphersuites),
         "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256", 0, 0,
         "TLS 1.3 cipher suites (OpenSSL list), those of BSI TR-02102-2"},
        {"hsts-max-age-s", L(hsts_max_age_s), "31536000", 0, 63072000,
         "Strict-Transport-Security max-age sent with every HTTPS answer (0: no header)"},
        {"log-level", S(log_level), "info", 0, 0, "debug, info, warn or error"},
        {"retention-days", L(retention_days), "1095", 1, 36500,
         "closed cases are deleted after this many days"},
        {"purge-interval-s", L(purge_interval_s), "86400", 1, 2592000,
         "how often pnetd purges closed cases past retention-days (first run within a minute)"},
        {"follow-up-interval-s", L(follow_up_interval_s), "60", 1, 3600,
         "how often pnetd looks for follow-up dates that have come (event case.follow_up_due)"},
        {"sse-heartbeat-s", L(sse_heartbeat_s), "15", 1, 3600,
         "an idle event stream gets a comment line this often"},
        {"sse-max-buffer-bytes", L(sse_max_buffer_bytes), "1048576", 4096, 64 * 1048576L,
         "an event stream whose client lets this much output pile up is closed"},
        {"webhook-allow-private", B(webhook_allow_private), "false", 0, 0,
         "let webhooks reach loopback, private and link-local addresses (tests only)"},
        {"webhook-allow-http", B(webhook_allow_http), "false", 0, 0,
         "accept http:// webhook URLs besides https:// (tests only)"},
        {"webhook-timeout-s", L(webhook_timeout_s), "10", 1, 300,
         "how long one webhook delivery may take (connect, send, answer)"},
        {"webhook-backoff-base-ms", L(webhook_backoff_base_ms), "30000", 1, 86400000,
         "pause after a webhook's first failed attempt; it doubles with each further one"},
        {"webhook-backoff-max-s", L(webhook_backoff_max_s), "21600", 1, 604800,
         "longest pause between two attempts of a webhook delivery"},
        {"webhook-give-up-s", L(webhook_give_up_s), "259200", 1, 2592000,
         "after this long without success a delivery fails and its webhook is disabled"},
        {"webhook-poll-ms", L(webhook_poll_ms), "1000", 10, 600000,
         "how often each process looks for due webhook deliveries (events wake it sooner)"},
        {"webhook-concurrency", L(webhook_concurrency), "32", 1, 1024,
         "webhook deliveries one process runs at once"},
        {"webhook-ca-file", S(webhook_ca_file), NULL, 0, 0,
         "PEM CA certificates for webhook TLS (unset: the system's)"},
        {"smtp-host", S(smtp_host), NULL, 0, 0,
         "SMTP server for notifications by e-mail (unset: no e-mail is sent; notices wait)"},
        {"smtp-port", L(smtp_port), "587", 1, 65535, "port of the SMTP server (submission)"},
        {"smtp-starttls", B(smtp_starttls), "true", 0, 0,
         "require STARTTLS (certificate and host name verified); false: use it when the "
         "server offers it, else send in plain text"},
        {"smtp-user", S(smtp_user), NULL, 0, 0, "user for SMTP AUTH PLAIN (unset: no AUTH)"},
        {"smtp-password-file", S(smtp_password_file), NULL, 0, 0,
         "file holding the SMTP password (its first line), read once at start"},
        {"smtp-ca-file", S(smtp_ca_file), NULL, 0, 0,
         "PEM CA certificates for the SMTP server's TLS (unset: the system's)"},
        {"smtp-timeout-s", L(smtp_timeout_s), "30", 1, 600,
         "how long the SMTP server may take for each answer"},
        {"mail-from", S(mail_from), "pnet@localhost", 0, 0,
         "sender address of notification e-mails"},
        {"public-url", S(public_url), "http://localhost:8080/", 0, 0,
         "the web app's address as its users reach it: the link in e-mails"},
        {"mail-batch-minutes", L(mail_batch_minutes), "15", 0, 1440,
         "at most one notification e-mail per account this often; what happens meanwhile "
         "waits for the next"},
        {"mail-poll-ms", L(mail_poll_ms), "5000", 10, 600000,
         "how often each process looks for notifications to send (events wake it sooner)"},
        {"mail-backoff-base-ms", L(mail_backoff_base_ms), "30000", 1, 86400000,
         "pause after an e-mail's first failed attempt; it doubles with each further one"},
        {"mail-backoff-max-s", L(mail_backoff_max_s), "3600", 1, 86400,
         "longest pause between two attempts of an e-mail"},
        {"overdue-interval-s", L(overdue_interval_s), "60", 1, 86400,
         "how often pnetd looks for referrals that newly passed a deadline (and at start)"},
        {"overdue-batch", L(overdue_batch), "1000", 1, 100000,
         "missed deadlines said by one statement; a full batch is followed by the next at "
         "once (a backlog after a long stop is said in parts, none cut off by the statement "
         "timeout)"},
};

static bool owned[ARRAY_SIZE(options)];

static void *field(const struct option *o)
{
	return (char *)&cfg + o->offset;
}

static int set_option(const struct option *o, const char *value, const char *origin)
{
	size_t i = (size_t)(o - options);
	long v;

	switch (o->type) {
	case OPT_STRING: {
		char **p = field(o);
		if (owned[i])
			free(*p);
		*p = value ? xstrdup(value) : NULL;
		owned[i] = value != NULL;
		return 0;
	}
	case OPT_LONG:
		if (util_parse_long(value, o->min, o->max, &v) < 0) {
			fprintf(stderr,
			        "pnetd: %s: %s must be a whole number from %ld to %ld, not "
			        "\"%s\"\n",
			        origin, o->name, o->min, o->max, value ? value : "");
			return -1;
		}
		*(long *)field(o) = v;
		return 0;
	case OPT_BOOL:
		if (!value || !strcmp(value, "true") || !strcmp(value, "1") ||
		    !strcmp(value, "yes")) {
			*(bool *)field(o) = true;
		} else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no")) {
			*(bool *)field(o) = false;
		} else {
			fprintf(stderr, "pnetd: %s: %s must be true or false, not \"%s\"\n", origin,
			        o->name, value);
			return -1;
		}
		return 0;
	}
	return -1;
}

static const struct option *find_option(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (strlen(options[i].name) == len && !strncmp(options[i].name, name, len))
			return &options[i];
	return NULL;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Lines "name = value"; '#' starts a comment; values may be double-quoted. */
static int load_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, rc = 0;

	if (!f) {
		fprintf(stderr, "pnetd: cannot read config file %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq, *key, *value;
		const struct option *o;
		char origin[512];

		lineno++;
		if (!*s || *s == '#')
			continue;
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "pnetd: %s: expected name = value\n", origin);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (*value == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
			value[strlen(value) - 1] = '\0';
			value++;
		}
		for (char *k = key; *k; k++)
			if (*k == '_')
				*k = '-';
		o = find_option(key, strlen(key));
		if (!o) {
			fprintf(stderr, "pnetd: %s: unknown option \"%s\"\n", origin, key);
			rc = -1;
			break;
		}
		if (set_option(o, value, origin) < 0) {
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

static void env_name(const struct option *o, char *out, size_t outlen)
{
	size_t n = (size_t)snprintf(out, outlen, "PNET_%s", o->name);
	for (size_t i = 5; i < n && i < outlen; i++)
		out[i] = out[i] == '-' ? '_' : (char)toupper((unsigned char)out[i]);
}

int config_load(int argc, char **argv, int first, char ***rest, int *nrest)
{
	const char *file = getenv("PNET_CONFIG");

	*rest = xcalloc((size_t)argc + 1, sizeof(char *));
	*nrest = 0;
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (set_option(&options[i], options[i].def, "default") < 0)
			return -1;

	for (int i = first; i < argc; i++) {
		if (!strncmp(argv[i], "--config=", 9))
			file = argv[i] + 9;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			file = argv[++i];
	}
	if (file && load_file(file) < 0)
		return -1;

	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		char name[128];
		const char *v;

		env_name(&options[i], name, sizeof(name));
		v = getenv(name);
		if (v && set_option(&options[i], v, name) < 0)
			return -1;
	}

	for (int i = first; i < argc; i++) {
		const char *arg = argv[i], *eq, *value;
		const struct option *o;
		size_t len;

		if (strncmp(arg, "--", 2) != 0) {
			(*rest)[(*nrest)++] = argv[i];
			continue;
		}
		arg += 2;
		if (!strncmp(arg, "config", 6) && (arg[6] == '\0' || arg[6] == '=')) {
			if (arg[6] == '\0')
				i++;
			continue;
		}
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg) : strlen(arg);
		o = find_option(arg, len);
		if (!o) {
			/* Subcommands take their own flags (create-admin --login): pass them on. */
			(*rest)[(*nrest)++] = argv[i];
			continue;
		}
		if (eq)
			value = eq + 1;
		else if (o->type == OPT_BOOL)
			value = "true";
		else if (i + 1 < argc)
			value = argv[++i];
		else {
			fprintf(stderr, "pnetd: --%s needs a value\n", o->name);
			return -1;
		}
		if (set_option(o, value, "command line") < 0)
			return -1;
	}

	if (strcmp(cfg.log_level, "debug") && strcmp(cfg.log_level, "info") &&
	    strcmp(cfg.log_level, "warn") && strcmp(cfg.log_level, "error")) {
		fprintf(stderr, "pnetd: log-level must be debug, info, warn or error\n");
		return -1;
	}
	if (!cfg.tls_cert != !cfg.tls_key) {
		fprintf(stderr, "pnetd: tls-cert and tls-key go together\n");
		return -1;
	}
	/* They go into SMTP commands and mail headers: one line each, an address. */
	if (strpbrk(cfg.mail_from, "\r\n<> ") || !strchr(cfg.mail_from, '@') ||
	    (cfg.smtp_host && strpbrk(cfg.smtp_host, "\r\n ")) ||
	    strpbrk(cfg.public_url, "\r\n ")) {
		fprintf(stderr,
		        "pnetd: mail-from must be an e-mail address; smtp-host and public-url "
		        "one word each\n");
		return -1;
	}
	if (!cfg.smtp_user != !cfg.smtp_password_file) {
		fprintf(stderr, "pnetd: smtp-user and smtp-password-file go together\n");
		return -1;
	}
	return 0;
}

static const char *type_name(const struct option *o)
{
	return o->type == OPT_STRING ? "text" : o->type == OPT_LONG ? "number" : "bool";
}

void config_print_help(FILE *out)
{
	fputs("usage: pnetd [serve] [options]         run the service\n"
	      "       pnetd migrate [options]         apply pending schema migrations and exit\n"
	      "       pnetd create-admin --login L [--display-name N] [--password-stdin] "
	      "[options]\n"
	      "                                       create an admin account (prints a generated\n"
	      "                                       password unless --password-stdin)\n"
	      "       pnetd hsds-import FILE [options] load an Open Referral HSDS 3.0 export (one\n"
	      "                                       transaction, upsert by id; docs/hsds.md)\n"
	      "       pnetd purge [options]           delete closed cases past --retention-days "
	      "now\n"
	      "                                       (statistics keep anonymous rows), and old\n"
	      "                                       idempotency keys and login failures\n"
	      "       pnetd routes                    list the API routes (METHOD /path)\n"
	      "       pnetd --help | --help-markdown | --version\n\n"
	      "Every option is also read from the environment as PNET_<NAME> (upper case, '-' as\n"
	      "'_') and from the file named by --config FILE or PNET_CONFIG (lines name = value).\n"
	      "A flag beats the environment, which beats the file.\n\noptions:\n",
	      out);
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option *o = &options[i];
		char env[128], head[96];

		env_name(o, env, sizeof(env));
		snprintf(head, sizeof(head), "--%s=%s", o->name, type_name(o));
		fprintf(out, "  %-34s %s\n  %-34s [%s; default: %s]\n", head, o->help, "", env,
		        o->def ? o->def : "unset");
	}
	fputs("  --config=FILE                      read options from FILE [PNET_CONFIG]\n", out);
}

/* A default as documented: paths inside the source tree are shown relative to it. */
static const char *doc_default(const struct option *o, char *buf, size_t len)
{
	size_t n = strlen(PNET_SOURCE_DIR);

	if (!o->def)
		return "unset";
	if (!strncmp(o->def, PNET_SOURCE_DIR, n) && o->def[n] == '/') {
		snprintf(buf, len, "<source>%s", o->def + n);
		return buf;
	}
	return o->def;
}

void config_print_markdown(FILE *out)
{
	fputs("| option | environment | type | default | range | meaning |\n"
	      "|---|---|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option *o = &options[i];
		char env[128], range[64] = "", def[256];

		env_name(o, env, sizeof(env));
		if (o->type == OPT_LONG)
			snprintf(range, sizeof(range), "%ld–%ld", o->min, o->max);
		fprintf(out, "| `--%s` | `%s` | %s | %s | %s | %s |\n", o->name, env, type_name(o),
		        doc_default(o, def, sizeof(def)), range, o->help);
	}
}

void config_free(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (options[i].type == OPT_STRING && owned[i]) {
			free(*(char **)field(&options[i]));
			*(char **)field(&options[i]) = NULL;
			owned[i] = false;
		}
	}
}
