/*
 * Versions of a service chain: each holds the whole step graph. A version is born a draft
 * (empty or a copy of the published one), its graph is replaced with PUT while it is one,
 * and publishing it retires the version published before; published and retired versions
 * never change (409). The graph is checked by lib/chain.c on every PUT and again on publish,
 * and by the database function chain_graph_problems (schema/functions/chain_versions.sql:
 * categories exist, providers are active members) whatever lib/chain.c found, so that every
 * problem is reported at once, each with its step key.
 * Coordinators see drafts; caseworkers of member nodes only published and retired versions.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "api.h"
#include "chain.h"
#include "chains.h"
#include "chain_versions_sql.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"

/* Limits of one graph (the database allows positions up to 10000). */
#define STEPS_MAX     200
#define EDGES_MAX     1000
#define PROVIDERS_MAX 50

static const char *const from_values[] = {"current", "empty", NULL};

static const struct json_field create_fields[] = {
        {"from", JF_ENUM, 0, 0, 0, from_values},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
};

static const struct json_field graph_fields[] = {
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
        {"steps", JF_ARRAY, JF_REQUIRED, 0, STEPS_MAX},
        {"edges", JF_ARRAY, JF_REQUIRED, 0, EDGES_MAX},
};

/* Key, category and the edge ends are checked by chain_validate (with the step named). */
static const struct json_field step_fields[] = {
        {"key", JF_STRING, JF_REQUIRED},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"category", JF_STRING, JF_REQUIRED},
        {"required", JF_BOOLEAN, 0},
        {"target_days_to_accept", JF_INTEGER, JF_NULLABLE, 1, 90},
        {"target_days_to_start", JF_INTEGER, JF_NULLABLE, 1, 365},
        {"guidance", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
        {"providers", JF_UUID_ARRAY, 0, 0, PROVIDERS_MAX},
};

static const struct json_field edge_fields[] = {
        {"from", JF_STRING, JF_REQUIRED},
        {"to", JF_STRING, JF_REQUIRED},
        {"label", JF_STRING, JF_NULLABLE, 1, 200},
};

/* A chain graph read from the API's JSON; the strings point into that JSON. */
struct graph {
	struct chain_step *steps;
	struct chain_edge *edges;
	const char **providers; /* every step's providers, one after the other */
	struct chain_graph g;
};

static void graph_clear(struct graph *gr)
{
	free(gr->steps);
	free(gr->edges);
	free(gr->providers);
	memset(gr, 0, sizeof(*gr));
}

/* A step's target days as chain_validate takes them: 0 for none (or one already refused). */
static int target_days(const json_t *step, const char *name)
{
	const json_t *v = json_object_get(step, name);
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

	return n >= 1 && n <= 3650 ? (int)n : 0;
}

/*
 * Read body's steps and edges into gr. Values of the wrong type read as NULL (or 0, or no
 * provider): json_check_object reports those, and the graph checks then do not repeat them.
 */
