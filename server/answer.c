#include "answer.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "json.h"
#include "page.h"

/* Whether the statement succeeded with a row; else answers (dberror, 404). */
static bool has_row(struct req *r, const struct db_result *res)
{
	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return false;
	}
	if (PQntuples(res->pg) == 0) {
		http_not_found(r);
		return false;
	}
	return true;
}

const char *answer_column(const struct db_result *res, const char *name)
{
	int col;

	if (res->status != DB_OK || PQntuples(res->pg) == 0)
		return NULL;
	col = PQfnumber(res->pg, name);
	return col < 0 || PQgetisnull(res->pg, 0, col) ? NULL : PQgetvalue(res->pg, 0, col);
}

/* The version column as an ETag (0: none). */
static long version_of(const struct db_result *res)
{
	const char *v = answer_column(res, "version");

	return v ? strtol(v, NULL, 10) : 0;
}

/* status (204 without a body) with what the row holds: body, version and location. */
static void reply_row(struct req *r, const struct db_result *res, int status)
{
	const char *body = answer_column(res, "body"), *location = answer_column(res, "location");

	if (!body) {
		http_reply_json(r, 204, NULL);
		return;
	}
	if (location)
		http_header(r, "Location", location);
	http_reply_json_text(r, status, body, version_of(res));
}

void answer_row(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (has_row(r, res))
		reply_row(r, res, 200);
}

void answer_items(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	json_t *items;

	if (!answer_found(r, res))
		return;
	items = json_loads(PQgetvalue(res->pg, 0, 0), 0, NULL);
	http_reply_json(r, 200,
	                json_pack("{s:o, s:n}", "items", items ? items : json_array(), "next"));
}

void answer_write(void *arg, const struct db_result *res)
{
	/* What the write did, and the status that says so. */
	static const struct {
		const char *outcome;
		int status;
	} done[] = {{"ok", 200}, {"created", 201}, {"accepted", 202}};
	struct req *r = arg;
	const char *outcome;

	if (!has_row(r, res))
		return;
	outcome = answer_column(res, "outcome");
	if (outcome && !strcmp(outcome, "not_found")) {
		http_not_found(r);
		return;
	}
	for (size_t i = 0; outcome && i < ARRAY_SIZE(done); i++) {
		if (!strcmp(outcome, done[i].outcome)) {
			reply_row(r, res, done[i].status);
			return;
		}
	}
	req_log(r, LOG_ERROR, "a write answered the outcome %s", outcome ? outcome : "NULL");
	http_problem(r, 500, "internal", "Internal error",
	             "The database answered an outcome we do not know.");
}

bool answer_outcome_is(const struct db_result *res, const char *outcome)
{
	const char *got = answer_column(res, "outcome");

	return got && !strcmp(got, outcome);
}

bool answer_found(struct req *r, const struct db_result *res)
{
	if (!has_row(r, res))
		return false;
	if (PQgetisnull(res->pg, 0, 0)) {
		http_not_found(r);
		return false;
	}
	return true;
}

void answer_page(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	size_t len;
	char *text;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	text = page_result(r->ctx, res->pg, &len);

	http_reply_taken(r, 200, "application/json", text, len);
}

static void page_free(void *p)
{
	page_clear(p);
	free(p);
}

struct page *answer_page_begin(struct req *r, size_t nkeys, const char *const *allowed)
{
	struct page *p = xcalloc(1, sizeof(*p));
	const char *names[32];
	size_t n = 0;

	r->ctx = p;
	r->ctx_free = page_free;
	names[n++] = "limit";
	names[n++] = "after";
	for (; allowed && *allowed && n < ARRAY_SIZE(names) - 1; allowed++)
		names[n++] = *allowed;
	names[n] = NULL;
	if (!req_check_query(r, names) || !page_parse(r, p, nkeys))
		return NULL;
	return p;
}

void answer_bad_query(struct req *r, const char *field, const char *code, const char *message)
{
	json_t *errors = json_array();

	json_add_error(errors, field, code, message);
	http_problem_errors(r, 400, "bad-query", "Bad query parameter", message, errors);
}

bool answer_bad_queries(struct req *r, json_t *errors, const char *detail)
{
	if (json_array_size(errors)) {
		http_problem_errors(r, 400, "bad-query", "Bad query parameter", detail, errors);
		return true;
	}
	json_decref(errors);
	return false;
}

bool answer_invalid(struct req *r, json_t *errors)
{
	if (json_array_size(errors)) {
		http_invalid(r, errors);
		return true;
	}
	json_decref(errors);
	return false;
}

json_t *answer_check_body(const struct req *r, const struct json_field *fields, size_t n)
{
	json_t *errors = json_array();

	json_check_object(r->json, fields, n, NULL, errors);
	return errors;
}

json_t *answer_check_patch(const struct req *r, const struct json_field *fields, size_t n)
{
	json_t *errors = answer_check_body(r, fields, n);

	if (json_object_size(r->json) == 0)
		json_add_error(errors, "body", "empty_patch", "name at least one field to change");
	return errors;
}

bool answer_if_match_param(struct req *r, struct params *p)
{
	long version;
	int if_match = req_if_match(r, &version);

	if (if_match < 0) {
		params_clear(p);
		return false;
	}
	if (if_match)
		params_long(p, "expected_version", version);
	else
		params_text(p, "expected_version", NULL);
	return true;
}

bool answer_patch_params(struct req *r, struct params *p)
{
	if (!answer_if_match_param(r, p))
		return false;
	params_json(p, "patch", r->json);
	return true;
}
