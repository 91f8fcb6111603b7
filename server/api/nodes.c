/*
 * Nodes (Dienststellen): the units that send and receive referrals, and the directory search
 * over them. Everybody signed in reads the directory; admins and coordinators add nodes;
 * admins, the coordinators of a network the node is an active member of, and the node's own
 * caseworkers (not its kind, organization or active flag) change them. Nodes are never
 * deleted: PATCH active false retires one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "http.h"
#include "directory.h"
#include "json.h"
#include "page.h"
#include "nodes_sql.h"
#include "registry.h"
#include "validate.h"

/* clang-format off */
#define NODE_FIELDS_COMMON                                                                         \
	{"district", JF_STRING, JF_NULLABLE, 1, 100},                                              \
	{"address", JF_OBJECT, JF_NULLABLE},                                                       \
	{"geo", JF_OBJECT, JF_NULLABLE},                                                           \
	{"contact", JF_OBJECT, JF_NULLABLE},                                                       \
	{"languages", JF_STRING_ARRAY, 0, 0, 20, NULL, 2},                                         \
	{"accessibility", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},                         \
	{"active", JF_BOOLEAN, 0}
/* clang-format on */

static const struct json_field create_fields[] = {
        {"organization_id", JF_UUID, JF_REQUIRED},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"kind", JF_ENUM, JF_REQUIRED, 0, 0, directory_node_kinds},
        NODE_FIELDS_COMMON,
};

static const struct json_field update_fields[] = {
        {"organization_id", JF_UUID, 0},
        {"name", JF_STRING, 0, 1, 200},
        {"kind", JF_ENUM, 0, 0, 0, directory_node_kinds},
        NODE_FIELDS_COMMON,
};

/* Check a node body: the nested objects and the languages beside the fields; false after 422. */
static bool body_valid(struct req *r, json_t *errors)
{
	registry_check_nested(r->json, true, errors);
	registry_check_languages(r->json, errors);
	return !answer_invalid(r, errors);
}

static void create_node(struct req *r)
{
	if (body_valid(r, answer_check_body(r, create_fields, ARRAY_SIZE(create_fields))))
		registry_create(r, &sql_node_create);
}

static void list_nodes(struct req *r)
{
	static const char *const allowed[] = {"kind", "network_id", "district",
	                                      "q",    "active",     NULL};
	/* The query is read before answer_page_begin, which may answer (and free r). */
	const char *kind = req_query(r, "kind"), *network = req_query(r, "network_id");
	const char *district = req_query(r, "district"), *q = req_query(r, "q");
	const char *active = req_query(r, "active");
	struct page *p = answer_page_begin(r, 2, allowed);
	json_t *errors;
	struct params params = {0};
	char *like;

	if (!p)
		return;
	errors = json_array();
	if (kind && !validate_enum(kind, directory_node_kinds))
		json_add_error(errors, "kind", JSON_CODE_NOT_IN_LIST,
		               "must be one of the node kinds (jobcenter, ...)");
	if (network && !validate_uuid(network))
		json_add_error(errors, "network_id", JSON_CODE_UUID, "must be a UUID");
	if (district && !validate_text(district, 1, 100, false))
		json_add_error(errors, "district", JSON_CODE_SINGLE_LINE,
		               "must be 1 to 100 characters on one line");
	if (q && !validate_text(q, 1, 200, false))
		json_add_error(errors, "q", JSON_CODE_SINGLE_LINE,
		               "must be 1 to 200 characters on one line");
	if (active && strcmp(active, "true") && strcmp(active, "false"))
		json_add_error(errors, "active", JSON_CODE_WRONG_TYPE, "must be true or false");
	if (answer_bad_queries(r, errors, "A filter has a value it cannot take."))
		return;
	like = q ? registry_like_escape(q) : NULL;
	params_text(&params, "kind", kind);
	params_text(&params, "network", network);
	params_text(&params, "district", district);
	params_text(&params, "q", q);
	params_text(&params, "q_part", like);
	params_text(&params, "active", active);
	params_page(&params, p);
	req_run(r, &sql_node_list, &params, answer_page);
	free(like);
}

static void get_node(struct req *r)
{
	struct params p = {0};

	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_node_get, &p, answer_row);
}

static void update_node(struct req *r)
{
	static const char *const reserved[] = {"kind", "organization_id", "active"};

	if (!body_valid(r, answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields))))
		return;
	for (size_t i = 0; r->auth.role == ROLE_CASEWORKER && i < ARRAY_SIZE(reserved); i++) {
		if (json_object_get(r->json, reserved[i])) {
			http_forbidden(r,
			               "Caseworkers may change their node's details, but not its "
			               "kind, organization or active flag.");
			return;
		}
	}
	registry_update(r, &sql_node_update);
}

static const struct route routes[] = {
        {"POST", "/v1/nodes", create_node, ROUTE_BODY, ROLE_ADMIN | ROLE_COORDINATOR,
         "directory:write"},
        {"GET", "/v1/nodes", list_nodes, ROUTE_READ_REPLICA, ROLE_ANY, "directory:read"},
        {"GET", "/v1/nodes/{id}", get_node, 0, ROLE_ANY, "directory:read"},
        {"PATCH", "/v1/nodes/{id}", update_node, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR | ROLE_CASEWORKER, "directory:write"},
};

API_MODULE(nodes_api, "nodes", routes, nodes_sql);
