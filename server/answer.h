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
struct params;

/*
 * Statements answer in columns named for what they hold (docs/developing.md, "Statements"):
 * body (the resource's JSON text), version (its row version, the ETag), location (the URL of
 * what a create made) and, for writes, outcome: 'ok', 'created', 'accepted', or 'not_found'
 * (nothing the caller may see). A write the database refuses raises a problem (problem() in
 * schema/functions/shared.sql), which dberror.c answers.
 */

/* db_callback for a read: 200 with body and, when there is a version column, that ETag; no row
   is 404; a failed statement is answered by dberror. */
void answer_row(void *arg, const struct db_result *res);

/*
 * db_callback for a write (outcome, body, version, location): 'ok' is 200, 'created' 201,
 * 'accepted' 202, each with body, the version as the ETag and location as the Location; a
 * write without a body is 204; 'not_found' and no row are 404; a refusal the database raised
 * goes to dberror.
 */
void answer_write(void *arg, const struct db_result *res);

/* The text of column name of row 0, or NULL (no such column, no row, or SQL NULL). */
const char *answer_column(const struct db_result *res, const char *name);

/* Whether the statement succeeded with a row whose outcome column is outcome. */
bool answer_outcome_is(const struct db_result *res, const char *outcome);

/*
 * For a statement whose row must be there (the parent a list is under, the caller's access
 * to it): true when it succeeded with a row whose column 0 is not NULL; else answers
 * (dberror, 404) and returns false.
 */
MUST_CHECK bool answer_found(struct req *r, const struct db_result *res);

/*
 * db_callback: {"items", "next": null} from a whole list the statement built as one JSON
 * array in column 0 (a case's consents, its follow-ups); no row or NULL answers 404.
 */
void answer_items(void *arg, const struct db_result *res);

/* db_callback: {"items", "next"} from rows (body, then the sort key) and r->ctx's page. */
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

/*
 * The If-Match version as expected_version (NULL without the header): what a write checked
 * against the row's version takes after the actor and the path's ids. False after answering
 * 400 for a malformed If-Match (p is cleared then).
 */
MUST_CHECK bool answer_if_match_param(struct req *r, struct params *p);

/* The same followed by the body as patch (jsonb): the parameters every PATCH takes there. */
MUST_CHECK bool answer_patch_params(struct req *r, struct params *p);

#endif
