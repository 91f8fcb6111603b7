/*
 * Cases (Fälle), consent (Einwilligung), enrolment in a chain, where a case stands on it, and
 * the steps its owner delivers itself.
 * A case belongs to its owner node; nodes holding a referral on it see its reference and
 * target group only; everyone else gets 404. Reads of a case are audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "chain.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"

/* clang-format off */
static const struct db_stmt stmts[] = {
	{"case_create",
	 "SELECT body, version, '/v1/cases/' || (body::json->>'id')"
	 " FROM case_create($1, $2, $3, $4, $5, $6, $7)"},
	/* actor (node $2), $5 status, $6 target group, $7 $8 cursor (opened_at, id), $9 limit + 1,
	   $10 scope: the account's cases (mine: responsible, deputy, standing in) or the node's,
	   each with the account's role on it (case_role, schema/0080_case_team.sql); one audit
	   row naming those shown (not the look-ahead row) */
	{"case_list",
	 "WITH page AS (SELECT c.id, c.opened_at FROM client_case c"
	 "   WHERE c.owner_node_id = $2::uuid AND ($5::text IS NULL OR c.status = $5)"
	 "     AND ($10::text = 'node' OR c.id IN (SELECT account_case_ids($1::uuid)))"
	 "     AND ($6::uuid IS NULL OR c.target_group_id = $6::uuid)"
	 "     AND ($7::text IS NULL OR (c.opened_at, c.id) < ($7::timestamptz, $8::uuid))"
	 "   ORDER BY c.opened_at DESC, c.id DESC LIMIT $9::int),"
	 " shown AS (SELECT * FROM page ORDER BY opened_at DESC, id DESC LIMIT $9::int - 1),"
	 " au AS (" AUDIT_INSERT("case.list", "client_case", "NULL::uuid",
	                         "jsonb_build_object('ids',"
	                         " jsonb_agg(id ORDER BY opened_at DESC, id DESC))")
	 " FROM shown HAVING count(*) > 0)"
	 "SELECT (case_json(c, $2::uuid)::jsonb"
	 "        || jsonb_build_object('my_role', case_role(c, $1::uuid)))::text,"
	 "       c.opened_at::text, c.id::text"
	 " FROM page JOIN client_case c USING (id) ORDER BY c.opened_at DESC, c.id DESC"},
	/* actor, $5 case: the case as the caller may see it, with an audit row for the read */
	{"case_get",
	 "WITH au AS (" AUDIT_INSERT("case.read", "client_case", "c.id", "NULL")
	 " FROM client_case c WHERE c.id = $5 AND case_visible(c.id, $2::uuid))"
	 "SELECT case_json(c, $2::uuid)::text, c.version FROM client_case c"
	 " WHERE c.id = $5 AND case_visible(c.id, $2::uuid)"},
	{"case_update",
	 "SELECT outcome, body, version FROM case_update($1, $2, $3, $4, $5, $6, $7)"},
	{"case_consent_create",
	 "SELECT outcome, body FROM consent_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
	/* actor, $5 case: its consents, with one audit row for the read naming them */
	{"case_consent_list",
	 "WITH c AS (SELECT id FROM client_case WHERE id = $5 AND owner_node_id = $2::uuid),"
	 " k AS (SELECT x.id, x.created_at, consent_json(x) AS j FROM consent x"
	 "       WHERE x.case_id IN (SELECT id FROM c)),"
	 " au AS (" AUDIT_INSERT("consent.list", "client_case", "c.id",
	                         "jsonb_build_object('ids', (SELECT coalesce(jsonb_agg(k.id"
	                         " ORDER BY k.created_at, k.id), '[]') FROM k))") " FROM c)"
	 "SELECT (SELECT coalesce(json_agg(k.j ORDER BY k.created_at, k.id), '[]') FROM k)::text"
	 " FROM c"},
	{"case_consent_revoke",
	 "SELECT outcome, body, NULL::int FROM consent_revoke($1, $2, $3, $4, $5)"},
	{"case_enrol", "SELECT outcome, body, version FROM case_enrol($1, $2, $3, $4, $5, $6)"},
	/* actor, $5 case: the chain state, audited as a read of the case (when there is one to
	   read: a case that is not enrolled answers 409 and writes nothing) */
	{"case_chain_state",
	 "WITH c AS (SELECT id, chain_version_id FROM client_case"
	 "           WHERE id = $5 AND owner_node_id = $2::uuid),"
	 " au AS (" AUDIT_INSERT("case.progress_read", "client_case", "c.id", "NULL")
	 " FROM c WHERE c.chain_version_id IS NOT NULL)"
	 "SELECT (SELECT count(*) FROM c), case_chain_state($5, $2::uuid)::text"},
	/* actor, $5 case, $6 step key, $7 state, $8 at, $9 note (schema/0040_case_steps.sql) */
	{"case_step_record",
	 "SELECT outcome, body FROM case_step_record($1, $2, $3, $4, $5, $6, $7, $8, $9)"},
};
/* clang-format on */

static const char *const case_statuses[] = {"closed", NULL};
static const char *const close_reasons[] = {
        "goal_reached", "moved_away", "no_longer_eligible", "client_withdrew", "no_contact",
        "other",        NULL};
static const char *const scopes[] = {"node", "network", NULL};

static const struct json_field create_fields[] = {
        {"reference", JF_STRING, JF_REQUIRED, 1, 64},
        {"target_group_id", JF_UUID, JF_REQUIRED},
        {"district", JF_STRING, JF_NULLABLE, 1, 100},
};

static const struct json_field update_fields[] = {
        {"reference", JF_STRING, 0, 1, 64},
        {"district", JF_STRING, JF_NULLABLE, 1, 100},
        {"status", JF_ENUM, 0, 0, 0, case_statuses},
        {"close_reason", JF_ENUM, 0, 0, 0, close_reasons},
};

static const struct json_field consent_fields[] = {
        {"scope", JF_ENUM, 0, 0, 0, scopes},         {"recipient_node_id", JF_UUID, JF_NULLABLE},
        {"purpose", JF_STRING, JF_REQUIRED, 1, 200}, {"given_on", JF_DATE, JF_REQUIRED},
        {"expires_on", JF_DATE, JF_NULLABLE},        {"evidence", JF_STRING, JF_REQUIRED, 1, 200},
};

static const struct json_field enrol_fields[] = {
        {"chain_id", JF_UUID, JF_REQUIRED},
};

static const char *const step_states[] = {"in_progress", "done", NULL};

static const struct json_field step_fields[] = {
        {"state", JF_ENUM, JF_REQUIRED, 0, 0, step_states},
        {"at", JF_TIMESTAMP, JF_NULLABLE},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
};

/*
 * The answer of a statement returning (outcome, body, version): 'not_found' is 404 and a
 * stale case names only the version it is at.
 */
static void on_outcome(void *arg, const struct db_result *res)
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

/* The same for a consent just recorded: 201, without a Location (a consent has no URL). */
static void on_consent_created(void *arg, const struct db_result *res)
{
	if (answer_outcome_is(res, "ok"))
		http_reply_json_text(arg, 201, PQgetvalue(res->pg, 0, 1), 0);
	else
		on_outcome(arg, res);
}

/* Cases */

static void create_case(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	const char *values[ACTOR_PARAMS + 3], *problem, *code;

	if (json_get_string(r->json, "reference") &&
	    (problem = validate_pseudonym(json_get_string(r->json, "reference"), &code)))
		json_add_error(errors, "reference", code, problem);
	if (answer_invalid(r, errors))
		return;
	req_actor(r, values);
	values[4] = json_get_string(r->json, "reference");
	values[5] = json_get_string(r->json, "target_group_id");
	values[6] = json_get_string(r->json, "district");
	req_db(r, "case_create", 7, values, answer_created);
}

static void list_cases(struct req *r)
{
	static const char *const allowed[] = {"status", "target_group_id", "scope", NULL};
	const char *status = req_query(r, "status"), *tg = req_query(r, "target_group_id");
	const char *scope = req_query(r, "scope");
	struct page *p = answer_page_begin(r, 2, allowed);
	const char *values[ACTOR_PARAMS + 6];

	if (!p)
		return;
	if (status && strcmp(status, "open") && strcmp(status, "closed")) {
		answer_bad_query(r, "status", JSON_CODE_NOT_IN_LIST,
		                 "status must be open or closed");
		return;
	}
	if (tg && !validate_uuid(tg)) {
		answer_bad_query(r, "target_group_id", JSON_CODE_UUID,
		                 "target_group_id must be a UUID");
		return;
	}
	/* "My cases" by default, "all of the node" one click away (docs/user-guide). */
	if (scope && strcmp(scope, "mine") && strcmp(scope, "node")) {
		answer_bad_query(r, "scope", JSON_CODE_NOT_IN_LIST, "scope must be mine or node");
		return;
	}
	req_actor(r, values);
	values[4] = status;
	values[5] = tg;
	values[6] = page_key(p, 0);
	values[7] = page_key(p, 1);
	values[8] = p->limit_text;
	values[9] = scope ? scope : "mine";
	req_db(r, "case_list", (int)ARRAY_SIZE(values), values, answer_page);
}

static void get_case(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "case_get", 5, values, answer_row);
}

