/* The glue every command uses: argument parsing, the request call and how answers print. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "config.h"
#include "http.h"
#include "table.h"
#include "validate.h"

struct cli_globals cli = {.timeout = 30};

/* Set while looking up node names: a failed lookup is not worth a message. */
static bool quiet;

static const char *command_name = "";
static const char *command_usage = "";

void cli_set_command(const char *name, const char *usage)
{
	command_name = name;
	command_usage = usage;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pnet %s: ", command_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: pnet %s\nTry 'pnet %s --help'.\n", command_usage, command_name);
	return EXIT_USAGE;
}

bool cli_uuid_arg(const char *s, const char *what)
{
	if (validate_uuid(s))
		return true;
	cli_usage("%s must be a UUID, not '%s'", what, s);
	return false;
}

static const struct cli_opt *find_opt(const struct cli_opt *opts, size_t nopts, const char *name,
                                      size_t len)
{
	for (size_t i = 0; i < nopts; i++)
		if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len))
			return &opts[i];
	return NULL;
}

int cli_parse(int argc, char **argv, const struct cli_opt *opts, size_t nopts, int min_pos,
              int max_pos, const char *pos[CLI_MAX_POSITIONAL], int *npos)
{
	bool options = true;

	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && !strcmp(a, "--")) {
			options = false;
			continue;
		}
		if (options && !strncmp(a, "--", 2)) {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			const struct cli_opt *o = find_opt(opts, nopts, a + 2, len);
			if (!o)
				return cli_usage("unknown option %.*s", (int)len + 2, a);
			if (!o->has_arg) {
				if (eq)
					return cli_usage("option --%s takes no value", o->name);
				*o->flag = true;
			} else if (eq) {
				*o->value = eq + 1;
			} else if (i + 1 < argc) {
				*o->value = argv[++i];
			} else {
				return cli_usage("option --%s needs a value", o->name);
			}
			continue;
		}
		if (options && a[0] == '-' && a[1])
			return cli_usage("unknown option %s", a);
		if (*npos >= max_pos || *npos >= CLI_MAX_POSITIONAL)
			return cli_usage("unexpected argument '%s'", a);
		pos[(*npos)++] = a;
	}
	if (*npos < min_pos)
		return cli_usage("missing argument");
	return 0;
}

int cli_parse_options(int argc, char **argv, const struct cli_opt *opts, size_t nopts)
{
	const char *pos[CLI_MAX_POSITIONAL];
	int npos;

	return cli_parse(argc, argv, opts, nopts, 0, 0, pos, &npos);
}

int cli_parse_id(int argc, char **argv, const struct cli_opt *opts, size_t nopts, const char *what,
                 const char **id)
{
	const char *pos[CLI_MAX_POSITIONAL];
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, nopts, 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], what))
		return EXIT_USAGE;
	*id = pos[0];
	return 0;
}

void cli_query_init(struct cli_query *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&q->text, fmt, ap) < 0)
		abort();
	va_end(ap);
}

void cli_query_add(struct cli_query *q, const char *name, const char *value)
{
	char *enc, *text;

	if (!value)
		return;
	enc = evhttp_uriencode(value, -1, 0);
	if (!enc)
		abort();
	if (asprintf(&text, "%s%c%s=%s", q->text, strchr(q->text, '?') ? '&' : '?', name, enc) < 0)
		abort();
	free(enc);
	free(q->text);
	q->text = text;
}

void cli_query_free(struct cli_query *q)
{
	free(q->text);
	q->text = NULL;
}

/* Print a problem answer: "pnet: Title: detail" and one line per listed error. */
static void print_problem(const struct http_response *resp)
{
	json_t *p = json_loadb(resp->body, resp->len, 0, NULL);
	const char *title = json_string_value(json_object_get(p, "title"));
	const char *detail = json_string_value(json_object_get(p, "detail"));
	json_t *errors = json_object_get(p, "errors"), *e, *allowed;
	size_t i;

	if (!title) {
		fprintf(stderr, "pnet: the server answered %d\n", resp->status);
		json_decref(p);
		return;
	}
	fprintf(stderr, "pnet: %s", title);
	if (detail)
		fprintf(stderr, ": %s", detail);
	fputc('\n', stderr);
	json_array_foreach(errors, i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *message = json_string_value(json_object_get(e, "message"));
		const char *step = json_string_value(json_object_get(e, "step"));
		fprintf(stderr, "  %s%s%s%s: %s\n", step ? "step " : "", step ? step : "",
		        step ? " " : "", field ? field : "-", message ? message : "invalid");
	}
	allowed = json_object_get(p, "allowed");
	if (json_is_array(allowed)) {
		fprintf(stderr, "  allowed now:");
		if (!json_array_size(allowed))
			fprintf(stderr, " nothing");
		json_array_foreach(allowed, i, e)
			fprintf(stderr, " %s", json_string_value(e));
		fputc('\n', stderr);
	}
	json_decref(p);
}