static void graph_read(const json_t *body, struct graph *gr)
{
	const json_t *steps = json_object_get(body, "steps"),
	             *edges = json_object_get(body, "edges");
	size_t n_steps = json_is_array(steps) ? json_array_size(steps) : 0;
	size_t n_edges = json_is_array(edges) ? json_array_size(edges) : 0;
	size_t n_providers = 0, used = 0;

	memset(gr, 0, sizeof(*gr));
	for (size_t i = 0; i < n_steps; i++) {
		const json_t *p = json_object_get(json_array_get(steps, i), "providers");
		n_providers += json_is_array(p) ? json_array_size(p) : 0;
	}
	gr->steps = xcalloc(n_steps ? n_steps : 1, sizeof(*gr->steps));
	gr->edges = xcalloc(n_edges ? n_edges : 1, sizeof(*gr->edges));
	gr->providers = xcalloc(n_providers ? n_providers : 1, sizeof(*gr->providers));
	for (size_t i = 0; i < n_steps; i++) {
		const json_t *step = json_array_get(steps, i), *providers, *item;
		struct chain_step *s = &gr->steps[i];
		size_t k;

		s->key = json_get_string(step, "key");
		s->name = json_get_string(step, "name");
		s->category = json_get_string(step, "category");
		s->required = !json_is_false(json_object_get(step, "required"));
		s->target_days_to_accept = target_days(step, "target_days_to_accept");
		s->target_days_to_start = target_days(step, "target_days_to_start");
		s->providers = gr->providers + used;
		providers = json_object_get(step, "providers");
		json_array_foreach(providers, k, item) {
			const char *id = json_string_value(item);
			bool again = false;

			for (size_t q = 0; id && q < s->n_providers && !again; q++)
				again = strcasecmp(s->providers[q], id) == 0;
			if (id && validate_uuid(id) && !again)
				gr->providers[used + s->n_providers++] = id;
		}
		used += s->n_providers;
	}
	for (size_t e = 0; e < n_edges; e++) {
		const json_t *edge = json_array_get(edges, e);

		gr->edges[e].from = json_get_string(edge, "from");
		gr->edges[e].to = json_get_string(edge, "to");
	}
	gr->g = (struct chain_graph){gr->steps, n_steps, gr->edges, n_edges};
}

static bool same_key(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

/*
 * Where the issues were last found, to tell steps with the same key (or none) apart: the
 * per-step checks and the reachability check each go through the steps in order.
 */
struct issue_cursor {
	size_t per_step;
	size_t unreachable;
};

/* The index of the step an issue is about, or -1. */
static long issue_step(const struct graph *gr, const struct chain_issue *it,
                       struct issue_cursor *cur)
{
	const struct chain_graph *g = &gr->g;
	bool repeat = !strcmp(it->code, "duplicate_key");
	size_t *at = &cur->per_step;

	if (!strcmp(it->code, "unreachable"))
		at = &cur->unreachable;
	else if (!strcmp(it->code, "cycle"))
		at = NULL; /* named after the first step with the key */
	for (size_t i = at ? *at : 0; i < g->n_steps; i++) {
		if (!same_key(g->steps[i].key, it->step))
			continue;
		if (repeat) {
			/* The repeat, not the first step with the key. */
			size_t first = 0;
			while (!same_key(g->steps[first].key, it->step))
				first++;
			if (first == i)
				continue;
		}
		if (at)
			*at = !strcmp(it->code, "unreachable") ? i + 1 : i;
		return (long)i;
	}
	return -1;
}

/* The field an issue of lib/chain.c is about, in the request's terms. */
static void issue_field(const struct graph *gr, const struct chain_issue *it,
                        struct issue_cursor *cur, char *out, size_t len)
{
	static const struct {
		const char *code, *field;
	} fields[] = {
	        {"invalid_key", "key"},
	        {"reserved_key", "key"},
	        {"duplicate_key", "key"},
	        {"invalid_name", "name"},
	        {"invalid_category", "category"},
	        {"invalid_target", "target_days_to_accept"},
	        {"invalid_provider", "providers"},
	        {"duplicate_provider", "providers"},
	        {"no_providers", "providers"},
	        {"start_before_accept", "target_days_to_start"},
	};
	long step;

	if (it->edge >= 0) {
		snprintf(out, len, "edges[%ld]", it->edge);
		return;
	}
	if (!strcmp(it->code, "no_steps")) {
		snprintf(out, len, "steps");
		return;
	}
	if (!strcmp(it->code, "no_start")) {
		snprintf(out, len, "edges");
		return;
	}
	step = issue_step(gr, it, cur);
	if (step < 0) {
		snprintf(out, len, "steps");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!strcmp(fields[i].code, it->code)) {
			snprintf(out, len, "steps[%ld].%s", step, fields[i].field);
			return;
		}
	}
	snprintf(out, len, "steps[%ld]", step);
}

