/*
 * Follow-up dates (Wiedervorlage) on a node's cases: set one with a short reason, list a
 * case's, list the open ones of "my cases" (responsible, deputy, standing in) or of the whole
 * node, count what is due for the navigation, move one to another day, mark one done or
 * take it back. The event
 * case.follow_up_due is written by follow_up_timer.c. A reason is hidden under the consent
 * rule of notes (follow_up_json in schema/functions/follow_ups.sql).
 */
#include <string.h>

#include "answer.h"
#include "api.h"
#include "follow_ups_sql.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "params.h"

static const struct json_field create_fields[] = {
        {"due_on", JF_DATE, JF_REQUIRED},
        {"reason", JF_STRING, JF_REQUIRED, 1, 200},
};

static const struct json_field move_fields[] = {
        {"due_on", JF_DATE, JF_REQUIRED},
};

static const char *const no_query[] = {NULL};

static void create_follow_up(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	params_text(&p, "due_on", json_get_string(r->json, "due_on"));
	params_text(&p, "reason", json_get_string(r->json, "reason"));
	req_run(r, &sql_follow_up_create, &p, answer_write);
}

static void list_case_follow_ups(struct req *r)
{
	struct params p = {0};

	if (!req_check_query(r, no_query))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_follow_up_of_case, &p, answer_items);
}

/*
 * ?scope=mine (the default: the caller's cases) or node; ?due=overdue, today, due (today and
 * before) or all (the default).
 */
static void list_follow_ups(struct req *r)
{
	static const char *const allowed[] = {"scope", "due", NULL};
	const char *scope = req_query(r, "scope"), *due = req_query(r, "due");
	struct page *page = answer_page_begin(r, 2, allowed);
	/* The bounds are days relative to the database's today, so they are computed there. */
	const char *until = NULL, *from = NULL;
	struct params p = {0};

	if (!page)
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
	if (due && !strcmp(due, "overdue"))
		until = "yesterday";
	else if (due && (!strcmp(due, "today") || !strcmp(due, "due")))
		until = "today";
	if (due && !strcmp(due, "today"))
		from = "today";
	req_actor(r, &p);
	params_bool(&p, "whole_node", scope && !strcmp(scope, "node"));
	params_text(&p, "due_until", until);
	params_text(&p, "due_from", from);
	params_page(&p, page);
	req_run(r, &sql_follow_up_list, &p, answer_page);
}

static void count_follow_ups(struct req *r)
{
	struct params p = {0};

	if (!req_check_query(r, no_query))
		return;
	params_text(&p, "node", r->auth.node_id);
	params_text(&p, "account", r->auth.account_id);
	req_run(r, &sql_follow_up_count, &p, answer_row);
}

/* Another day for an open follow-up (If-Match optional: its version). */
static void move_follow_up(struct req *r)
{
	json_t *errors = answer_check_body(r, move_fields, ARRAY_SIZE(move_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!answer_if_match_param(r, &p))
		return;
	params_text(&p, "due_on", json_get_string(r->json, "due_on"));
	req_run(r, &sql_follow_up_move, &p, answer_write);
}

static void close_follow_up(struct req *r, bool delete)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	params_bool(&p, "delete", delete);
	req_run(r, &sql_follow_up_close, &p, answer_write);
}

static void done(struct req *r)
{
	close_follow_up(r, false);
}

static void delete_follow_up(struct req *r)
{
	close_follow_up(r, true);
}

static const struct route routes[] = {
        {"POST", "/v1/cases/{id}/follow-ups", create_follow_up, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"GET", "/v1/cases/{id}/follow-ups", list_case_follow_ups, 0, ROLE_CASEWORKER,
         "cases:read"},
        {"GET", "/v1/follow-ups", list_follow_ups, 0, ROLE_CASEWORKER, "cases:read"},
        {"GET", "/v1/follow-ups/count", count_follow_ups, 0, ROLE_CASEWORKER, "cases:read"},
        {"PATCH", "/v1/follow-ups/{id}", move_follow_up, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"POST", "/v1/follow-ups/{id}/done", done, 0, ROLE_CASEWORKER, "cases:write"},
        {"DELETE", "/v1/follow-ups/{id}", delete_follow_up, 0, ROLE_CASEWORKER, "cases:write"},
};

API_MODULE(follow_ups_api, "follow_ups", routes, follow_ups_sql);
