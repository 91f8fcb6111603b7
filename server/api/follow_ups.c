/*
 * Follow-up dates (Wiedervorlage) on a node's cases: set one with a short reason, list a
 * case's, list the open ones of "my cases" (responsible, deputy, standing in) or of the whole
 * node, count what is due for the navigation, mark one done or take it back. The event
 * case.follow_up_due is written by follow_up_timer.c. A reason is hidden under the consent
 * rule of notes (follow_up_json in schema/0081_absences_follow_ups.sql).
 */
#include <string.h>

#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "http.h"
#include "json.h"
#include "page.h"

/* The open follow-ups of open cases the node owns and set itself, as the lists show them. */
#define OPEN_FOLLOW_UPS(node)                                                                      \
	" FROM case_follow_up f JOIN client_case c ON c.id = f.case_id"                            \
	" WHERE f.node_id = " node "::uuid AND c.owner_node_id = " node "::uuid"                   \
	"   AND c.status = 'open' AND f.done_at IS NULL"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/* actor, $5 case, $6 due on, $7 reason */
	{"follow_up_create",
	 "SELECT outcome, body, NULL::int"
	 "  FROM follow_up_create($1, $2, $3, $4, $5, $6::date, $7)"},
	/* actor, $5 case: the node's follow-ups of its case, open ones first, with one audit row
	   for the read naming them (reasons are social data); no row when the case is not the
	   node's */
	{"follow_up_of_case",
	 "WITH c AS (SELECT id, owner_node_id FROM client_case"
	 "           WHERE id = $5 AND owner_node_id = $2::uuid),"
	 " f AS (SELECT x AS fu, x.id, x.due_on, x.created_at, x.done_at IS NOT NULL AS done"
	 "       FROM case_follow_up x"
	 "       WHERE x.case_id IN (SELECT id FROM c) AND x.node_id = $2::uuid),"
	 " au AS (" AUDIT_INSERT("follow_up.list", "client_case", "c.id",
	                         "jsonb_build_object('ids', (SELECT coalesce(jsonb_agg(f.id"
	                         " ORDER BY f.done, f.due_on, f.created_at, f.id), '[]') FROM f))")
	 " FROM c)"
	 "SELECT (SELECT coalesce(json_agg(follow_up_json(f.fu)"
	 "                                 ORDER BY f.done, f.due_on, f.created_at, f.id), '[]')"
	 "          FROM f)::text"
	 " FROM c"},
	/*
	 * actor (node $2), $5 all of the node (true) or the actor's cases, $6 up to this day or
	 * NULL, $7 from this day or NULL, $8 $9 cursor (due_on, id), $10 limit + 1: open
	 * follow-ups, soonest first, with one audit row naming those shown and their cases.
	 */
	{"follow_up_list",
	 "WITH page AS (SELECT f.id, f.case_id, f.due_on"
	 OPEN_FOLLOW_UPS("$2")
	 "   AND ($5::boolean OR f.case_id IN (SELECT account_case_ids($1::uuid)))"
	 "   AND ($6::date IS NULL OR f.due_on <= $6::date)"
	 "   AND ($7::date IS NULL OR f.due_on >= $7::date)"
	 "   AND ($8::text IS NULL OR (f.due_on, f.id) > ($8::date, $9::uuid))"
	 " ORDER BY f.due_on, f.id LIMIT $10::int),"
	 " shown AS (SELECT * FROM page ORDER BY due_on, id LIMIT $10::int - 1),"
	 " au AS (" AUDIT_INSERT("follow_up.list", "client_case", "NULL::uuid",
	                         "jsonb_build_object('ids', jsonb_agg(id ORDER BY due_on, id),"
	                         " 'case_ids', jsonb_agg(DISTINCT case_id))")
	 " FROM shown HAVING count(*) > 0)"
	 "SELECT follow_up_json(f)::text, f.due_on::text, f.id::text"
	 " FROM page JOIN case_follow_up f USING (id) ORDER BY f.due_on, f.id"},
	/* $1 node, $2 account: what of "my cases" is due today and overdue */
	{"follow_up_count",
	 "SELECT json_build_object("
	 "  'today', count(*) FILTER (WHERE f.due_on = current_date),"
	 "  'overdue', count(*) FILTER (WHERE f.due_on < current_date))::text"
	 OPEN_FOLLOW_UPS("$1")
	 "   AND f.due_on <= current_date"
	 "   AND f.case_id IN (SELECT account_case_ids($2::uuid))"},
	/* actor, $5 follow-up, $6 delete instead of done */
	{"follow_up_close",
	 "SELECT outcome, body, NULL::int"
	 "  FROM follow_up_close($1, $2, $3, $4, $5, $6::boolean)"},
};
/* clang-format on */