/* Whether errors already holds a problem named field, or one about all of it ("steps[2]"). */
static bool has_field(const json_t *errors, const char *field)
{
	size_t i;
	json_t *item;

	json_array_foreach(errors, i, item) {
		const char *f = json_get_string(item, "field");
		size_t n = f ? strlen(f) : 0;
		if (f && !strncmp(f, field, n) && (field[n] == '\0' || field[n] == '.'))
			return true;
	}
	return false;
}

/* Whether errors holds a problem about field or a part of it ("edges[1].to" for "edges[1]"). */
static bool has_field_within(const json_t *errors, const char *field)
{
	size_t i, n = strlen(field);
	json_t *item;

	json_array_foreach(errors, i, item) {
		const char *f = json_get_string(item, "field");
		if (f && !strncmp(f, field, n) && (f[n] == '\0' || f[n] == '.'))
			return true;
	}
	return false;
}

/* Append the issues to list as {field, step, code, message}, leaving out named fields. */
static void add_issues(const struct graph *gr, const struct chain_issue *issues, size_t n,
                       json_t *list)
{
	struct issue_cursor cur = {0};

	for (size_t i = 0; i < n; i++) {
		char field[64];
		json_t *item;

		issue_field(gr, &issues[i], &cur, field, sizeof(field));
		/* What the field checks said already is not said again (an edge without "to"). */
		if (issues[i].edge >= 0
		            ? has_field_within(list, field)
		            : has_field(list, field) && strcmp(issues[i].code, "cycle") != 0)
			continue;
		item = json_pack("{s:s, s:s?, s:s, s:s}", "field", field, "step", issues[i].step,
		                 "code", issues[i].code, "message", issues[i].message);
		if (!item)
			item = json_pack("{s:s, s:s, s:s}", "field", field, "code", issues[i].code,
			                 "message", "(the message is not valid text)");
		json_array_append_new(list, item);
	}
}

/* Give the problems json_check_object found in items of array name a code and the step key. */
static void mark_field_errors(json_t *errors, size_t from, const json_t *steps)
{
	for (size_t i = from; i < json_array_size(errors); i++) {
		json_t *item = json_array_get(errors, i);
		const char *field = json_get_string(item, "field");
		unsigned long index;

		json_object_set_new(item, "code", json_string("invalid_field"));
		if (field && sscanf(field, "steps[%lu]", &index) == 1) {
			const char *key = json_get_string(json_array_get(steps, index), "key");
			if (key)
				json_object_set_new(item, "step", json_string(key));
		}
	}
}

/*
 * Check a graph in the API's JSON shape: the fields (when check_fields), then its structure
 * with chain_validate. Problems go to errors, warnings to warnings; gr is filled for the
 * caller to clear. Returns false when chain_validate could not run (out of memory).
 */
static bool check_graph(const json_t *body, bool check_fields, struct graph *gr, json_t *errors,
                        json_t *warnings)
{
	const json_t *steps = json_object_get(body, "steps"),
	             *edges = json_object_get(body, "edges");
	struct chain_report *report = NULL;
	size_t i;
	json_t *item;

	if (check_fields) {
		json_check_object(body, graph_fields, ARRAY_SIZE(graph_fields), NULL, errors);
		json_array_foreach(steps, i, item) {
			char prefix[32];
			snprintf(prefix, sizeof(prefix), "steps[%zu].", i);
			json_check_object(item, step_fields, ARRAY_SIZE(step_fields), prefix,
			                  errors);
		}
		json_array_foreach(edges, i, item) {
			char prefix[32];
			snprintf(prefix, sizeof(prefix), "edges[%zu].", i);
			json_check_object(item, edge_fields, ARRAY_SIZE(edge_fields), prefix,
			                  errors);
		}
		mark_field_errors(errors, 0, steps);
	}
	graph_read(body, gr);
	if (chain_validate(&gr->g, &report) < 0)
		return false;
	add_issues(gr, report->errors, report->n_errors, errors);
	add_issues(gr, report->warnings, report->n_warnings, warnings);
	chain_report_free(report);
	return true;
}

