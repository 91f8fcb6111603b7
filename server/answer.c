#include "answer.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
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

void answer_row(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	long version = 0;

	if (!has_row(r, res))
		return;
	if (PQnfields(res->pg) > 1 && !PQgetisnull(res->pg, 0, 1))
		version = strtol(PQgetvalue(res->pg, 0, 1), NULL, 10);
	http_reply_json_text(r, 200, PQgetvalue(res->pg, 0, 0), version);
}

void answer_created(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (!has_row(r, res))
		return;
	http_header(r, "Location", PQgetvalue(res->pg, 0, 2));
	http_reply_json_text(r, 201, PQgetvalue(res->pg, 0, 0),
	                     strtol(PQgetvalue(res->pg, 0, 1), NULL, 10));
}

void answer_write(struct req *r, const struct db_result *res, const char *what,
                  const char *forbidden)
{
	const char *outcome;
	bool created;

	if (!has_row(r, res))
		return;
	outcome = PQgetvalue(res->pg, 0, 0);
	if (!strcmp(outcome, "stale")) {
		http_problem(r, 412, "stale", "Precondition failed",
		             "The %s has changed since you read it (it is at version %s); "
		             "read it again.",
		             what, PQgetvalue(res->pg, 0, 2));
		return;
	}
	if (forbidden && !strcmp(outcome, "forbidden")) {
		http_forbidden(r, forbidden);
		return;
	}
	if (strcmp(outcome, "ok") != 0) {
		http_problem(r, 500, "internal", "Internal error",
		             "The database answered an outcome we do not know.");
		return;
	}
	if (PQgetisnull(res->pg, 0, 1)) {
		http_reply_json(r, 204, NULL);
		return;
	}
	created = PQnfields(res->pg) > 3 && !PQgetisnull(res->pg, 0, 3);
	if (created)
		http_header(r, "Location", PQgetvalue(res->pg, 0, 3));
	http_reply_json_text(r, created ? 201 : 200, PQgetvalue(res->pg, 0, 1),
	                     strtol(PQgetvalue(res->pg, 0, 2), NULL, 10));
}

bool answer_outcome_is(const struct db_result *res, const char *outcome)
{
	return res->status == DB_OK && PQntuples(res->pg) > 0 &&
	       !strcmp(PQgetvalue(res->pg, 0, 0), outcome);
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

void answer_no_content(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (strcmp(PQgetvalue(res->pg, 0, 0), "1") != 0) {
		http_not_found(r);
		return;
	}
	http_reply_json(r, 204, NULL);
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
	text = page_result(r->ctx, res->pg, 0, 1, &len);

	http_reply_raw(r, 200, "application/json", text, len);
	free(text);
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
