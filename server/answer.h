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

/*
 * db_callback for a create: 201 with row 0's column 0 (JSON), column 1 (the version) as the
 * ETag and column 2 as the Location; no row is 404 (nothing the caller may create under).
 */
void answer_created(void *arg, const struct db_result *res);

/*
 * Answer a write statement's row: outcome, JSON, version and, optionally, a Location.
 * 'ok' is 200 with the JSON and the version as the ETag, 201 with a Location header when
 * column 3 holds one, 204 when the JSON is NULL. 'stale' is 412 naming what ("The <what> has
 * changed...") and the stored version in column 2; 'forbidden' is 403 with the detail
 * forbidden. No row is 404, a failed statement goes to dberror, and any other outcome is a
 * 500: answer a module's own outcomes first (answer_outcome_is).
 */
void answer_write(struct req *r, const struct db_result *res, const char *what,
                  const char *forbidden);

/* Whether the statement succeeded with a row whose column 0 (the outcome) is outcome. */
bool answer_outcome_is(const struct db_result *res, const char *outcome);

/*
 * For a statement whose row must be there (the parent a list is under, the caller's access
 * to it, a write's outcome): true when it succeeded with a row whose column 0 is not NULL;
 * else answers (dberror, 404) and returns false.
 */
MUST_CHECK bool answer_found(struct req *r, const struct db_result *res);

/* db_callback for a delete or revoke that counts its rows: 204 when the count is 1, else 404. */
void answer_no_content(void *arg, const struct db_result *res);

/* db_callback: {"items", "next"} from rows (JSON, then the sort key) and r->ctx's page. */
void answer_page(void *arg, const struct db_result *res);

/*
 * Start a list: refuse query parameters outside allowed (NULL-terminated; limit and after are
 * always allowed), read limit and a cursor of nkeys keys, and keep the page in r->ctx. Returns
 * the page, or NULL after answering 400.
 */
MUST_CHECK struct page *answer_page_begin(struct req *r, size_t nkeys, const char *const *allowed);

/* 400 naming one query parameter, with the code of its problem (lib/json.h's JSON_CODE_...). */
void answer_bad_query(struct req *r, const char *field, const char *code, const char *message);

/*
 * After the checks of query parameters: with problems in errors, answer 400 with them and
 * detail and return true; without, release errors and return false. errors is consumed.
 */
MUST_CHECK bool answer_bad_queries(struct req *r, json_t *errors, const char *detail);

/*
 * After the checks of a body: with problems in errors, answer 422 with them and return true;
 * without, release errors and return false. errors is consumed either way.
 */
MUST_CHECK bool answer_invalid(struct req *r, json_t *errors);

/* The checks of a body against a field table, as a new errors array (see json_check_object). */
json_t *answer_check_body(const struct req *r, const struct json_field *fields, size_t n);

/* The same for a patch (PATCH), which must also name at least one field to change. */
json_t *answer_check_patch(const struct req *r, const struct json_field *fields, size_t n);

#endif
