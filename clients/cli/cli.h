/*
 * What every command of pnet shares: the global options, the exit codes, argument parsing,
 * and one call that sends a request to the configured server and reports failures the same
 * way everywhere (problem title and detail on stderr).
 */
#ifndef PNET_CLI_H
#define PNET_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* Exit codes (documented in docs/pnet.1): scripts rely on them. */
enum cli_exit {
	EXIT_OK = 0,      /* done */
	EXIT_REFUSED = 1, /* the server refused: a 4xx/5xx answer (or not logged in) */
	EXIT_USAGE = 2,   /* bad command line; nothing was sent */
	EXIT_CONNECT = 3, /* no answer: DNS, connection refused, TLS failure, timeout */
};

/* Options that apply to every command (they may stand anywhere on the command line). */
struct cli_globals {
	const char *server; /* --server, else $PNET_SERVER, else the saved one */
	const char *cacert; /* --cacert: PEM file of the CA(s) to trust instead of the system's */
	long timeout;       /* --timeout in seconds for one request */
	bool json;          /* --json: print the API's JSON instead of tables */
};

extern struct cli_globals cli;

/* One long option of a command: with has_arg it sets *value, otherwise *flag = true. */
struct cli_opt {
	const char *name;
	bool has_arg;
	const char **value;
	bool *flag;
};

#define CLI_MAX_POSITIONAL 8

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Parse argv[1..argc) (argv[0] is the command word) into opts and positional arguments:
 * "--name value", "--name=value", "--flag", "--" ends the options. Between min_pos and
 * max_pos positional arguments go into pos[]. On error prints a usage message and returns
 * EXIT_USAGE; otherwise returns 0 and sets *npos.
 */
int cli_parse(int argc, char **argv, const struct cli_opt *opts, size_t nopts, int min_pos,
              int max_pos, const char *pos[CLI_MAX_POSITIONAL], int *npos);

/* cli_parse for a command that takes options only, no positional argument. */
int cli_parse_options(int argc, char **argv, const struct cli_opt *opts, size_t nopts);

/*
 * cli_parse for a command that takes exactly one positional argument, a UUID (named what in
 * the message when it is not one): on success returns 0 and points *id at it.
 */
int cli_parse_id(int argc, char **argv, const struct cli_opt *opts, size_t nopts, const char *what,
                 const char **id);

/* The paging options of a list command, and their cli_opt entries. */
struct cli_paging {
	const char *limit; /* --limit N */
	const char *after; /* --after CURSOR */
	bool all;          /* --all: every page */
};
/* clang-format off */
#define CLI_PAGING_OPTS(p)                                                                         \
	{"limit", true, &(p).limit},                                                               \
	{"after", true, &(p).after},                                                               \
	{"all", false, NULL, &(p).all}
/* clang-format on */

/* Print "pnet CMD: message", the command's usage and a hint to stderr; returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Check that s is a UUID (for argument what); prints a usage error when it is not. */
bool cli_uuid_arg(const char *s, const char *what);

/* Set by main: the usage line and name of the command being run, for cli_usage. */
void cli_set_command(const char *name, const char *usage);

/*
 * A growing query string: cli_query_add appends "&name=value" with value percent-encoded,
 * skipping NULL values. q->text starts as the path.
 */
struct cli_query {
	char *text;
};
void cli_query_init(struct cli_query *q, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void cli_query_add(struct cli_query *q, const char *name, const char *value);
void cli_query_free(struct cli_query *q);

/*
 * Send one request to the server with the saved token. body (borrowed, may be NULL) is sent
 * as JSON; if_match >= 0 sends If-Match: "<if_match>". On a 2xx answer returns EXIT_OK and
 * *out holds the parsed JSON (NULL for an empty body; the caller frees it); otherwise
 * prints the problem to stderr and returns EXIT_REFUSED or EXIT_CONNECT. out may be NULL.
 */
int cli_call(const char *method, const char *path, const json_t *body, long if_match, json_t **out);

/* cli_call that frees body (which may be NULL) whatever the outcome. */
int cli_send(const char *method, const char *path, json_t *body, long if_match, json_t **out);

/* GET path and set *version to the object's "version" (to send as If-Match). */
int cli_get_version(const char *path, long *version);

/* Like cli_call, but sends no token (login). */
int cli_call_anonymous(const char *method, const char *path, const json_t *body, json_t **out);

/*
 * GET a paginated list: one page, or with all every page ("next" followed). *items is the
 * items array (caller frees); *next the cursor of the following page or NULL (caller frees).
 */
int cli_list(const char *path, bool all, json_t **items, char **next);

#define CLI_DEFAULT_SERVER "http://localhost:8080"

struct session;

/* The server URL in effect: --server, $PNET_SERVER, the saved one, or the default. */
const char *cli_server_url(const struct session *s);

/* Print a JSON value for scripts (indented, keys in the API's order) to stdout. */
void cli_print_json(const json_t *value);

/* Print a list for --json: {"items": [...], "next": cursor|null}. */
void cli_print_list_json(json_t *items, const char *next);

/*
 * The end of a command that got answer: with --json prints it (null when there is none),
 * otherwise the text fmt makes. Frees answer and returns EXIT_OK.
 */
int cli_done(json_t *answer, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How the items of a list print as a table: the headers and what one row shows. */
#define CLI_TABLE_MAX_COLS 16
struct cli_table {
	size_t ncols; /* at most CLI_TABLE_MAX_COLS */
	const char *const *headers;
	/* Fill cells[0..ncols) for item (NULL shows as "-"); ctx is the one below. */
	void (*row)(const json_t *item, const char **cells, const void *ctx);
	const void *ctx;
};

/* A row function whose ctx is a NULL-terminated array of keys: cell i is cli_text of key i. */
void cli_row_keys(const json_t *item, const char **cells, const void *ctx);

/* Print items (an array) as the table t describes. */
void cli_print_table(const struct cli_table *t, const json_t *items);

/*
 * GET the list at path (every page with all) and print it: with --json as cli_print_list_json,
 * otherwise as the table t and, when there are more pages, how to get them.
 */
int cli_show_list(const char *path, bool all, const struct cli_table *t);

/* cli_show_list of q with p's --limit and --after added to it (in that order); frees q. */
int cli_show_page(struct cli_query *q, const struct cli_paging *p, const struct cli_table *t);

/*
 * Text of a member for tables: strings as they are, numbers and booleans as JSON, null or
 * absent as NULL. The result lives in a small rotating buffer when not a string.
 */
const char *cli_text(const json_t *obj, const char *key);

/* Print "label: value" lines, labels aligned, for the given keys of obj (NULL shown as -). */
void cli_print_fields(const json_t *obj, const char *const *keys);

/* The name of node id (looked up once and cached; the id itself when that fails). */
const char *cli_node_name(const char *id);
void cli_node_names_free(void);

/* Read a whole file (or stdin for "-") as JSON; prints the error and returns NULL. */
json_t *cli_load_json_file(const char *path);

#endif