static void update_case(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	const char *values[ACTOR_PARAMS + 3], *ref = json_get_string(r->json, "reference");
	const char *problem, *code;
	const char *status = json_get_string(r->json, "status");
	bool closing = status && !strcmp(status, "closed");
	char version_text[24], *patch;
	int if_match;

	if (ref && (problem = validate_pseudonym(ref, &code)))
		json_add_error(errors, "reference", code, problem);
	if (closing && !json_object_get(r->json, "close_reason"))
		json_add_error(errors, "close_reason", JSON_CODE_REQUIRED,
		               "is required when closing a case");
	if (!status && json_object_get(r->json, "close_reason"))
		json_add_error(errors, "close_reason", "not_allowed",
		               "is only given when closing (status: closed)");
	if (answer_invalid(r, errors))
		return;
	if_match = req_if_match_text(r, version_text);
	if (if_match < 0)
		return;
	patch = json_dumps(r->json, JSON_COMPACT);
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = if_match ? version_text : NULL;
	values[6] = patch;
	req_db(r, "case_update", 7, values, on_outcome);
	free(patch);
}

/* Consent */

static void create_consent(struct req *r)
{
	json_t *errors = answer_check_body(r, consent_fields, ARRAY_SIZE(consent_fields));
	const char *values[ACTOR_PARAMS + 7];
	const char *scope = json_get_string(r->json, "scope");
	const char *recipient = json_get_string(r->json, "recipient_node_id");
	const char *given = json_get_string(r->json, "given_on");
	const char *expires = json_get_string(r->json, "expires_on");

	if (!scope)
		scope = "node";
	if (!strcmp(scope, "node") && !recipient)
		json_add_error(errors, "recipient_node_id", JSON_CODE_REQUIRED,
		               "is required unless scope is network");
	if (!strcmp(scope, "network") && recipient)
		json_add_error(errors, "recipient_node_id", "not_allowed",
		               "is not given when scope is network");
	/* Dates compare as text in YYYY-MM-DD. */
	if (given && expires && validate_date(given) && validate_date(expires) &&
	    strcmp(expires, given) < 0)
		json_add_error(errors, "expires_on", "before_given_on",
		               "cannot be before given_on");
	if (answer_invalid(r, errors))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = scope;
	values[6] = recipient;
	values[7] = json_get_string(r->json, "purpose");
	values[8] = given;
	values[9] = expires;
	values[10] = json_get_string(r->json, "evidence");
	req_db(r, "case_consent_create", 11, values, on_consent_created);
}

