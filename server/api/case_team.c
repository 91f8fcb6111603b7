/*
 * Who works on a case (docs/data-model.md, "Responsibility, absence and follow-ups"): the
 * colleagues of the caller's node, handing a case's responsibility to one of them, its
 * deputies, the case's timeline, and the caller's absences with their stand-in.
 * Everything is the owner node's: another node's case answers 404 like a missing one. The
 * timeline is the one exception: it is the whole case's history (team, referrals, case
 * conferences: case_timeline in schema/functions/conferences.sql), and a node invited to a
 * conference of the case reads that conference's entries in it.
 */
#include <string.h>

#include "answer.h"
#include "api.h"
#include "case_team_sql.h"
#include "http.h"
#include "json.h"
#include "params.h"
#include "validate.h"

static const struct json_field responsible_fields[] = {
        {"account_id", JF_UUID, JF_REQUIRED},
};

static const struct json_field deputies_fields[] = {
        {"account_ids", JF_UUID_ARRAY, JF_REQUIRED, 0, 10},
};

static const struct json_field absence_fields[] = {
        {"starts_on", JF_DATE, JF_REQUIRED},
        {"ends_on", JF_DATE, JF_REQUIRED},
        {"stand_in_account_id", JF_UUID, JF_REQUIRED},
};

static const char *const no_query[] = {NULL};

static void list_colleagues(struct req *r)
{
	struct params p = {0};

	if (!req_check_query(r, no_query))
		return;
	params_text(&p, "node", r->auth.node_id);
	req_run(r, &sql_team_colleagues, &p, answer_items);
}

/* The actor, case {id} and its If-Match: what a team change takes first; false after 400. */
static bool team_change_params(struct req *r, struct params *p)
{
	req_actor(r, p);
	params_text(p, "id", req_param(r, "id"));
	return answer_if_match_param(r, p);
}

static void set_responsible(struct req *r)
{
	json_t *errors = answer_check_body(r, responsible_fields, ARRAY_SIZE(responsible_fields));
	struct params p = {0};

	if (answer_invalid(r, errors) || !team_change_params(r, &p))
		return;
	params_text(&p, "account_id", json_get_string(r->json, "account_id"));
	req_run(r, &sql_team_responsible_set, &p, answer_write);
}

static void set_deputies(struct req *r)
{
	json_t *errors = answer_check_body(r, deputies_fields, ARRAY_SIZE(deputies_fields));
	struct params p = {0};

	if (answer_invalid(r, errors) || !team_change_params(r, &p))
		return;
	params_array(&p, "account_ids", json_object_get(r->json, "account_ids"));
	req_run(r, &sql_team_deputies_set, &p, answer_write);
}

static void timeline(struct req *r)
{
	struct params p = {0};

	if (!req_check_query(r, no_query))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_team_timeline, &p, answer_items);
}

static void list_absences(struct req *r)
{
	struct params p = {0};

	if (!req_check_query(r, no_query))
		return;
	params_text(&p, "account", r->auth.account_id);
	req_run(r, &sql_team_absences, &p, answer_items);
}

static void create_absence(struct req *r)
{
	json_t *errors = answer_check_body(r, absence_fields, ARRAY_SIZE(absence_fields));
	const char *starts = json_get_string(r->json, "starts_on");
	const char *ends = json_get_string(r->json, "ends_on");
	struct params p = {0};

	/* Dates compare as text in YYYY-MM-DD. */
	if (starts && ends && validate_date(starts) && validate_date(ends) &&
	    strcmp(ends, starts) < 0)
		json_add_error(errors, "ends_on", "before_starts_on", "cannot be before starts_on");
	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "starts_on", starts);
	params_text(&p, "ends_on", ends);
	params_text(&p, "stand_in_account_id", json_get_string(r->json, "stand_in_account_id"));
	req_run(r, &sql_team_absence_create, &p, answer_write);
}

static void delete_absence(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_team_absence_delete, &p, answer_write);
}

static const struct route routes[] = {
        {"GET", "/v1/colleagues", list_colleagues, 0, ROLE_CASEWORKER, "cases:read"},
        {"PUT", "/v1/cases/{id}/responsible", set_responsible, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"PUT", "/v1/cases/{id}/deputies", set_deputies, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"GET", "/v1/cases/{id}/timeline", timeline, 0, ROLE_CASEWORKER, "cases:read"},
        {"GET", "/v1/me/absences", list_absences, 0, ROLE_CASEWORKER, "cases:read"},
        {"POST", "/v1/me/absences", create_absence, ROUTE_BODY, ROLE_CASEWORKER, "cases:write"},
        {"DELETE", "/v1/me/absences/{id}", delete_absence, 0, ROLE_CASEWORKER, "cases:write"},
};

API_MODULE(case_team_api, "case_team", routes, case_team_sql);