/* 422 for a graph that breaks the rules; errors is consumed. */
static void invalid_chain(struct req *r, json_t *errors)
{
	char detail[160];
	size_t n = json_array_size(errors);

	snprintf(detail, sizeof(detail), "The chain has %zu problem%s; each is listed in errors.",
	         n, n == 1 ? "" : "s");
	http_problem_errors(r, 422, "invalid-chain", "The chain breaks a rule", detail, errors);
}

/* The version number of the path ({v}: 1, 2, ...), or 0 after answering 404. */
static int path_number(struct req *r, char *text, size_t len)
{
	const char *v = req_param(r, "v");
	long n;

	if (!v || v[0] == '0' || util_parse_long(v, 1, INT_MAX, &n) < 0) {
		http_not_found(r);
		return 0;
	}
	snprintf(text, len, "%ld", n);
	return (int)n;
}

/* State of a version write across callbacks. */
struct version_write {
	char number[16];
	json_t *warnings; /* from lib/chain.c, to be joined by the database's */
	json_t *errors;   /* from lib/chain.c, while the database adds its own */
	long checked;     /* publish: the row version whose graph was checked */
};

static void version_write_free(void *p)
{
	struct version_write *w = p;

	json_decref(w->warnings);
	json_decref(w->errors);
	free(w);
}

static struct version_write *version_write_new(struct req *r)
{
	struct version_write *w = xcalloc(1, sizeof(*w));

	w->warnings = json_array();
	r->ctx = w;
	r->ctx_free = version_write_free;
	return w;
}

/*
 * The parts of a graph the database checks (keys, categories, providers), with every
 * provider that is not a UUID as null, so that the database's checks can run on any graph
 * and name the same positions as the request (caller frees).
 */
static char *graph_for_database(const json_t *body)
{
	const json_t *steps = json_object_get(body, "steps"), *step, *item;
	json_t *out = json_array(), *graph;
	size_t i, k;
	char *text;

	json_array_foreach(steps, i, step) {
		const json_t *providers = json_object_get(step, "providers");
		const char *key = json_get_string(step, "key");
		const char *category = json_get_string(step, "category");
		json_t *ids = json_array();

		json_array_foreach(providers, k, item) {
			const char *id = json_string_value(item);
			json_array_append_new(ids, id && validate_uuid(id) ? json_string(id)
			                                                   : json_null());
		}
		json_array_append_new(out, json_pack("{s:s?, s:s?, s:o}", "key", key, "category",
		                                     category, "providers", ids));
	}
	graph = json_pack("{s:o}", "steps", out);
	text = json_dumps(graph, JSON_COMPACT);
	json_decref(graph);
	return text;
}

/*
 * Whether errors says already what a database problem about field says: a problem about the
 * same field, or a field check that refused the field or what holds it ("steps[1]" not an
 * object, "steps[1].providers" not an array). A step's structural problem (unreachable, say)
 * does not cover its providers: those are named too.
 */
static bool said_already(const json_t *errors, const char *field)
{
	size_t i;
	json_t *item;

	json_array_foreach(errors, i, item) {
		const char *f = json_get_string(item, "field"),
		           *code = json_get_string(item, "code");
		size_t n = f ? strlen(f) : 0;
		if (!f || strncmp(f, field, n) != 0)
			continue;
		if (field[n] == '\0')
			return true;
		if (code && !strcmp(code, "invalid_field") && (field[n] == '.' || field[n] == '['))
			return true;
	}
	return false;
}

/* The database's problems are known: add those not said already, then answer 422. */
static void on_problems(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct version_write *w = r->ctx;
	json_t *more, *item;
	size_t i;

	if (!answer_found(r, res))
		return;
	more = json_loads(PQgetvalue(res->pg, 0, 0), 0, NULL);
	json_array_foreach(more, i, item) {
		const char *field = json_get_string(item, "field");
		if (field && !said_already(w->errors, field))
			json_array_append(w->errors, item);
	}
	json_decref(more);
	invalid_chain(r, json_incref(w->errors));
}

