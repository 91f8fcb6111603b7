/*
 * Networks (Produktionsnetzwerke), their members and their target groups. Everyone may read
 * the directory; admins create networks; admins and a network's coordinators change it, its
 * members and its target groups. Whether the caller coordinates the object's network is
 * decided in the write statement (the network of a target group is only known there), which
 * answers 'forbidden' for an object that exists in a network the caller does not coordinate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "auth.h"
#include "http.h"
#include "json.h"
#include "networks_sql.h"
#include "page.h"

static const char *const member_roles[] = {"member", "coordinator", NULL};

/* Fields a network may be created or changed with; the required ones are checked apart. */
static const struct json_field network_fields[] = {
        {"name", JF_STRING, 0, 1, 200},
        {"locality", JF_STRING, 0, 1, 200},
        {"description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
        {"default_days_to_accept", JF_INTEGER, 0, 1, 90},
};

static const struct json_field member_create_fields[] = {
        {"node_id", JF_UUID, 0},
        {"role", JF_ENUM, 0, 0, 0, member_roles},
        {"joined_on", JF_DATE, 0},
        {"agreement_signed_on", JF_DATE, JF_NULLABLE},
        {"days_to_accept", JF_INTEGER, JF_NULLABLE, 1, 90},
};

static const struct json_field member_update_fields[] = {
        {"role", JF_ENUM, 0, 0, 0, member_roles},
        {"joined_on", JF_DATE, 0},
        {"agreement_signed_on", JF_DATE, JF_NULLABLE},
        {"days_to_accept", JF_INTEGER, JF_NULLABLE, 1, 90},
        {"active", JF_BOOLEAN, 0},
};

static const struct json_field target_group_fields[] = {
        {"code", JF_KEY, 0},
        {"name", JF_STRING, 0, 1, 200},
        {"criteria", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
};

/*
 * Check the body against fields and answer 422 naming every problem. A create names its
 * required fields (NULL-terminated); an update passes NULL and must change something.
 */
static bool body_valid(struct req *r, const struct json_field *fields, size_t n,
                       const char *const *required)
{
	json_t *errors =
	        required ? answer_check_body(r, fields, n) : answer_check_patch(r, fields, n);

	for (const char *const *f = required; f && *f; f++)
		if (!json_object_get(r->json, *f))
			json_add_error(errors, *f, JSON_CODE_REQUIRED, "is required");
	return !answer_invalid(r, errors);
}

/* A path parameter a write names, and the name its statement gives it. */
struct path_id {
	const char *param, *name;
};

static const struct path_id network_id[] = {{"id", "network"}, {NULL, NULL}};
static const struct path_id member_ids[] = {{"id", "network"}, {"node_id", "node"}, {NULL, NULL}};
static const struct path_id object_id[] = {{"id", "id"}, {NULL, NULL}};

/*
 * Run a write of what ids name: the actor, those ids, then for a patch the If-Match version
 * and the patch, for a create the body under body_name, then the caller. Answers 400 for a
 * malformed If-Match.
 */
static void write_object(struct req *r, const struct db_stmt *stmt, const struct path_id *ids,
                         const char *body_name, bool patch)
{
	struct params p = {0};

	req_actor(r, &p);
	for (; ids->param; ids++)
		params_text(&p, ids->name, req_param(r, ids->param));
	if (patch && !answer_patch_params(r, &p))
		return;
	if (body_name)
		params_json(&p, body_name, r->json);
	req_coordinator_scope(r, &p);
	req_run(r, stmt, &p, answer_write);
}

/* The network of a list exists: run the list (network, filters..., cursor, limit). */
static void list_in_network(struct req *r, const struct db_result *res, const struct db_stmt *stmt,
                            const char *const *filters)
{
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	params_text(&p, "network", req_param(r, "id"));
	for (; filters && *filters; filters++)
		params_text(&p, *filters, req_query(r, *filters));
	params_page(&p, r->ctx);
	req_run(r, stmt, &p, answer_page);
}

/* Networks */

static const char *const network_required[] = {"name", "locality", NULL};

static void create_network(struct req *r)
{
	struct params p = {0};

	if (!body_valid(r, network_fields, ARRAY_SIZE(network_fields), network_required))
		return;
	req_actor(r, &p);
	params_json(&p, "network", r->json);
	req_run(r, &sql_network_create, &p, answer_write);
}

static void list_networks(struct req *r)
{
	struct page *page = answer_page_begin(r, 2, NULL);
	struct params p = {0};

	if (!page)
		return;
	params_page(&p, page);
	req_run(r, &sql_network_list, &p, answer_page);
}

/* A read of the object the path's {id} names. */
static void get_by_id(struct req *r, const struct db_stmt *stmt)
{
	struct params p = {0};

	params_text(&p, "id", req_param(r, "id"));
	req_run(r, stmt, &p, answer_row);
}

static void get_network(struct req *r)
{
	get_by_id(r, &sql_network_get);
}

static void update_network(struct req *r)
{
	if (body_valid(r, network_fields, ARRAY_SIZE(network_fields), NULL))
		write_object(r, &sql_network_update, object_id, NULL, true);
}

/* Members */

static void on_members_network(void *arg, const struct db_result *res)
{
	static const char *const filters[] = {"role", "active", NULL};

	list_in_network(arg, res, &sql_network_member_list, filters);
}

static void list_members(struct req *r)
{
	static const char *const allowed[] = {"role", "active", NULL};
	const char *role, *active;
	struct params p = {0};

	if (!answer_page_begin(r, 2, allowed))
		return; /* answered: r is gone */
	role = req_query(r, "role");
	active = req_query(r, "active");
	if (role && strcmp(role, "member") && strcmp(role, "coordinator")) {
		answer_bad_query(r, "role", JSON_CODE_NOT_IN_LIST, "must be member or coordinator");
		return;
	}
	if (active && strcmp(active, "true") && strcmp(active, "false")) {
		answer_bad_query(r, "active", JSON_CODE_WRONG_TYPE, "must be true or false");
		return;
	}
	params_text(&p, "network", req_param(r, "id"));
	req_run(r, &sql_network_exists, &p, on_members_network);
}

static const char *const member_required[] = {"node_id", NULL};

static void add_member(struct req *r)
{
	if (body_valid(r, member_create_fields, ARRAY_SIZE(member_create_fields), member_required))
		write_object(r, &sql_network_member_add, network_id, "member", false);
}

static void get_member(struct req *r)
{
	struct params p = {0};

	params_text(&p, "network", req_param(r, "id"));
	params_text(&p, "node", req_param(r, "node_id"));
	req_run(r, &sql_network_member_get, &p, answer_row);
}

static void update_member(struct req *r)
{
	if (body_valid(r, member_update_fields, ARRAY_SIZE(member_update_fields), NULL))
		write_object(r, &sql_network_member_update, member_ids, NULL, true);
}

static void deactivate_member(struct req *r)
{
	struct params p = {0};

	/* A DELETE carries no patch: only the If-Match version. */
	req_actor(r, &p);
	params_text(&p, "network", req_param(r, "id"));
	params_text(&p, "node", req_param(r, "node_id"));
	if (!answer_if_match_param(r, &p))
		return;
	req_coordinator_scope(r, &p);
	req_run(r, &sql_network_member_deactivate, &p, answer_write);
}

/* Target groups */

static void on_target_groups_network(void *arg, const struct db_result *res)
{
	list_in_network(arg, res, &sql_network_target_group_list, NULL);
}

static void list_target_groups(struct req *r)
{
	struct params p = {0};

	if (!answer_page_begin(r, 2, NULL))
		return; /* answered: r is gone */
	params_text(&p, "network", req_param(r, "id"));
	req_run(r, &sql_network_exists, &p, on_target_groups_network);
}

static const char *const target_group_required[] = {"code", "name", NULL};

static void create_target_group(struct req *r)
{
	if (body_valid(r, target_group_fields, ARRAY_SIZE(target_group_fields),
	               target_group_required))
		write_object(r, &sql_network_target_group_create, network_id, "target_group",
		             false);
}

static void get_target_group(struct req *r)
{
	get_by_id(r, &sql_network_target_group_get);
}

static void update_target_group(struct req *r)
{
	if (body_valid(r, target_group_fields, ARRAY_SIZE(target_group_fields), NULL))
		write_object(r, &sql_network_target_group_update, object_id, NULL, true);
}

/* A target group something still refers to is a conflict, not a broken reference. */
static void on_target_group_deleted(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	const char *state = res->status == DB_ERROR && res->pg
	                            ? PQresultErrorField(res->pg, PG_DIAG_SQLSTATE)
	                            : NULL;

	if (state && !strcmp(state, "23503")) {
		http_problem(
		        r, 409, "in-use", "Conflict",
		        "The target group is still named by a service or a chain; change those "
		        "first.");
		return;
	}
	answer_write(arg, res);
}

static void delete_target_group(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!answer_if_match_param(r, &p))
		return;
	req_coordinator_scope(r, &p);
	req_run(r, &sql_network_target_group_delete, &p, on_target_group_deleted);
}

/* Reads are open to every role; writes to admins and coordinators, then decided in SQL. */
#define DIRECTORY_READ  ROLE_ANY, "directory:read"
#define DIRECTORY_WRITE ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"

static const struct route routes[] = {
        {"POST", "/v1/networks", create_network, ROUTE_BODY, ROLE_ADMIN, "directory:write"},
        {"GET", "/v1/networks", list_networks, ROUTE_READ_REPLICA, DIRECTORY_READ},
        {"GET", "/v1/networks/{id}", get_network, 0, DIRECTORY_READ},
        {"PATCH", "/v1/networks/{id}", update_network, ROUTE_BODY, DIRECTORY_WRITE},
        {"GET", "/v1/networks/{id}/members", list_members, 0, DIRECTORY_READ},
        {"POST", "/v1/networks/{id}/members", add_member, ROUTE_BODY, DIRECTORY_WRITE},
        {"GET", "/v1/networks/{id}/members/{node_id}", get_member, 0, DIRECTORY_READ},
        {"PATCH", "/v1/networks/{id}/members/{node_id}", update_member, ROUTE_BODY,
         DIRECTORY_WRITE},
        {"DELETE", "/v1/networks/{id}/members/{node_id}", deactivate_member, 0, DIRECTORY_WRITE},
        {"GET", "/v1/networks/{id}/target-groups", list_target_groups, 0, DIRECTORY_READ},
        {"POST", "/v1/networks/{id}/target-groups", create_target_group, ROUTE_BODY,
         DIRECTORY_WRITE},
        {"GET", "/v1/target-groups/{id}", get_target_group, 0, DIRECTORY_READ},
        {"PATCH", "/v1/target-groups/{id}", update_target_group, ROUTE_BODY, DIRECTORY_WRITE},
        {"DELETE", "/v1/target-groups/{id}", delete_target_group, 0, DIRECTORY_WRITE},
};

API_MODULE(networks_api, "networks", routes, networks_sql);