static void on_consents(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	json_t *items;

	if (!answer_found(r, res))
		return;
	items = json_loads(PQgetvalue(res->pg, 0, 0), 0, NULL);
	http_reply_json(r, 200,
	                json_pack("{s:o, s:n}", "items", items ? items : json_array(), "next"));
}

static void list_consents(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "case_consent_list", 5, values, on_consents);
}

static void revoke_consent(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "case_consent_revoke", 5, values, on_outcome);
}

/* Enrolment, progress, next steps */

static void enrol(struct req *r)
{
	json_t *errors = answer_check_body(r, enrol_fields, ARRAY_SIZE(enrol_fields));
	const char *values[ACTOR_PARAMS + 2];

	if (answer_invalid(r, errors))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = json_get_string(r->json, "chain_id");
	req_db(r, "case_enrol", 6, values, on_outcome);
}

/* The chain state of the case, or NULL after answering 404/409. */
static json_t *chain_state(struct req *r, const struct db_result *res)
{
	json_t *state;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return NULL;
	}
	if (strcmp(PQgetvalue(res->pg, 0, 0), "1") != 0) {
		http_not_found(r);
		return NULL;
	}
	if (PQgetisnull(res->pg, 0, 1)) {
		http_problem(r, 409, "not-enrolled", "Not enrolled",
		             "The case is not enrolled in a chain: POST /v1/cases/{id}/enrolment.");
		return NULL;
	}
	state = json_loads(PQgetvalue(res->pg, 0, 1), 0, NULL);
	if (!state)
		http_problem(r, 500, "internal", "Internal error",
		             "The chain state is unreadable.");
	return state;
}

static void on_progress(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	json_t *state = chain_state(r, res);
	json_t *step;
	size_t i;

	if (!state)
		return;
	/* Progress shows what happened; suggestions belong to next-steps. */
	json_array_foreach(json_object_get(state, "steps"), i, step)
		json_object_del(step, "suggestions");
	http_reply_json(r, 200, state);
}

