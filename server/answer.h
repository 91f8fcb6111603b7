/*
 * Answering a request from what a statement returned: the shapes every resource shares, so
 * that each module writes only what is its own. The callbacks take the request as their
 * argument (req_db passes it).
 */
#ifndef PNET_ANSWER_H
#define PNET_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "db.h"
#include "util.h"

struct req;
struct page;
struct json_field;

/*
 * db_callback: 200 with row 0's column 0 (JSON text) and, when there is a column 1, that
 * version as the ETag; no row is 404; a failed statement is answered by dberror.
 */
void answer_row(void *arg, const struct db_result *res);

/* db_callback: {"items", "next"} from rows (JSON, then the sort key) and r->ctx's page. */
void answer_page(void *arg, const struct db_result *res);

/*
 * Start a list: refuse query parameters outside allowed (NULL-terminated; limit and after are
 * always allowed), read limit and a cursor of nkeys keys, and keep the page in r->ctx. Returns
 * the page, or NULL after answering 400.
 */
MUST_CHECK struct page *answer_page_begin(struct req *r, size_t nkeys,
					  const char *const *allowed);

/* 400 naming one query parameter. */
void answer_bad_query(struct req *r, const char *field, const char *message);

/*
 * After the checks of a body: with problems in errors, answer 422 with them and return true;
 * without, release errors and return false. errors is consumed either way.
 */
MUST_CHECK bool answer_invalid(struct req *r, json_t *errors);

/* The checks of a body against a field table, as a new errors array (see json_check_object). */
json_t *answer_check_body(const struct req *r, const struct json_field *fields, size_t n);

#endif