/*
 * The graph in body breaks the rules of lib/chain.c (errors, kept in w): let the database
 * add its own findings, so that every problem is reported at once, then answer 422.
 */
static void invalid_graph(struct req *r, const json_t *body, json_t *errors)
{
	struct version_write *w = r->ctx;
	struct params p = {0};
	char *graph = graph_for_database(body);

	w->errors = errors;
	chains_caller(r, &p, true); /* only coordinators edit: no member's view */
	params_text(&p, "chain", req_param(r, "id"));
	params_text(&p, "graph", graph);
	req_run(r, &sql_chain_version_problems, &p, on_problems);
	free(graph);
}

/*
 * A write function has answered (outcome, body, version, location): body's warnings (the
 * database's) follow lib/chain.c's, kept in w.
 */
static void on_written(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct version_write *w = r->ctx;
	const char *text = answer_column(res, "body"), *location = answer_column(res, "location");
	json_t *body = text ? json_loads(text, 0, NULL) : NULL;
	json_t *warnings = json_object_get(body, "warnings");

	if (!body || !(answer_outcome_is(res, "ok") || answer_outcome_is(res, "created"))) {
		json_decref(body);
		answer_write(r, res);
		return;
	}
	if (warnings) {
		json_array_extend(w->warnings, warnings);
		json_object_set(body, "warnings", w->warnings);
	}
	if (location)
		http_header(r, "Location", location);
	http_reply_json_etag(r, answer_outcome_is(res, "created") ? 201 : 200, body,
	                     strtol(answer_column(res, "version"), NULL, 10));
}

/* GET /v1/chains/{id}/versions */

static void on_list_chain(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	chains_caller(r, &p, false);
	params_text(&p, "chain", req_param(r, "id"));
	params_page(&p, r->ctx);
	req_run(r, &sql_chain_version_list, &p, answer_page);
}

static void list_versions(struct req *r)
{
	struct page *page = answer_page_begin(r, 1, NULL);
	struct params p = {0};
	long n;

	if (!page)
		return;
	if (page_key(page, 0) && util_parse_long(page_key(page, 0), 1, INT_MAX, &n) < 0) {
		http_problem(r, 400, "bad-query", "Bad query parameter", "The cursor is not ours.");
		return;
	}
	chains_caller(r, &p, false);
	params_text(&p, "chain", req_param(r, "id"));
	req_run(r, &sql_chain_version_chain, &p, on_list_chain);
}

/* GET /v1/chains/{id}/versions/{v} */

static void get_version(struct req *r)
{
	struct params p = {0};
	char number[16];

	if (!path_number(r, number, sizeof(number)))
		return;
	chains_caller(r, &p, false);
	params_text(&p, "chain", req_param(r, "id"));
	params_text(&p, "number", number);
	req_run(r, &sql_chain_version_get, &p, answer_row);
}

/* POST /v1/chains/{id}/versions */

static void create_version(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	const char *from = json_get_string(r->json, "from");
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	version_write_new(r);
	req_actor(r, &p);
	params_text(&p, "chain", req_param(r, "id"));
	params_bool(&p, "copy", !from || strcmp(from, "empty") != 0);
	params_text(&p, "note", json_get_string(r->json, "note"));
	chains_caller(r, &p, true);
	req_run(r, &sql_chain_version_create, &p, on_written);
}

/* PUT /v1/chains/{id}/versions/{v} */

static void replace_version(struct req *r)
{
	struct version_write *w;
	struct graph gr;
	json_t *errors;
	struct params p = {0};
	char number[16];

	if (!path_number(r, number, sizeof(number)))
		return;
	req_actor(r, &p);
	params_text(&p, "chain", req_param(r, "id"));
	params_text(&p, "number", number);
	if (!answer_if_match_param(r, &p))
		return;
	w = version_write_new(r);
	errors = json_array();
	if (!check_graph(r->json, true, &gr, errors, w->warnings)) {
		graph_clear(&gr);
		json_decref(errors);
		params_clear(&p);
		http_problem(r, 500, "internal", "Internal error", "Out of memory.");
		return;
	}
	graph_clear(&gr);
	if (json_array_size(errors)) {
		params_clear(&p);
		invalid_graph(r, r->json, errors);
		return;
	}
	json_decref(errors);
	params_json(&p, "graph", r->json);
	chains_caller(r, &p, true);
	req_run(r, &sql_chain_version_replace, &p, on_written);
}