const char *cli_server_url(const struct session *s)
{
	const char *server = cli.server ? cli.server : getenv("PNET_SERVER");

	if (!server || !*server)
		server = s->server ? s->server : CLI_DEFAULT_SERVER;
	return server;
}

/* The server to talk to and, when it was saved for that same server, the token. */
static int resolve(struct http_target *t, struct session *s, const char **token)
{
	const char *server;
	char err[200];

	*token = NULL;
	if (config_load(s) < 0)
		return EXIT_REFUSED;
	server = cli_server_url(s);
	if (!http_target_parse(server, t, err, sizeof(err))) {
		fprintf(stderr, "pnet: %s: %s\n", server, err);
		return EXIT_USAGE;
	}
	/* A token is sent only to the server it was issued by. */
	if (getenv("PNET_TOKEN") && *getenv("PNET_TOKEN"))
		*token = getenv("PNET_TOKEN");
	else if (s->token && s->server && !strcmp(s->server, server))
		*token = s->token;
	return EXIT_OK;
}

static int call(const char *method, const char *path, const json_t *body, long if_match,
                json_t **out, bool anonymous)
{
	struct http_options o = {.cacert = cli.cacert, .timeout = cli.timeout};
	struct http_response resp;
	struct http_target t;
	struct session s;
	const char *token;
	char *text = NULL, *full = NULL, etag[32], err[300];
	int rc;

	if (out)
		*out = NULL;
	rc = resolve(&t, &s, &token);
	if (rc != EXIT_OK)
		goto out;
	if (!anonymous && !token) {
		if (!quiet)
			fprintf(stderr, "pnet: not logged in to %s (run pnet login)\n",
			        cli.server ? cli.server
			        : s.server ? s.server
			                   : "the server");
		rc = EXIT_REFUSED;
		goto out;
	}
	if (body) {
		text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!text)
			abort();
	}
	if (if_match >= 0)
		snprintf(etag, sizeof(etag), "\"%ld\"", if_match);
	if (asprintf(&full, "%s%s", t.prefix, path) < 0)
		abort();
	if (http_send(&t, &o, method, full, anonymous ? NULL : token, text,
	              if_match >= 0 ? etag : NULL, &resp, err, sizeof(err)) < 0) {
		if (!quiet)
			fprintf(stderr, "pnet: cannot reach %s%s:%d: %s\n",
			        t.tls ? "https://" : "http://", t.host, t.port, err);
		rc = EXIT_CONNECT;
		goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		if (!quiet)
			print_problem(&resp);
		rc = EXIT_REFUSED;
	} else if (resp.len && out) {
		json_error_t error;
		*out = json_loadb(resp.body, resp.len, 0, &error);
		if (!*out) {
			fprintf(stderr, "pnet: the server's answer is not JSON: %s\n", error.text);
			rc = EXIT_REFUSED;
		}
	}
	http_response_clear(&resp);
out:
	free(full);
	free(text);
	config_clear(&s);
	return rc;
}

int cli_call(const char *method, const char *path, const json_t *body, long if_match, json_t **out)
{
	return call(method, path, body, if_match, out, false);
}

int cli_call_anonymous(const char *method, const char *path, const json_t *body, json_t **out)
{
	return call(method, path, body, -1, out, true);
}

int cli_send(const char *method, const char *path, json_t *body, long if_match, json_t **out)
{
	int rc = cli_call(method, path, body, if_match, out);

	json_decref(body);
	return rc;
}

int cli_get_version(const char *path, long *version)
{
	json_t *obj;
	int rc;

	if ((rc = cli_call("GET", path, NULL, -1, &obj)))
		return rc;
	*version = (long)json_integer_value(json_object_get(obj, "version"));
	json_decref(obj);
	return EXIT_OK;
}

int cli_list(const char *path, bool all, json_t **items, char **next)
{
	char *after = NULL;
	int rc;

	*items = json_array();
	*next = NULL;
	for (;;) {
		struct cli_query q;
		json_t *page;
		const char *cursor;

		cli_query_init(&q, "%s", path);
		cli_query_add(&q, "after", after);
		rc = cli_call("GET", q.text, NULL, -1, &page);
		cli_query_free(&q);
		free(after);
		after = NULL;
		if (rc != EXIT_OK)
			break;
		json_array_extend(*items, json_object_get(page, "items"));
		cursor = json_string_value(json_object_get(page, "next"));
		if (cursor)
			after = strdup(cursor);
		json_decref(page);
		if (!after || !all)
			break;
	}
	if (rc != EXIT_OK) {
		json_decref(*items);
		*items = NULL;
	}
	*next = after;
	return rc;
}

void cli_print_json(const json_t *value)
{
	char *text = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	if (!text)
		abort();
	puts(text);
	free(text);
}

void cli_print_list_json(json_t *items, const char *next)
{
	json_t *doc = json_pack("{s:O, s:s?}", "items", items, "next", next);

	if (!next)
		json_object_set_new(doc, "next", json_null());
	cli_print_json(doc);
	json_decref(doc);
}

