/*
 * Funding sources (Kostenträger: SGB II, SGB XII, SGB VIII, ESF, the Kommune's own funds ...):
 * the list a network keeps, named on contracts, services and referrals. Everybody signed in
 * reads a network's list; its coordinators and admins keep it. A source that no longer pays
 * is set inactive rather than deleted: referrals and contracts keep naming it.
 */
#include "answer.h"
#include "api.h"
#include "funding_sql.h"
#include "http.h"
#include "json.h"

static const struct json_field create_fields[] = {
        {"code", JF_KEY, JF_REQUIRED},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"active", JF_BOOLEAN, 0},
};

static const struct json_field update_fields[] = {
        {"name", JF_STRING, 0, 1, 200},
        {"active", JF_BOOLEAN, 0},
};

static void list_sources(struct req *r)
{
	static const char *const allowed[] = {NULL};
	struct params p = {0};

	if (!req_check_query(r, allowed))
		return;
	params_text(&p, "network", req_param(r, "id"));
	req_run(r, &sql_funding_source_list, &p, answer_row);
}

static void create_source(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "network", req_param(r, "id"));
	params_json(&p, "source", r->json);
	req_coordinator_scope(r, &p);
	req_run(r, &sql_funding_source_create, &p, answer_write);
}

static void update_source(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!answer_patch_params(r, &p))
		return;
	req_coordinator_scope(r, &p);
	req_run(r, &sql_funding_source_update, &p, answer_write);
}

static const struct route routes[] = {
        {"GET", "/v1/networks/{id}/funding-sources", list_sources, 0, ROLE_ANY, "directory:read"},
        {"POST", "/v1/networks/{id}/funding-sources", create_source, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"},
        {"PATCH", "/v1/funding-sources/{id}", update_source, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"},
};

API_MODULE(funding_api, "funding", routes, funding_sql);