static void on_next_steps(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	json_t *state = chain_state(r, res), *steps, *edges, *step, *edge, *open;
	struct chain_step *gs;
	struct chain_edge *ge;
	const char **done, **busy;
	size_t n_steps, n_edges, n_done = 0, n_busy = 0, i, *out;
	struct chain_graph g;
	long n_open;

	if (!state)
		return;
	steps = json_object_get(state, "steps");
	edges = json_object_get(state, "edges");
	n_steps = json_array_size(steps);
	n_edges = json_array_size(edges);
	gs = xcalloc(n_steps, sizeof(*gs));
	ge = xcalloc(n_edges, sizeof(*ge));
	done = xcalloc(n_steps, sizeof(*done));
	busy = xcalloc(n_steps, sizeof(*busy));
	out = xcalloc(n_steps, sizeof(*out));
	json_array_foreach(steps, i, step) {
		const char *st = json_get_string(step, "state");
		gs[i].key = json_get_string(step, "key");
		gs[i].name = json_get_string(step, "name");
		gs[i].category = json_get_string(step, "category");
		gs[i].required = json_is_true(json_object_get(step, "required"));
		if (!strcmp(st, "done"))
			done[n_done++] = gs[i].key;
		else if (!strcmp(st, "in_progress") || !strcmp(st, "referred"))
			busy[n_busy++] = gs[i].key;
	}
	json_array_foreach(edges, i, edge) {
		ge[i].from = json_get_string(edge, "from");
		ge[i].to = json_get_string(edge, "to");
	}
	g = (struct chain_graph){gs, n_steps, ge, n_edges};
	n_open = chain_next_steps(&g, done, n_done, busy, n_busy, out);
	if (n_open < 0) {
		http_problem(r, 500, "internal", "Internal error",
		             "The case's chain version is not a valid graph.");
	} else {
		open = json_array();
		for (long k = 0; k < n_open; k++)
			json_array_append(open, json_array_get(steps, out[k]));
		http_reply_json(r, 200,
		                json_pack("{s:O, s:O, s:O, s:o}", "case_id",
		                          json_object_get(state, "case_id"), "chain_id",
		                          json_object_get(state, "chain_id"), "chain_version",
		                          json_object_get(state, "chain_version"), "items", open));
	}
	free(gs);
	free(ge);
	free(done);
	free(busy);
	free(out);
	json_decref(state);
}

/* A step the owner delivers itself */

static void on_step_recorded(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (answer_outcome_is(res, "not_found"))
		http_not_found(r);
	else if (answer_outcome_is(res, "ok"))
		http_reply_json_text(r, 200, PQgetvalue(res->pg, 0, 1), 0);
	else
		http_db_failed(r, res);
}

static void record_step(struct req *r)
{
	json_t *errors = answer_check_body(r, step_fields, ARRAY_SIZE(step_fields));
	const char *values[ACTOR_PARAMS + 5], *key = req_param(r, "key");

	if (answer_invalid(r, errors))
		return;
	/* Not a step key at all: no such step, as for any key the chain does not have. */
	if (!validate_key(key)) {
		http_not_found(r);
		return;
	}
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = key;
	values[6] = json_get_string(r->json, "state");
	values[7] = json_get_string(r->json, "at");
	values[8] = json_get_string(r->json, "note");
	req_db(r, "case_step_record", 9, values, on_step_recorded);
}

static void chain_query(struct req *r, db_callback cb)
{
	const char *values[ACTOR_PARAMS + 1];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "case_chain_state", 5, values, cb);
}

static void progress(struct req *r)
{
	chain_query(r, on_progress);
}

static void next_steps(struct req *r)
{
	chain_query(r, on_next_steps);
}

static const struct route routes[] = {
        {"POST", "/v1/cases", create_case, ROUTE_BODY, ROLE_CASEWORKER, "cases:write"},
        {"GET", "/v1/cases", list_cases, 0, ROLE_CASEWORKER, "cases:read"},
        {"GET", "/v1/cases/{id}", get_case, 0, ROLE_CASEWORKER, "cases:read"},
        {"PATCH", "/v1/cases/{id}", update_case, ROUTE_BODY, ROLE_CASEWORKER, "cases:write"},
        {"POST", "/v1/cases/{id}/consents", create_consent, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"GET", "/v1/cases/{id}/consents", list_consents, 0, ROLE_CASEWORKER, "cases:read"},
        {"POST", "/v1/consents/{id}/revoke", revoke_consent, 0, ROLE_CASEWORKER, "cases:write"},
        {"POST", "/v1/cases/{id}/enrolment", enrol, ROUTE_BODY, ROLE_CASEWORKER, "cases:write"},
        {"GET", "/v1/cases/{id}/progress", progress, 0, ROLE_CASEWORKER, "cases:read"},
        {"GET", "/v1/cases/{id}/next-steps", next_steps, 0, ROLE_CASEWORKER, "cases:read"},
        {"POST", "/v1/cases/{id}/steps/{key}", record_step, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
};

API_MODULE(cases_api, "cases", routes, stmts);
