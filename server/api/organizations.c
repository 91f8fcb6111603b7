/*
 * Organizations (Träger): the legal entities that run nodes. Everybody signed in reads them;
 * admins and coordinators add them; admins and the coordinators of a network where one of
 * the organization's nodes is an active member change them. They are never deleted.
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
#include "organizations_sql.h"
#include "registry.h"
#include "validate.h"

static const struct json_field create_fields[] = {
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"kind", JF_ENUM, JF_REQUIRED, 0, 0, directory_organization_kinds},
        {"contact", JF_OBJECT, JF_NULLABLE},
        {"address", JF_OBJECT, JF_NULLABLE},
};

static const struct json_field update_fields[] = {
        {"name", JF_STRING, 0, 1, 200},
        {"kind", JF_ENUM, 0, 0, 0, directory_organization_kinds},
        {"contact", JF_OBJECT, JF_NULLABLE},
        {"address", JF_OBJECT, JF_NULLABLE},
};

static void create_organization(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));

	registry_check_nested(r->json, false, errors);
	if (!answer_invalid(r, errors))
		registry_create(r, &sql_organization_create);
}

static void list_organizations(struct req *r)
{
	static const char *const allowed[] = {"kind", "q", NULL};
	/* The query is read before answer_page_begin, which may answer (and free r). */
	const char *kind = req_query(r, "kind"), *q = req_query(r, "q");
	struct page *p = answer_page_begin(r, 2, allowed);
	json_t *errors;
	struct params params = {0};
	char *like;

	if (!p)
		return;
	errors = json_array();
	if (kind && !validate_enum(kind, directory_organization_kinds))
		json_add_error(errors, "kind", JSON_CODE_NOT_IN_LIST,
		               "must be one of the organization kinds");
	if (q && !validate_text(q, 1, 200, false))
		json_add_error(errors, "q", JSON_CODE_SINGLE_LINE,
		               "must be 1 to 200 characters on one line");
	if (answer_bad_queries(r, errors, "A filter has a value it cannot take."))
		return;
	like = q ? registry_like_escape(q) : NULL;
	params_text(&params, "kind", kind);
	params_text(&params, "name_part", like);
	params_page(&params, p);
	req_run(r, &sql_organization_list, &params, answer_page);
	free(like);
}

static void get_organization(struct req *r)
{
	struct params p = {0};

	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_organization_get, &p, answer_row);
}

static void update_organization(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));

	registry_check_nested(r->json, false, errors);
	if (!answer_invalid(r, errors))
		registry_update(r, &sql_organization_update);
}

static const struct route routes[] = {
        {"POST", "/v1/organizations", create_organization, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"},
        {"GET", "/v1/organizations", list_organizations, ROUTE_READ_REPLICA, ROLE_ANY,
         "directory:read"},
        {"GET", "/v1/organizations/{id}", get_organization, 0, ROLE_ANY, "directory:read"},
        {"PATCH", "/v1/organizations/{id}", update_organization, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"},
};

API_MODULE(organizations_api, "organizations", routes, organizations_sql);
