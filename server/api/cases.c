/*
 * Cases (Fälle), consent (Einwilligung), enrolment in a chain, where a case stands on it, and
 * the steps its owner delivers itself.
 * A case belongs to its owner node; nodes holding a referral on it see its reference and
 * target group only; everyone else gets 404. Reads of a case are audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "cases_sql.h"
#include "chain.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "referral.h"
#include "validate.h"

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
        {"legal_basis", JF_KEY, JF_NULLABLE},        {"purpose_code", JF_KEY, JF_REQUIRED},
};

static const struct json_field enrol_fields[] = {
        {"chain_id", JF_UUID, JF_REQUIRED},
};

static const struct json_field step_fields[] = {
        {"state", JF_ENUM, JF_REQUIRED, 0, 0, referral_own_step_states},
        {"at", JF_TIMESTAMP, JF_NULLABLE},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
};

/* Cases */

static void create_case(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	const char *problem, *code;
	struct params p = {0};

	if (json_get_string(r->json, "reference") &&
	    (problem = validate_pseudonym(json_get_string(r->json, "reference"), &code)))
		json_add_error(errors, "reference", code, problem);
	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "reference", json_get_string(r->json, "reference"));
	params_text(&p, "target_group", json_get_string(r->json, "target_group_id"));
	params_text(&p, "district", json_get_string(r->json, "district"));
	req_run(r, &sql_case_create, &p, answer_write);
}

static void list_cases(struct req *r)
{
	static const char *const allowed[] = {"status", "target_group_id", "scope", NULL};
	const char *status = req_query(r, "status"), *tg = req_query(r, "target_group_id");
	const char *scope = req_query(r, "scope");
	struct page *page = answer_page_begin(r, 2, allowed);
	struct params p = {0};

	if (!page)
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
	req_actor(r, &p);
	params_text(&p, "status", status);
	params_text(&p, "target_group", tg);
	params_text(&p, "scope", scope ? scope : "mine");
	params_page(&p, page);
	req_run(r, &sql_case_list, &p, answer_page);
}

/* Run stmt with the actor and the path's id: what most case routes take. */
static void run_on_case(struct req *r, const struct db_stmt *stmt, db_callback cb)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, stmt, &p, cb);
}

static void get_case(struct req *r)
{
	run_on_case(r, &sql_case_get, answer_row);
}

static void update_case(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	const char *ref = json_get_string(r->json, "reference");
	const char *problem, *code;
	const char *status = json_get_string(r->json, "status");
	bool closing = status && !strcmp(status, "closed");
	struct params p = {0};

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
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (answer_patch_params(r, &p))
		req_run(r, &sql_case_update, &p, answer_write);
}

/* Consent */

static void create_consent(struct req *r)
{
	json_t *errors = answer_check_body(r, consent_fields, ARRAY_SIZE(consent_fields));
	struct params p = {0};
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
	req_actor(r, &p);
	params_text(&p, "case", req_param(r, "id"));
	params_text(&p, "scope", scope);
	params_text(&p, "recipient", recipient);
	params_text(&p, "purpose", json_get_string(r->json, "purpose"));
	params_text(&p, "given_on", given);
	params_text(&p, "expires_on", expires);
	params_text(&p, "evidence", json_get_string(r->json, "evidence"));
	params_text(&p, "legal_basis", json_get_string(r->json, "legal_basis"));
	params_text(&p, "purpose_code", json_get_string(r->json, "purpose_code"));
	req_run(r, &sql_case_consent_create, &p, answer_write);
}

static void list_consents(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "case", req_param(r, "id"));
	req_run(r, &sql_case_consent_list, &p, answer_items);
}

static void revoke_consent(struct req *r)
{
	run_on_case(r, &sql_case_consent_revoke, answer_write);
}

/* Enrolment, progress, next steps */

static void enrol(struct req *r)
{
	json_t *errors = answer_check_body(r, enrol_fields, ARRAY_SIZE(enrol_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "case", req_param(r, "id"));
	params_text(&p, "chain", json_get_string(r->json, "chain_id"));
	req_run(r, &sql_case_enrol, &p, answer_write);
}

/* The chain state of the case, or NULL after answering 404/409. */
static json_t *chain_state(struct req *r, const struct db_result *res)
{
	json_t *state;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return NULL;
	}
	if (strcmp(answer_column(res, "found"), "1") != 0) {
		http_not_found(r);
		return NULL;
	}
	if (!answer_column(res, "state")) {
		http_problem(r, 409, "not-enrolled", "Not enrolled",
		             "The case is not enrolled in a chain: POST /v1/cases/{id}/enrolment.");
		return NULL;
	}
	state = json_loads(answer_column(res, "state"), 0, NULL);
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
		enum referral_step_state st = REFERRAL_STEP_OPEN;

		referral_step_state_parse(json_get_string(step, "state"), &st);
		gs[i].key = json_get_string(step, "key");
		gs[i].name = json_get_string(step, "name");
		gs[i].category = json_get_string(step, "category");
		gs[i].required = json_is_true(json_object_get(step, "required"));
		/* Done steps open what follows them; steps under way hold it back. */
		if (st == REFERRAL_STEP_DONE)
			done[n_done++] = gs[i].key;
		else if (st == REFERRAL_STEP_IN_PROGRESS || st == REFERRAL_STEP_REFERRED)
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

static void record_step(struct req *r)
{
	json_t *errors = answer_check_body(r, step_fields, ARRAY_SIZE(step_fields));
	const char *key = req_param(r, "key");
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	/* Not a step key at all: no such step, as for any key the chain does not have. */
	if (!validate_key(key)) {
		http_not_found(r);
		return;
	}
	req_actor(r, &p);
	params_text(&p, "case", req_param(r, "id"));
	params_text(&p, "key", key);
	params_text(&p, "state", json_get_string(r->json, "state"));
	params_text(&p, "at", json_get_string(r->json, "at"));
	params_text(&p, "note", json_get_string(r->json, "note"));
	req_run(r, &sql_case_step_record, &p, answer_write);
}

static void progress(struct req *r)
{
	run_on_case(r, &sql_case_chain_state, on_progress);
}

static void next_steps(struct req *r)
{
	run_on_case(r, &sql_case_chain_state, on_next_steps);
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

API_MODULE(cases_api, "cases", routes, cases_sql);
