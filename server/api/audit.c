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
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/*
	 * $1 object, $2 account, $3 since, $4 until, $5 $6 cursor (at, id), $7 limit + 1,
	 * $8 actions (text array), $9 case reference. An entry names the case it is about when
	 * its object is a case or a referral or consent of one (and that case is still there).
	 */
	{"audit_list",
	 "SELECT json_build_object('id', a.id, 'at', a.at, 'account_id', a.account_id,"
	 "  'account_login', ac.login, 'account_name', ac.display_name, 'node_id', a.node_id,"
	 "  'node_name', n.name, 'action', a.action, 'object_type', a.object_type,"
	 "  'object_id', a.object_id, 'case_id', c.id, 'case_reference', c.reference,"
	 "  'request_id', a.request_id, 'client_addr', a.client_addr,"
	 "  'detail', a.detail)::text, a.at::text, a.id::text"
	 " FROM audit_log a LEFT JOIN account ac ON ac.id = a.account_id"
	 " LEFT JOIN node n ON n.id = a.node_id"
	 " LEFT JOIN referral rf ON a.object_type = 'referral' AND rf.id = a.object_id"
	 " LEFT JOIN consent cs ON a.object_type = 'consent' AND cs.id = a.object_id"
	 " LEFT JOIN client_case c ON c.id = CASE a.object_type WHEN 'client_case' THEN a.object_id"
	 "                                   WHEN 'referral' THEN rf.case_id"
	 "                                   WHEN 'consent' THEN cs.case_id END"
	 /* The object itself, or a list read that showed it (architecture.md, "Reads of social
	    data": detail ids, and for referral lists case_ids). */
	 " WHERE ($1::uuid IS NULL OR a.object_id = $1::uuid"
	 "        OR a.detail @> jsonb_build_object('ids', jsonb_build_array($1::text))"
	 "        OR a.detail @> jsonb_build_object('case_ids', jsonb_build_array($1::text)))"
	 "   AND ($2::uuid IS NULL OR a.account_id = $2::uuid)"
	 "   AND ($3::timestamptz IS NULL OR a.at >= $3::timestamptz)"
	 "   AND ($4::timestamptz IS NULL OR a.at < $4::timestamptz)"
	 "   AND ($5::text IS NULL OR (a.at, a.id) < ($5::timestamptz, $6::bigint))"
	 "   AND ($8::text[] IS NULL OR a.action = ANY ($8::text[]))"
	 "   AND ($9::text IS NULL OR a.object_id IN ("
	 "        SELECT k.id FROM client_case k WHERE k.reference = $9"
	 "        UNION ALL SELECT r.id FROM referral r JOIN client_case k ON k.id = r.case_id"
	 "         WHERE k.reference = $9"
	 "        UNION ALL SELECT n.id FROM consent n JOIN client_case k ON k.id = n.case_id"
	 "         WHERE k.reference = $9)"
	 "        OR a.detail->'case_ids' ?| ARRAY(SELECT k.id::text FROM client_case k"
	 "                                          WHERE k.reference = $9)"
	 "        OR (a.action = 'case.list' AND a.detail->'ids' ?| ARRAY("
	 "            SELECT k.id::text FROM client_case k WHERE k.reference = $9)))"
	 " ORDER BY a.at DESC, a.id DESC LIMIT $7::int"},
};
/* clang-format on */

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
	const char *values[9];

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
	values[0] = object;
	values[1] = account;
	values[2] = since;
	values[3] = until;
	values[4] = page_key(p, 0);
	values[5] = page_key(p, 1);
	values[6] = p->limit_text;
	values[7] = actions;
	values[8] = reference;
	req_db(r, "audit_list", 9, values, answer_page);
	free(actions);
}

static const struct route routes[] = {
        {"GET", "/v1/audit", list_audit, 0, ROLE_ADMIN | ROLE_AUDITOR, "audit:read"},
};

API_MODULE(audit_api, "audit", routes, stmts);
