/*
 * Case conferences (Fallkonferenzen, docs/architecture.md "Case conferences"): the case's
 * owning node plans a conference on the case (optionally on a step of its chain) with other
 * members of the case's network, changes, holds or cancels it, records its decisions and
 * makes referrals from them; the invited nodes see it, its agenda and its decisions' text
 * only while a consent of the client covers them; everyone else gets 404. The case's
 * timeline (GET /v1/cases/{id}/timeline, server/api/case_team.c) shows the conferences next
 * to the referrals and the team's entries. Who may see what is decided in SQL
 * (schema/functions/conferences.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "conferences_sql.h"
#include "http.h"
#include "idempotency.h"
#include "json.h"
#include "page.h"
#include "referrals.h"
#include "validate.h"

static const char *const finishing[] = {"held", "cancelled", NULL};
static const char *const statuses[] = {"planned", "held", "cancelled", NULL};
static const char *const priorities[] = {"normal", "urgent", NULL};

/* At most this many invited nodes: a conference, not a network meeting. */
#define MAX_PARTICIPANTS 30

static const struct json_field create_fields[] = {
        {"starts_at", JF_TIMESTAMP, JF_REQUIRED},
        {"ends_at", JF_TIMESTAMP, JF_NULLABLE},
        {"place", JF_STRING, JF_NULLABLE, 1, 200},
        {"video_url", JF_URL, JF_NULLABLE},
        {"agenda", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
        {"chain_step_key", JF_KEY, JF_NULLABLE},
        {"participant_node_ids", JF_UUID_ARRAY, JF_REQUIRED, 1, MAX_PARTICIPANTS},
};

static const struct json_field update_fields[] = {
        {"starts_at", JF_TIMESTAMP, 0},
        {"ends_at", JF_TIMESTAMP, JF_NULLABLE},
        {"place", JF_STRING, JF_NULLABLE, 1, 200},
        {"video_url", JF_URL, JF_NULLABLE},
        {"agenda", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
        {"chain_step_key", JF_KEY, JF_NULLABLE},
        {"participant_node_ids", JF_UUID_ARRAY, 0, 1, MAX_PARTICIPANTS},
        {"status", JF_ENUM, 0, 0, 0, finishing},
};

static const struct json_field decision_fields[] = {
        {"text", JF_STRING, JF_REQUIRED | JF_MULTILINE, 1, 4000},
};

static const struct json_field refer_fields[] = {
        {"to_node_id", JF_UUID, JF_REQUIRED},
        {"chain_step_key", JF_KEY, JF_NULLABLE},
        {"service_id", JF_UUID, JF_NULLABLE},
        {"reason", JF_STRING, JF_NULLABLE, 1, 200},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
        {"priority", JF_ENUM, 0, 0, 0, priorities},
};

/*
 * The rules across fields of a conference body (create or patch): a video link is https
 * (it carries the meeting into the participants' browsers); a new conference has a place or
 * a link (a patch that clears both is refused by conference_place_required).
 */
static void check_conference(const json_t *body, bool create, json_t *errors)
{
	const char *url = json_get_string(body, "video_url");

	if (url && validate_url(url) && strncmp(url, "https://", 8) != 0)
		json_add_error(errors, "video_url", "https", "must be an https:// link");
	if (create && !json_get_string(body, "place") && !url)
		json_add_error(errors, "place", JSON_CODE_REQUIRED,
		               "a place or a video_url is required");
}

static void create_conference(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	struct params p = {0};

	check_conference(r->json, true, errors);
	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "case", req_param(r, "id"));
	params_text(&p, "chain_step_key", json_get_string(r->json, "chain_step_key"));
	params_text(&p, "starts_at", json_get_string(r->json, "starts_at"));
	params_text(&p, "ends_at", json_get_string(r->json, "ends_at"));
	params_text(&p, "place", json_get_string(r->json, "place"));
	params_text(&p, "video_url", json_get_string(r->json, "video_url"));
	params_text(&p, "agenda", json_get_string(r->json, "agenda"));
	params_array(&p, "participants", json_object_get(r->json, "participant_node_ids"));
	req_run(r, &sql_conference_create, &p, answer_write);
}

static void update_conference(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	struct params p = {0};

	check_conference(r->json, false, errors);
	/* Holding or cancelling is its own act; a change goes before it. */
	if (json_object_get(r->json, "status") && json_object_size(r->json) > 1)
		json_add_error(
		        errors, "status", "alone",
		        "is given alone: change the conference first, then hold or cancel it");
	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (answer_patch_params(r, &p))
		req_run(r, &sql_conference_update, &p, answer_write);
}

static void get_conference(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_conference_get, &p, answer_row);
}