static const struct json_field create_fields[] = {
        {"due_on", JF_DATE, JF_REQUIRED},
        {"reason", JF_STRING, JF_REQUIRED, 1, 200},
};

static const char *const no_query[] = {NULL};

/* The answer of a write: (outcome, follow-up or NULL when deleted, no version). */
static void on_written(void *arg, const struct db_result *res)
{
	if (answer_outcome_is(res, "not_found"))
		http_not_found(arg);
	else
		answer_write(arg, res, "follow-up", NULL);
}

static void on_created(void *arg, const struct db_result *res)
{
	if (answer_outcome_is(res, "ok"))
		http_reply_json_text(arg, 201, PQgetvalue(res->pg, 0, 1), 0);
	else
		on_written(arg, res);
}

static void create_follow_up(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	const char *values[ACTOR_PARAMS + 3];

	if (answer_invalid(r, errors))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = json_get_string(r->json, "due_on");
	values[6] = json_get_string(r->json, "reason");
	req_db(r, "follow_up_create", 7, values, on_created);
}

static void on_case_follow_ups(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	json_t *items;

	if (!answer_found(r, res))
		return;
	items = json_loads(PQgetvalue(res->pg, 0, 0), 0, NULL);
	http_reply_json(r, 200,
	                json_pack("{s:o, s:n}", "items", items ? items : json_array(), "next"));
}

static void list_case_follow_ups(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	if (!req_check_query(r, no_query))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "follow_up_of_case", 5, values, on_case_follow_ups);
}

/*
 * ?scope=mine (the default: the caller's cases) or node; ?due=overdue, today, due (today and
 * before) or all (the default).
 */
static void list_follow_ups(struct req *r)
{
	static const char *const allowed[] = {"scope", "due", NULL};
	const char *scope = req_query(r, "scope"), *due = req_query(r, "due");
	struct page *p = answer_page_begin(r, 2, allowed);
	const char *values[ACTOR_PARAMS + 6];

	if (!p)
		return;
	if (scope && strcmp(scope, "mine") && strcmp(scope, "node")) {
		answer_bad_query(r, "scope", JSON_CODE_NOT_IN_LIST, "scope must be mine or node");
		return;
	}
	if (due && strcmp(due, "overdue") && strcmp(due, "today") && strcmp(due, "due") &&
	    strcmp(due, "all")) {
		answer_bad_query(r, "due", JSON_CODE_NOT_IN_LIST,
		                 "due must be overdue, today, due or all");
		return;
	}
	req_actor(r, values);
	values[4] = scope && !strcmp(scope, "node") ? "true" : "false";
	/* The bounds are days relative to the database's today, so they are computed there. */
	values[5] = NULL;
	values[6] = NULL;
	if (due && !strcmp(due, "overdue"))
		values[5] = "yesterday";
	else if (due && (!strcmp(due, "today") || !strcmp(due, "due")))
		values[5] = "today";
	if (due && !strcmp(due, "today"))
		values[6] = "today";
	values[7] = page_key(p, 0);
	values[8] = page_key(p, 1);
	values[9] = p->limit_text;
	req_db(r, "follow_up_list", (int)ARRAY_SIZE(values), values, answer_page);
}

static void count_follow_ups(struct req *r)
{
	const char *values[2] = {r->auth.node_id, r->auth.account_id};

	if (!req_check_query(r, no_query))
		return;
	req_db(r, "follow_up_count", 2, values, answer_row);
}

static void close_follow_up(struct req *r, const char *delete)
{
	const char *values[ACTOR_PARAMS + 2];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = delete;
	req_db(r, "follow_up_close", 6, values, on_written);
}

static void done(struct req *r)
{
	close_follow_up(r, "false");
}

static void delete_follow_up(struct req *r)
{
	close_follow_up(r, "true");
}

static const struct route routes[] = {
        {"POST", "/v1/cases/{id}/follow-ups", create_follow_up, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"GET", "/v1/cases/{id}/follow-ups", list_case_follow_ups, 0, ROLE_CASEWORKER,
         "cases:read"},
        {"GET", "/v1/follow-ups", list_follow_ups, 0, ROLE_CASEWORKER, "cases:read"},
        {"GET", "/v1/follow-ups/count", count_follow_ups, 0, ROLE_CASEWORKER, "cases:read"},
        {"POST", "/v1/follow-ups/{id}/done", done, 0, ROLE_CASEWORKER, "cases:write"},
        {"DELETE", "/v1/follow-ups/{id}", delete_follow_up, 0, ROLE_CASEWORKER, "cases:write"},
};

API_MODULE(follow_ups_api, "follow_ups", routes, stmts);
