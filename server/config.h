/*
 * pnetd's settings: one declarative table (config.c) gives each option its name, type,
 * range, default and help text, so that --help, docs/operations.md and validation agree.
 * Precedence: command-line flag > PNET_* environment > config file > default.
 */
#ifndef PNET_CONFIG_H
#define PNET_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
	char *listen;
	long port;
	long workers;
	char *database;
	char *database_read; /* "" when reads go to the primary too */
	long db_pool_size;
	long db_queue_max;
	long db_pipeline;
	long db_queue_timeout_ms;
	long db_statement_timeout_ms;
	long db_reconnect_max_ms;
	char *schema_dir;
	bool migrate;
	char *web_dir;
	char *docs_dir;
	long max_body_bytes;
	long max_unauthenticated_bytes;
	long max_connections;
	long max_connections_per_addr;
	bool limit_loopback;
	long request_timeout_s;
	long shutdown_timeout_s;
	long session_hours;
	long scrypt_log_n;
	long login_max_failures;
	long login_max_failures_per_addr;
	long login_window_minutes;
	long login_free_failures;
	long login_max_delay_s;
	long login_known_days;
	long login_queue_max;
	long link_days;
	long link_window_minutes;
	long link_free_failures;
	long link_max_delay_s;
	long link_max_failures_per_token;
	bool trust_proxy;
	char *tls_cert;
	char *tls_key;
	char *tls_ciphers;
	char *tls_ciphersuites;
	long hsts_max_age_s;
	char *log_level;
	long retention_days;
	long purge_interval_s;
	long follow_up_interval_s;
	long sse_heartbeat_s;
	long sse_max_buffer_bytes;
	bool webhook_allow_private;
	bool webhook_allow_http;
	long webhook_timeout_s;
	long webhook_backoff_base_ms;
	long webhook_backoff_max_s;
	long webhook_give_up_s;
	long webhook_poll_ms;
	long webhook_concurrency;
	char *webhook_ca_file;
	char *smtp_host;
	long smtp_port;
	bool smtp_starttls;
	char *smtp_user;
	char *smtp_password_file;
	char *smtp_ca_file;
	long smtp_timeout_s;
	char *mail_from;
	char *public_url;
	long mail_batch_minutes;
	long mail_poll_ms;
	long mail_backoff_base_ms;
	long mail_backoff_max_s;
	long overdue_interval_s;
	long overdue_batch;
};

/* The settings in force; filled once by config_load before any thread starts. */
extern struct config cfg;

/*
 * Fill cfg from defaults, the config file (--config or PNET_CONFIG), the environment and
 * argv[first..argc). Positional arguments that are not options are left in *rest (the caller
 * frees the array, not the strings). Returns 0, or -1 after printing why to stderr.
 */
int config_load(int argc, char **argv, int first, char ***rest, int *nrest);

/* Print the options as --help text. */
void config_print_help(FILE *out);

/* Print the options as a Markdown table (for docs/operations.md). */
void config_print_markdown(FILE *out);

/* Release what config_load allocated. */
void config_free(void);

#endif
