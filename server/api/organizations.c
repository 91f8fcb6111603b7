/*
 * Organizations (Träger): the legal entities that run nodes. Everybody signed in reads them;
 * admins and coordinators add them; admins and the coordinators of a network where one of
 * the organization's nodes is an active member change them. They are never deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "http.h"
#include "directory.h"
#include "json.h"
#include "page.h"
#include "registry.h"
#include "registry_json.h"
#include "validate.h"

/* The columns a request may write, in the order of the statements. */
#define ORGANIZATION_COLUMNS "name, kind, phone, email, url, street, postal_code, city"

/* Whether the caller ($8 role, $9 coordinated networks) may change organization row o. */
#define ORGANIZATION_MAY_EDIT(o)                                                                   \
	"($8 = 'admin' OR ($8 = 'coordinator' AND EXISTS (SELECT 1 FROM node n"                    \
	" JOIN network_member m ON m.node_id = n.id WHERE n.organization_id = " o ".id"            \
	" AND m.active AND m.network_id = ANY($9::uuid[]))))"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/* actor, $5 columns (registry_columns) */
	{"organization_create",
	 "WITH o AS (INSERT INTO organization (" ORGANIZATION_COLUMNS ")"
	 "  SELECT " ORGANIZATION_COLUMNS
	 "  FROM jsonb_populate_record(NULL::organization, $5::jsonb) RETURNING *),"
	 " au AS (" AUDIT_INSERT("organization.create", "organization", "o.id",
				 "jsonb_build_object('name', o.name, 'kind', o.kind)") " FROM o)"
	 "SELECT " ORGANIZATION_JSON("o") ", o.version, '/v1/organizations/' || o.id FROM o"},
	/* $1 kind, $2 name part (escaped for ILIKE), $3 $4 cursor (name, id), $5 limit + 1 */
	{"organization_list",
	 "SELECT " ORGANIZATION_JSON("o") ", o.name, o.id::text FROM organization o"
	 " WHERE ($1::text IS NULL OR o.kind = $1)"
	 "   AND ($2::text IS NULL OR o.name ILIKE '%' || $2 || '%')"
	 "   AND ($3::text IS NULL OR (o.name, o.id) > ($3::text, $4::uuid))"
	 " ORDER BY o.name, o.id LIMIT $5::int"},
	{"organization_get",
	 "SELECT " ORGANIZATION_JSON("o") ", o.version FROM organization o WHERE o.id = $1"},
	/*
	 * actor, $5 columns (registry_columns): those it names change, the others keep their
	 * value; $6 id, $7 expected version or NULL, $8 role, $9 coordinated networks, $10 the
	 * request body (its field names are audited). Answers 'ok' + the organization, or
	 * 'forbidden'/'stale' + the stored version when nothing changed; no row when there is
	 * no such organization.
	 */
	{"organization_update",
	 "WITH u AS (UPDATE organization o SET (" ORGANIZATION_COLUMNS ") = (SELECT "
	 ORGANIZATION_COLUMNS " FROM jsonb_populate_record(o, $5::jsonb)),"
	 "  version = o.version + 1, updated_at = now()"
	 "  WHERE o.id = $6 AND ($7::int IS NULL OR o.version = $7::int)"
	 "    AND " ORGANIZATION_MAY_EDIT("o") " RETURNING o.*),"
	 " au AS (" AUDIT_INSERT("organization.update", "organization", "u.id",
				 "jsonb_build_object('fields', (SELECT jsonb_agg(k ORDER BY k)"
				 " FROM jsonb_object_keys($10::jsonb) k))") " FROM u)"
	 "SELECT 'ok', " ORGANIZATION_JSON("u") ", u.version FROM u"
	 " UNION ALL"
	 " SELECT CASE WHEN NOT " ORGANIZATION_MAY_EDIT("o") " THEN 'forbidden' ELSE 'stale' END,"
	 "        NULL, o.version FROM organization o"
	 " WHERE o.id = $6 AND NOT EXISTS (SELECT 1 FROM u)"},
};
/* clang-format on */

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
		registry_create(r, "organization_create");
}

static void list_organizations(struct req *r)
{
	static const char *const allowed[] = {"kind", "q", NULL};
	/* The query is read before answer_page_begin, which may answer (and free r). */
	const char *kind = req_query(r, "kind"), *q = req_query(r, "q");
	struct page *p = answer_page_begin(r, 2, allowed);
	json_t *errors;
	const char *values[5];
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
	values[0] = kind;
	values[1] = like;
	values[2] = page_key(p, 0);
	values[3] = page_key(p, 1);
	values[4] = p->limit_text;
	req_db(r, "organization_list", 5, values, answer_page);
	free(like);
}

static void get_organization(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	req_db(r, "organization_get", 1, values, answer_row);
}

static void on_updated(void *arg, const struct db_result *res)
{
	answer_write(arg, res, "organization",
	             "Only admins and the coordinators of a network where one of the "
	             "organization's nodes is an active member may change it.");
}

static void update_organization(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));

	registry_check_nested(r->json, false, errors);
	if (!answer_invalid(r, errors))
		registry_update(r, "organization_update", on_updated);
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

API_MODULE(organizations_api, "organizations", routes, stmts);
