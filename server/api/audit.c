/*
 * The audit log (docs/architecture.md, "Access rules"): GET /v1/audit for admins and auditors,
 * newest first, filtered by object, account, time, action and case (its reference: every entry
 * about the case or one of its referrals or consents, so that "who read this case" is one
 * query). Rows are written by every other module (and by retention); this one only reads them.
 */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "audit_sql.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"

/* Most actions one filter may name. */
#define ACTIONS_MAX 20

/*
 * The action filter: names such as case.read, comma-separated, as a PostgreSQL array text
 * (caller frees), or NULL after adding an error.
 */
static char *actions_array(const char *list, json_t *errors)
{
	size_t n = 1, len = strlen(list);

	for (const char *p = list; *p; p++)
		n += *p == ',';
	if (!len || n > ACTIONS_MAX || strspn(list, "abcdefghijklmnopqrstuvwxyz_.,") != len ||
	    strstr(list, ",,") || list[0] == ',' || list[len - 1] == ',') {
		json_add_error(errors, "action", JSON_CODE_FORMAT,
		               "must be up to 20 action names (such as case.read), separated by "
		               "commas");
		return NULL;
	}
	return xasprintf("{%s}", list);
}

/* The row id of a cursor: digits only (the time is checked by the database's cast). */
static bool cursor_id_ok(const char *id)
{
	if (!id || !*id || strlen(id) > 19)
		return false;
	return strspn(id, "0123456789") == strlen(id);
}

static void list_audit(struct req *r)
{
	static const char *const allowed[] = {"object_id", "account_id",     "since", "until",
	                                      "action",    "case_reference", NULL};
	/* The query is read before answer_page_begin, which may answer (and free r). */
	const char *object = req_query(r, "object_id"), *account = req_query(r, "account_id");
	const char *since = req_query(r, "since"), *until = req_query(r, "until");
	const char *action = req_query(r, "action"), *reference = req_query(r, "case_reference");
	struct page *p = answer_page_begin(r, 2, allowed);
	char *actions = NULL;
	json_t *errors;
	struct params params = {0};

	if (!p)
		return;
	errors = json_array();
	if (object && !validate_uuid(object))
		json_add_error(errors, "object_id", JSON_CODE_UUID, "must be a UUID");
	if (account && !validate_uuid(account))
		json_add_error(errors, "account_id", JSON_CODE_UUID, "must be a UUID");
	if (since && !validate_timestamp(since))
		json_add_error(errors, "since", JSON_CODE_TIMESTAMP,
		               "must be an RFC 3339 date-time, e.g. 2026-03-01T09:30:00+01:00");
	if (until && !validate_timestamp(until))
		json_add_error(errors, "until", JSON_CODE_TIMESTAMP,
		               "must be an RFC 3339 date-time, e.g. 2026-03-01T09:30:00+01:00");
	if (action)
		actions = actions_array(action, errors);
	if (reference && !validate_text(reference, 1, 64, false))
		json_add_error(errors, "case_reference", JSON_CODE_FORMAT,
		               "must be 1 to 64 characters on one line");
	if (page_key(p, 0) && !cursor_id_ok(page_key(p, 1)))
		json_add_error(errors, "after", JSON_CODE_FORMAT,
		               "after must be a cursor from an earlier page's next");
	if (answer_bad_queries(r, errors, "A query parameter has a bad value.")) {
		free(actions);
		return;
	}
	params_text(&params, "object", object);
	params_text(&params, "account", account);
	params_text(&params, "since", since);
	params_text(&params, "until", until);
	params_text(&params, "actions", actions);
	params_text(&params, "case_reference", reference);
	params_page(&params, p);
	req_run(r, &sql_audit_list, &params, answer_page);
	free(actions);
}

static const struct route routes[] = {
        {"GET", "/v1/audit", list_audit, 0, ROLE_ADMIN | ROLE_AUDITOR, "audit:read"},
};

API_MODULE(audit_api, "audit", routes, audit_sql);