/* The node's conferences (as the case's owner or invited), by start time. */
static void list_conferences(struct req *r)
{
	static const char *const allowed[] = {"case_id", "status", NULL};
	const char *case_id = req_query(r, "case_id"), *status = req_query(r, "status");
	struct page *page = answer_page_begin(r, 2, allowed);
	struct params p = {0};

	if (!page)
		return;
	if (case_id && !validate_uuid(case_id)) {
		answer_bad_query(r, "case_id", JSON_CODE_UUID, "case_id must be a UUID");
		return;
	}
	if (status && !validate_enum(status, statuses)) {
		answer_bad_query(r, "status", JSON_CODE_NOT_IN_LIST,
		                 "status must be planned, held or cancelled");
		return;
	}
	req_actor(r, &p);
	params_text(&p, "case", case_id);
	params_text(&p, "status", status);
	params_page(&p, page);
	req_run(r, &sql_conference_list, &p, answer_page);
}

static void decide(struct req *r)
{
	json_t *errors = answer_check_body(r, decision_fields, ARRAY_SIZE(decision_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	params_text(&p, "text", json_get_string(r->json, "text"));
	req_run(r, &sql_conference_decide, &p, answer_write);
}

/*
 * "Vermittlung aus Beschluss": a referral made from a decision, by referral_create's rules.
 * An Idempotency-Key makes a resend answer the first referral, as POST /v1/referrals does;
 * the decision is part of what the key stands for.
 */
static void refer_from_decision(struct req *r)
{
	json_t *errors = answer_check_body(r, refer_fields, ARRAY_SIZE(refer_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	params_text(&p, "decision", req_param(r, "decision_id"));
	if (!idempotency_params(r, req_param(r, "decision_id"), &p))
		return;
	params_bool(&p, "step_given", json_object_get(r->json, "chain_step_key") != NULL);
	params_text(&p, "chain_step_key", json_get_string(r->json, "chain_step_key"));
	params_text(&p, "to_node", json_get_string(r->json, "to_node_id"));
	params_text(&p, "service", json_get_string(r->json, "service_id"));
	params_text(&p, "reason", json_get_string(r->json, "reason"));
	params_text(&p, "note", json_get_string(r->json, "note"));
	params_text(&p, "priority", json_get_string(r->json, "priority"));
	if (!link_token_params(r, &p))
		return;
	req_run(r, &sql_conference_decision_refer, &p, answer_write);
}

static const struct route routes[] = {
        {"POST", "/v1/cases/{id}/conferences", create_conference, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"GET", "/v1/conferences", list_conferences, 0, ROLE_CASEWORKER, "cases:read"},
        {"GET", "/v1/conferences/{id}", get_conference, 0, ROLE_CASEWORKER, "cases:read"},
        {"PATCH", "/v1/conferences/{id}", update_conference, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"POST", "/v1/conferences/{id}/decisions", decide, ROUTE_BODY, ROLE_CASEWORKER,
         "cases:write"},
        {"POST", "/v1/conferences/{id}/decisions/{decision_id}/referrals", refer_from_decision,
         ROUTE_BODY, ROLE_CASEWORKER, "referrals:write"},
};

API_MODULE(conferences_api, "conferences", routes, conferences_sql);