/* POST /v1/chains/{id}/versions/{v}/publish: check the stored graph, then publish it. */

static void on_publish_loaded(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct version_write *w = r->ctx;
	struct params p = {0};
	struct graph gr;
	json_t *stored, *errors;
	long version = 0;
	int if_match;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (PQntuples(res->pg) == 0) {
		http_not_found(r);
		return;
	}
	/* That it is a draft is chain_version_publish's to say (it holds the row's lock). */
	w->checked = strtol(answer_column(res, "version"), NULL, 10);
	if_match = req_if_match(r, &version);
	if (if_match < 0)
		return;
	if (if_match && version != w->checked) {
		http_problem(r, 412, "stale", "Precondition failed",
		             "The version has changed since you read it (it is at version %ld); "
		             "read it again.",
		             w->checked);
		return;
	}
	stored = json_loads(answer_column(res, "body"), 0, NULL);
	errors = json_array();
	if (!stored || !check_graph(stored, false, &gr, errors, w->warnings)) {
		graph_clear(&gr);
		json_decref(stored);
		json_decref(errors);
		http_problem(r, 500, "internal", "Internal error",
		             "The graph could not be checked.");
		return;
	}
	graph_clear(&gr);
	if (json_array_size(errors)) {
		invalid_graph(r, stored, errors);
		json_decref(stored);
		return;
	}
	json_decref(stored);
	json_decref(errors);
	req_actor(r, &p);
	params_text(&p, "chain", req_param(r, "id"));
	params_text(&p, "number", w->number);
	params_long(&p, "checked_version", w->checked);
	chains_caller(r, &p, true);
	req_run(r, &sql_chain_version_publish, &p, on_written);
}

static void publish_version(struct req *r)
{
	struct version_write *w;
	struct params p = {0};
	char number[16];

	if (!path_number(r, number, sizeof(number)))
		return;
	w = version_write_new(r);
	snprintf(w->number, sizeof(w->number), "%s", number);
	chains_caller(r, &p, true);
	params_text(&p, "node", NULL); /* only coordinators publish: no member's view */
	params_text(&p, "chain", req_param(r, "id"));
	params_text(&p, "number", w->number);
	req_run(r, &sql_chain_version_get, &p, on_publish_loaded);
}

/* DELETE /v1/chains/{id}/versions/{v} */

static void delete_version(struct req *r)
{
	struct params p = {0};
	char number[16];

	if (!path_number(r, number, sizeof(number)))
		return;
	req_actor(r, &p);
	params_text(&p, "chain", req_param(r, "id"));
	params_text(&p, "number", number);
	chains_caller(r, &p, true);
	req_run(r, &sql_chain_version_delete, &p, answer_write);
}

static const struct route routes[] = {
        {"GET", "/v1/chains/{id}/versions", list_versions, ROUTE_READ_REPLICA, ROLE_ANY,
         "chains:read"},
        {"POST", "/v1/chains/{id}/versions", create_version, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "chains:write"},
        {"GET", "/v1/chains/{id}/versions/{v}", get_version, 0, ROLE_ANY, "chains:read"},
        {"PUT", "/v1/chains/{id}/versions/{v}", replace_version, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "chains:write"},
        {"DELETE", "/v1/chains/{id}/versions/{v}", delete_version, 0, ROLE_ADMIN | ROLE_COORDINATOR,
         "chains:write"},
        {"POST", "/v1/chains/{id}/versions/{v}/publish", publish_version, 0,
         ROLE_ADMIN | ROLE_COORDINATOR, "chains:write"},
};

API_MODULE(chain_versions_api, "chain_versions", routes, chain_versions_sql);
