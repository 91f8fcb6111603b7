#include "dberror.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraint_name.h"
#include "http.h"
#include "json.h"
#include "log.h"

/*
 * The code of a field error an SQL function raised with problem(): the HINT when it gave one
 * (schema/0040's five-argument problem()), else the problem's slug in the codes' spelling
 * ("not-a-member" is "not_a_member"), and "invalid" for a plain validation problem.
 */
static void raised_code(const char *hint, const char *slug, char *out, size_t outlen)
{
	if (hint && *hint) {
		snprintf(out, outlen, "%s", hint);
		return;
	}
	snprintf(out, outlen, "%s", strcmp(slug, "validation") ? slug : JSON_CODE_INVALID);
	for (char *c = out; *c; c++)
		if (*c == '-')
			*c = '_';
}

static void field_problem(struct req *r, int status, const char *slug, const char *title,
                          const char *field, const char *code, const char *message)
{
	json_t *errors = json_array();
	char detail[300];

	json_add_error(errors, field, code, message);
	snprintf(detail, sizeof(detail), "%s %s.", field, message);
	http_problem_errors(r, status, slug, title, detail, errors);
}

void dberror_answer(struct req *r, const struct db_result *res)
{
	const char *state, *constraint, *table, *column, *message, *detail, *hint;
	char field[128], code[64];

	if (res->status == DB_MISUSED) {
		/* A bug, logged by db_query with the statement's name: nothing was sent. */
		http_problem(
		        r, 500, "internal", "Internal error",
		        "Something went wrong on our side; the request id identifies it in the "
		        "logs.");
		return;
	}
	if (res->status == DB_UNAVAILABLE || !res->pg) {
		http_header(r, "Retry-After", "2");
		http_problem(r, 503, "database-unavailable", "Service temporarily unavailable",
		             "The database cannot be reached right now; try again shortly.");
		return;
	}
	state = PQresultErrorField(res->pg, PG_DIAG_SQLSTATE);
	constraint = PQresultErrorField(res->pg, PG_DIAG_CONSTRAINT_NAME);
	table = PQresultErrorField(res->pg, PG_DIAG_TABLE_NAME);
	column = PQresultErrorField(res->pg, PG_DIAG_COLUMN_NAME);
	message = PQresultErrorField(res->pg, PG_DIAG_MESSAGE_PRIMARY);
	detail = PQresultErrorField(res->pg, PG_DIAG_MESSAGE_DETAIL);
	hint = PQresultErrorField(res->pg, PG_DIAG_MESSAGE_HINT);
	if (!state)
		state = "XX000";
	if (!message)
		message = "";

	if (!strncmp(state, "PN", 2)) {
		long status = strtol(state + 2, NULL, 10);
		const char *slug = detail && *detail ? detail : "rule";
		if (status < 400 || status > 499)
			status = 422;
		if (column && *column) {
			json_t *errors = json_array();
			raised_code(hint, slug, code, sizeof(code));
			json_add_error(errors, column, code, message);
			http_problem_errors(r, (int)status, slug,
			                    "The request cannot be carried out", message, errors);
		} else if (hint && *hint == '[') {
			/* problem_fields (schema/functions/shared.sql): the field errors in HINT */
			json_t *errors = json_loads(hint, 0, NULL);

			if (!json_is_array(errors)) {
				json_decref(errors);
				errors = json_array();
			}
			http_problem_errors(r, (int)status, slug,
			                    "The request cannot be carried out", message, errors);
		} else {
			http_problem(r, (int)status, slug, "The request cannot be carried out",
			             "%s", message);
		}
		return;
	}
	if (!strcmp(state, "23505")) {
		constraint_field(table, constraint, field, sizeof(field));
		field_problem(r, 409, "conflict", "Conflict", field[0] ? field : "id", "taken",
		              "is already taken");
		return;
	}
	if (!strcmp(state, "23503") || !strcmp(state, "23514")) {
		constraint_field(table, constraint, field, sizeof(field));
		field_problem(r, 422, "validation", "The request breaks a rule",
		              field[0] ? field : "body", constraint_rule_code(constraint),
		              constraint_rule_message(constraint));
		return;
	}
	if (!strcmp(state, "23502")) {
		field_problem(r, 422, "validation", "The request breaks a rule",
		              column ? column : "body", JSON_CODE_REQUIRED, "is required");
		return;
	}
	if (!strcmp(state, "55000")) {
		http_problem(r, 409, "conflict", "Conflict", "%s", message);
		return;
	}
	if (!strcmp(state, "40001") || !strcmp(state, "40P01")) {
		http_header(r, "Retry-After", "1");
		http_problem(r, 409, "retry", "Concurrent change",
		             "Another change got in the way; repeat the request.");
		return;
	}
	if (!strcmp(state, "57014") || !strncmp(state, "08", 2) || !strcmp(state, "57P01") ||
	    !strcmp(state, "57P03")) {
		http_header(r, "Retry-After", "2");
		http_problem(r, 503, "database-unavailable", "Service temporarily unavailable",
		             "The database did not answer in time; try again shortly.");
		return;
	}
	if (!strncmp(state, "22", 2)) {
		http_problem(r, 422, "validation", "The request breaks a rule",
		             "A value is invalid: %s", message);
		return;
	}
	req_log(r, LOG_ERROR, "database error %s: %s", state, message);
	http_problem(r, 500, "internal", "Internal error",
	             "Something went wrong on our side; the request id identifies it in the logs.");
}