int cli_done(json_t *answer, const char *fmt, ...)
{
	va_list ap;

	if (cli.json) {
		cli_print_json(answer ? answer : json_null());
	} else {
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	json_decref(answer);
	return EXIT_OK;
}

void cli_row_keys(const json_t *item, const char **cells, const void *ctx)
{
	const char *const *keys = ctx;

	for (size_t i = 0; keys[i]; i++)
		cells[i] = cli_text(item, keys[i]);
}

void cli_print_table(const struct cli_table *t, const json_t *items)
{
	struct table *table;
	json_t *item;
	size_t i;

	if (t->ncols > CLI_TABLE_MAX_COLS)
		abort();
	table = table_new(t->ncols, t->headers);
	json_array_foreach(items, i, item) {
		const char *cells[CLI_TABLE_MAX_COLS] = {NULL};
		t->row(item, cells, t->ctx);
		table_add(table, cells);
	}
	table_print(table, stdout);
	table_free(table);
}

int cli_show_list(const char *path, bool all, const struct cli_table *t)
{
	json_t *items;
	char *next;
	int rc;

	if ((rc = cli_list(path, all, &items, &next)))
		return rc;
	if (cli.json) {
		cli_print_list_json(items, next);
	} else {
		cli_print_table(t, items);
		if (next)
			printf("(more: --after %s, or --all)\n", next);
	}
	json_decref(items);
	free(next);
	return EXIT_OK;
}

int cli_show_page(struct cli_query *q, const struct cli_paging *p, const struct cli_table *t)
{
	int rc;

	cli_query_add(q, "limit", p->limit);
	cli_query_add(q, "after", p->after);
	rc = cli_show_list(q->text, p->all, t);
	cli_query_free(q);
	return rc;
}

const char *cli_text(const json_t *obj, const char *key)
{
	static char ring[16][64];
	static unsigned next;
	const json_t *v = json_object_get(obj, key);
	char *buf;

	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	buf = ring[next++ % 16];
	if (json_is_integer(v))
		snprintf(buf, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, 64, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, 64, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_array(v)) {
		/* Arrays of strings read as "a, b, c" (cut to the buffer). */
		size_t i, used = 0;
		json_t *e;
		buf[0] = '\0';
		json_array_foreach(v, i, e) {
			const char *s = json_string_value(e);
			int n = snprintf(buf + used, 64 - used, "%s%s", i ? ", " : "", s ? s : "?");
			if (n < 0 || (size_t)n >= 64 - used)
				break;
			used += (size_t)n;
		}
	} else
		snprintf(buf, 64, "{...}");
	return buf;
}

void cli_print_fields(const json_t *obj, const char *const *keys)
{
	size_t width = 0;

	for (size_t i = 0; keys[i]; i++)
		if (strlen(keys[i]) > width)
			width = strlen(keys[i]);
	for (size_t i = 0; keys[i]; i++) {
		const char *v = cli_text(obj, keys[i]);
		printf("%s:%*s ", keys[i], (int)(width - strlen(keys[i])), "");
		if (!v || !*v)
			v = "-";
		/* Multi-line text (notes) continues under the value column. */
		for (; *v; v++) {
			putchar(*v);
			if (*v == '\n')
				printf("%*s", (int)width + 2, "");
		}
		putchar('\n');
	}
}

/* A small cache of node names for tables that only have node ids. */
static struct node_name {
	char *id, *name;
} * names;
static size_t nnames;

const char *cli_node_name(const char *id)
{
	char path[64];
	json_t *node;
	const char *name;

	if (!id)
		return NULL;
	for (size_t i = 0; i < nnames; i++)
		if (!strcmp(names[i].id, id))
			return names[i].name;
	names = realloc(names, (nnames + 1) * sizeof(*names));
	if (!names)
		abort();
	snprintf(path, sizeof(path), "/v1/nodes/%s", id);
	/* A failed lookup (say, no directory:read scope) shows the id, without a message. */
	quiet = true;
	if (cli_call("GET", path, NULL, -1, &node) != EXIT_OK)
		node = NULL;
	quiet = false;
	name = json_string_value(json_object_get(node, "name"));
	names[nnames].id = strdup(id);
	names[nnames].name = strdup(name ? name : id);
	json_decref(node);
	return names[nnames++].name;
}

void cli_node_names_free(void)
{
	for (size_t i = 0; i < nnames; i++) {
		free(names[i].id);
		free(names[i].name);
	}
	free(names);
	names = NULL;
	nnames = 0;
}

json_t *cli_load_json_file(const char *path)
{
	json_error_t error;
	json_t *doc = !strcmp(path, "-") ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &error)
	                                 : json_load_file(path, JSON_REJECT_DUPLICATES, &error);

	if (!doc)
		fprintf(stderr, "pnet: %s: %s (line %d, column %d)\n", path, error.text, error.line,
		        error.column);
	return doc;
}
