/*
 * Service chains (Dienstleistungsketten): one per network and target group, with versions
 * (chain_versions.c). Coordinators of the network (and admins) create and rename chains;
 * caseworkers of active member nodes read them; everyone else gets 404. Who may see what is
 * decided in SQL by chain_access() (schema/functions/chains.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "chains.h"
#include "chains_sql.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"

static const struct json_field create_fields[] = {
        {"target_group_id", JF_UUID, JF_REQUIRED},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
};

static const struct json_field update_fields[] = {
        {"name", JF_STRING, 0, 1, 200},
        {"description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
};

void chains_caller(const struct req *r, struct params *p, bool writing)
{
	params_bool(p, "admin", r->auth.role == ROLE_ADMIN);
	params_text(p, "networks", r->auth.role == ROLE_COORDINATOR ? r->auth.network_ids : NULL);
	if (!writing)
		params_text(p, "node",
		            r->auth.role == ROLE_CASEWORKER && r->auth.node_id[0] ? r->auth.node_id
		                                                                  : NULL);
}

static void on_list_access(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	chains_caller(r, &p, false);
	params_text(&p, "network", req_param(r, "id"));
	params_text(&p, "target_group", req_query(r, "target_group_id"));
	params_page(&p, r->ctx);
	req_run(r, &sql_chain_list, &p, answer_page);
}

static void list_chains(struct req *r)
{
	static const char *const allowed[] = {"target_group_id", NULL};
	const char *group = req_query(r, "target_group_id");
	struct params p = {0};
	json_t *errors;

	if (!answer_page_begin(r, 2, allowed))
		return;
	errors = json_array();
	if (group && !validate_uuid(group))
		json_add_error(errors, "target_group_id", JSON_CODE_UUID, "must be a UUID");
	if (answer_bad_queries(r, errors, "target_group_id is not a UUID."))
		return;
	chains_caller(r, &p, false);
	params_text(&p, "network", req_param(r, "id"));
	req_run(r, &sql_chain_network_access, &p, on_list_access);
}

static void get_chain(struct req *r)
{
	struct params p = {0};

	chains_caller(r, &p, false);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_chain_get, &p, answer_row);
}

static void create_chain(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "network", req_param(r, "id"));
	params_json(&p, "chain", r->json);
	chains_caller(r, &p, true);
	req_run(r, &sql_chain_create, &p, answer_write);
}

static void update_chain(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!answer_patch_params(r, &p))
		return;
	chains_caller(r, &p, true);
	req_run(r, &sql_chain_update, &p, answer_write);
}

static const struct route routes[] = {
        {"GET", "/v1/networks/{id}/chains", list_chains, ROUTE_READ_REPLICA, ROLE_ANY,
         "chains:read"},
        {"POST", "/v1/networks/{id}/chains", create_chain, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "chains:write"},
        {"GET", "/v1/chains/{id}", get_chain, 0, ROLE_ANY, "chains:read"},
        {"PATCH", "/v1/chains/{id}", update_chain, ROUTE_BODY, ROLE_ADMIN | ROLE_COORDINATOR,
         "chains:write"},
};

API_MODULE(chains_api, "chains", routes, chains_sql);
