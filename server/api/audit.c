/*
 * The audit log (docs/architecture.md, "Access rules"): GET /v1/audit for admins and auditors,
 * newest first, filtered by object, account and time. Rows are written by every other module (and
 * by retention); this one only reads them.
 */
#include <string.h>

#include "answer.h"
#include "api.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"

static const struct db_stmt stmts[] = {
        /* $1 object, $2 account, $3 since, $4 until, $5 $6 cursor (at, id), $7 limit + 1 */
        {"audit_list",
         "SELECT json_build_object('id', a.id, 'at', a.at, 'account_id', a.account_id,"
         "  'account_login', ac.login, 'node_id', a.node_id, 'action', a.action,"
         "  'object_type', a.object_type, 'object_id', a.object_id,"
         "  'request_id', a.request_id, 'client_addr', a.client_addr,"
         "  'detail', a.detail)::text, a.at::text, a.id::text"
         " FROM audit_log a LEFT JOIN account ac ON ac.id = a.account_id"
         /* The object itself, or a list read that showed it (detail ids or case_ids). */
         " WHERE ($1::uuid IS NULL OR a.object_id = $1::uuid"
         "        OR a.detail @> jsonb_build_object('ids', jsonb_build_array($1::text))"
         "        OR a.detail @> jsonb_build_object('case_ids', jsonb_build_array($1::text)))"
         "   AND ($2::uuid IS NULL OR a.account_id = $2::uuid)"
         "   AND ($3::timestamptz IS NULL OR a.at >= $3::timestamptz)"
         "   AND ($4::timestamptz IS NULL OR a.at < $4::timestamptz)"
         "   AND ($5::text IS NULL OR (a.at, a.id) < ($5::timestamptz, $6::bigint))"
         " ORDER BY a.at DESC, a.id DESC LIMIT $7::int"},
};

/* The row id of a cursor: digits only (the time is checked by the database's cast). */
static bool cursor_id_ok(const char *id)
{
	if (!id || !*id || strlen(id) > 19)
		return false;
	return strspn(id, "0123456789") == strlen(id);
}

static void list_audit(struct req *r)
{
	static const char *const allowed[] = {"object_id", "account_id", "since", "until", NULL};
	/* The query is read before answer_page_begin, which may answer (and free r). */
	const char *object = req_query(r, "object_id"), *account = req_query(r, "account_id");
	const char *since = req_query(r, "since"), *until = req_query(r, "until");
	struct page *p = answer_page_begin(r, 2, allowed);
	json_t *errors;
	const char *values[7];

	if (!p)
		return;
	errors = json_array();
	if (object && !validate_uuid(object))
		json_add_error(errors, "object_id", "must be a UUID");
	if (account && !validate_uuid(account))
		json_add_error(errors, "account_id", "must be a UUID");
	if (since && !validate_timestamp(since))
		json_add_error(errors, "since",
		               "must be an RFC 3339 date-time, e.g. 2026-03-01T09:30:00+01:00");
	if (until && !validate_timestamp(until))
		json_add_error(errors, "until",
		               "must be an RFC 3339 date-time, e.g. 2026-03-01T09:30:00+01:00");
	if (page_key(p, 0) && !cursor_id_ok(page_key(p, 1)))
		json_add_error(errors, "after",
		               "after must be a cursor from an earlier page's next");
	if (answer_bad_queries(r, errors, "A query parameter has a bad value."))
		return;
	values[0] = object;
	values[1] = account;
	values[2] = since;
	values[3] = until;
	values[4] = page_key(p, 0);
	values[5] = page_key(p, 1);
	values[6] = p->limit_text;
	req_db(r, "audit_list", 7, values, answer_page);
}

static const struct route routes[] = {
        {"GET", "/v1/audit", list_audit, 0, ROLE_ADMIN | ROLE_AUDITOR, "audit:read"},
};

API_MODULE(audit_api, "audit", routes, stmts);
