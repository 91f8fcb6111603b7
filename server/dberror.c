#include "dberror.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "log.h"

/* Tables whose names prefix constraint names; the longest match wins. */
static const char *const tables[] = {
        "account",        "api_token",    "login_failure",    "audit_log",
        "organization",   "node",         "service",          "network",
        "network_member", "target_group", "taxonomy",         "chain",
        "chain_version",  "chain_step",   "chain_edge",       "chain_step_provider",
        "client_case",    "case_step",    "consent",          "referral",
        "referral_event", "webhook",      "webhook_delivery", "idempotency_key",
        "outbox",         NULL,
};

void dberror_constraint_field(const char *table, const char *constraint, char *out, size_t outlen)
{
	size_t best = 0;
	const char *rest, *last;

	out[0] = '\0';
	if (!constraint)
		return;
	if (table && !strncmp(constraint, table, strlen(table)) && constraint[strlen(table)] == '_')
		best = strlen(table);
	for (const char *const *t = tables; *t; t++) {
		size_t n = strlen(*t);
		if (n > best && !strncmp(constraint, *t, n) && constraint[n] == '_')
			best = n;
	}
	rest = constraint + (best ? best + 1 : 0);
	last = strrchr(rest, '_');
	snprintf(out, outlen, "%.*s", (int)(last ? (size_t)(last - rest) : strlen(rest)), rest);
}

/* What a constraint's suffix means: the code of the field error and a message. */
struct rule {
	const char *suffix, *code, *message;
};

static const struct rule *constraint_rule(const char *constraint)
{
	static const struct rule rules[] = {
	        {"_key", "taken", "is already taken"},
	        {"_fkey", "not_found", "refers to something that does not exist"},
	        {"_length", "length", "has a length outside the allowed range"},
	        {"_range", "out_of_range", "is out of the allowed range"},
	        {"_format", JSON_CODE_FORMAT, "is not in the required format"},
	        {"_active", "inactive", "must refer to something active"},
	        {"_network", "other_network", "must belong to the same network"},
	        {"_role", "role", "does not fit the role"},
	        {"_check", JSON_CODE_NOT_IN_LIST, "is not an allowed value"},
	};
	static const struct rule other = {"", "rule", "breaks a rule"};
	size_t n = constraint ? strlen(constraint) : 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		size_t k = strlen(rules[i].suffix);
		if (n > k && !strcmp(constraint + n - k, rules[i].suffix))
			return &rules[i];
	}
	return &other;
}

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
	const struct rule *rule;
	char field[128], code[64];

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
		} else {
			http_problem(r, (int)status, slug, "The request cannot be carried out",
			             "%s", message);
		}
		return;
	}
	if (!strcmp(state, "23505")) {
		dberror_constraint_field(table, constraint, field, sizeof(field));
		field_problem(r, 409, "conflict", "Conflict", field[0] ? field : "id", "taken",
		              "is already taken");
		return;
	}
	if (!strcmp(state, "23503") || !strcmp(state, "23514")) {
		dberror_constraint_field(table, constraint, field, sizeof(field));
		rule = constraint_rule(constraint);
		field_problem(r, 422, "validation", "The request breaks a rule",
		              field[0] ? field : "body", rule->code, rule->message);
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
