#include "answer.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "page.h"

void answer_row(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	long version = 0;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (PQntuples(res->pg) == 0) {
		http_not_found(r);
		return;
	}
	if (PQnfields(res->pg) > 1 && !PQgetisnull(res->pg, 0, 1))
		version = strtol(PQgetvalue(res->pg, 0, 1), NULL, 10);
	http_reply_json_text(r, 200, PQgetvalue(res->pg, 0, 0), version);
}

void answer_page(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	http_reply_json(r, 200, page_result(r->ctx, res->pg, 0, 1));
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

void answer_bad_query(struct req *r, const char *field, const char *message)
{
	json_t *errors = json_array();

	json_add_error(errors, field, message);
	http_problem_errors(r, 400, "bad-query", "Bad query parameter", message, errors);
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
