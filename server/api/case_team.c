/*
 * Who works on a case (docs/data-model.md, "Responsibility, absence and follow-ups"): the
 * colleagues of the caller's node, handing a case's responsibility to one of them, its
 * deputies, the case's own timeline, and the caller's absences with their stand-in.
 * Everything is the owner node's: another node's case answers 404 like a missing one.
 */
#include <stdlib.h>
#include <string.h>

#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "http.h"
#include "json.h"
#include "validate.h"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/* $1 node: the active caseworkers of the node, with today's absence of each */
	{"team_colleagues",
	 "SELECT coalesce(json_agg(json_build_object("
	 "           'id', a.id, 'display_name', a.display_name,"
	 "           'absence', (SELECT absence_json(x) FROM account_absence x"
	 "                        WHERE x.account_id = a.id"
	 "                          AND current_date BETWEEN x.starts_on AND x.ends_on))"
	 "         ORDER BY a.display_name, a.id), '[]')::text"
	 "  FROM account a"
	 " WHERE a.role = 'caseworker' AND a.node_id = $1::uuid AND NOT a.disabled"},
	/* actor, $5 case, $6 version or NULL, $7 account (schema/0080_case_team.sql) */
	{"team_responsible_set",
	 "SELECT outcome, body, version"
	 "  FROM case_responsible_set($1, $2, $3, $4, $5, $6::int, $7::uuid)"},
	/* actor, $5 case, $6 version or NULL, $7 the account ids as a JSON array */
	{"team_deputies_set",
	 "SELECT outcome, body, version"
	 "  FROM case_deputies_set($1, $2, $3, $4, $5, $6::int,"
	 "                         ARRAY(SELECT jsonb_array_elements_text($7::jsonb))::uuid[])"},
	/* actor, $5 case: the timeline of the node's case, audited as a read of the case; no row
	   when it is not the node's */
	{"team_timeline",
	 "WITH c AS (SELECT id FROM client_case WHERE id = $5 AND owner_node_id = $2::uuid),"
	 " au AS (" AUDIT_INSERT("case.timeline_read", "client_case", "c.id", "NULL") " FROM c)"
	 "SELECT (SELECT coalesce(json_agg(case_event_json(e) ORDER BY e.id), '[]')"
	 "          FROM case_event e WHERE e.case_id = c.id)::text"
	 "  FROM c"},
	/* $1 account: its absences that have not ended, soonest first */
	{"team_absences",
	 "SELECT coalesce(json_agg(absence_json(x) ORDER BY x.starts_on, x.id), '[]')::text"
	 "  FROM account_absence x"
	 " WHERE x.account_id = $1::uuid AND x.ends_on >= current_date"},
	/* actor, $5 starts, $6 ends, $7 stand-in */
	{"team_absence_create",
	 "SELECT body, NULL::int, NULL::text"
	 "  FROM absence_create($1, $2, $3, $4, $5::date, $6::date, $7::uuid)"},
	/* actor, $5 absence: the caller's own only; the count of rows deleted */
	{"team_absence_delete",
	 "WITH x AS (DELETE FROM account_absence WHERE id = $5::uuid AND account_id = $1::uuid"
	 "           RETURNING *),"
	 " au AS (INSERT INTO audit_log (account_id, node_id, action, object_type, object_id,"
	 "                               request_id, client_addr, detail)"
	 "        SELECT $1::uuid, $2::uuid, 'account.absence_delete', 'account', x.account_id,"
	 "               $3, $4, jsonb_build_object('absence_id', x.id) FROM x)"
	 "SELECT count(*)::text FROM x"},
};
/* clang-format on */

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

/* An {items, next} answer from a statement's one JSON array (no row: 404). */
static void on_items(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	json_t *items;

	if (!answer_found(r, res))
		return;
	items = json_loads(PQgetvalue(res->pg, 0, 0), 0, NULL);
	http_reply_json(r, 200,
	                json_pack("{s:o, s:n}", "items", items ? items : json_array(), "next"));
}

static void list_colleagues(struct req *r)
{
	const char *values[1] = {r->auth.node_id};

	if (!req_check_query(r, no_query))
		return;
	req_db(r, "team_colleagues", 1, values, on_items);
}

/* The answer of a team change: (outcome, case, version). */
static void on_changed(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (answer_outcome_is(res, "not_found"))
		http_not_found(r);
	else if (answer_outcome_is(res, "stale"))
		http_problem(r, 412, "stale", "Precondition failed",
		             "The case is at version %s; read it again.",
		             PQgetvalue(res->pg, 0, 2));
	else
		answer_write(r, res, "case", NULL);
}

/* Send a team change of case {id}: the actor, the case, If-Match (optional), one value. */
static void change_team(struct req *r, const char *stmt, const char *value)
{
	const char *values[ACTOR_PARAMS + 3];
	char version_text[24];
	int if_match = req_if_match_text(r, version_text);

	if (if_match < 0)
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = if_match ? version_text : NULL;
	values[6] = value;
	req_db(r, stmt, 7, values, on_changed);
}

static void set_responsible(struct req *r)
{
	json_t *errors = answer_check_body(r, responsible_fields, ARRAY_SIZE(responsible_fields));

	if (answer_invalid(r, errors))
		return;
	change_team(r, "team_responsible_set", json_get_string(r->json, "account_id"));
}

static void set_deputies(struct req *r)
{
	json_t *errors = answer_check_body(r, deputies_fields, ARRAY_SIZE(deputies_fields));
	char *ids;

	if (answer_invalid(r, errors))
		return;
	ids = json_dumps(json_object_get(r->json, "account_ids"), JSON_COMPACT);
	change_team(r, "team_deputies_set", ids);
	free(ids);
}

static void timeline(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	if (!req_check_query(r, no_query))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "team_timeline", 5, values, on_items);
}

static void list_absences(struct req *r)
{
	const char *values[1] = {r->auth.account_id};

	if (!req_check_query(r, no_query))
		return;
	req_db(r, "team_absences", 1, values, on_items);
}

static void on_absence_created(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK || PQntuples(res->pg) != 1)
		http_db_failed(r, res);
	else
		http_reply_json_text(r, 201, PQgetvalue(res->pg, 0, 0), 0);
}

static void create_absence(struct req *r)
{
	json_t *errors = answer_check_body(r, absence_fields, ARRAY_SIZE(absence_fields));
	const char *values[ACTOR_PARAMS + 3];
	const char *starts = json_get_string(r->json, "starts_on");
	const char *ends = json_get_string(r->json, "ends_on");

	/* Dates compare as text in YYYY-MM-DD. */
	if (starts && ends && validate_date(starts) && validate_date(ends) &&
	    strcmp(ends, starts) < 0)
		json_add_error(errors, "ends_on", "before_starts_on", "cannot be before starts_on");
	if (answer_invalid(r, errors))
		return;
	req_actor(r, values);
	values[4] = starts;
	values[5] = ends;
	values[6] = json_get_string(r->json, "stand_in_account_id");
	req_db(r, "team_absence_create", 7, values, on_absence_created);
}

static void delete_absence(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "team_absence_delete", 5, values, answer_no_content);
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

API_MODULE(case_team_api, "case_team", routes, stmts);
