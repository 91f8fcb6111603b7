/*
 * Organizations (Träger): the legal entities that run nodes. Everybody signed in reads them;
 * admins and coordinators add them; admins and the coordinators of a network where one of
 * the organization's nodes is an active member change them. They are never deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_json.h"
#include "api.h"
#include "http.h"
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

static const struct db_stmt stmts[] = {
	/* actor, $5 columns (registry_columns) */
	{"organization_create",
	 "WITH o AS (INSERT INTO organization (" ORGANIZATION_COLUMNS ")"
	 "  SELECT " ORGANIZATION_COLUMNS
	 "  FROM jsonb_populate_record(NULL::organization, $5::jsonb) RETURNING *),"
	 " au AS (" AUDIT_INSERT("organization.create", "organization", "o.id",
				 "jsonb_build_object('name', o.name, 'kind', o.kind)") " FROM o)"
	 "SELECT " ORGANIZATION_JSON("o") ", o.id, o.version FROM o"},
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

static const char *const kinds[] = {
	"public_agency", "municipality", "welfare_association", "nonprofit",
	"church",        "company",      "other",               NULL,
};

static const struct json_field create_fields[] = {
	{"name", JF_STRING, JF_REQUIRED, 1, 200},
	{"kind", JF_ENUM, JF_REQUIRED, 0, 0, kinds},
	{"contact", JF_OBJECT, JF_NULLABLE},
	{"address", JF_OBJECT, JF_NULLABLE},
};

static const struct json_field update_fields[] = {
	{"name", JF_STRING, 0, 1, 200},
	{"kind", JF_ENUM, 0, 0, 0, kinds},
	{"contact", JF_OBJECT, JF_NULLABLE},
	{"address", JF_OBJECT, JF_NULLABLE},
};

/* Check a body against fields; answers 422 and returns false when it breaks a rule. */
static bool check_body(struct req *r, const struct json_field *fields, size_t n, bool update)
{
	json_t *errors = json_array();

	json_check_object(r->json, fields, n, NULL, errors);
	registry_check_nested(r->json, false, errors);
	if (update && json_object_size(r->json) == 0)
		json_add_error(errors, "body", "name at least one field to change");
	if (json_array_size(errors)) {
		http_invalid(r, errors);
		return false;
	}
	json_decref(errors);
	return true;
}

static void reply_organization(struct req *r, int status, PGresult *pg, int json_col,
			       int version_col)
{
	long version = strtol(PQgetvalue(pg, 0, version_col), NULL, 10);

	http_reply_json_text(r, status, PQgetvalue(pg, 0, json_col), version);
}

static void on_created(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	char *location;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	location = xasprintf("/v1/organizations/%s", PQgetvalue(res->pg, 0, 1));
	http_header(r, "Location", location);
	free(location);
	reply_organization(r, 201, res->pg, 0, 2);
}

static void create_organization(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];
	char *columns;

	if (!check_body(r, create_fields, ARRAY_SIZE(create_fields), false))
		return;
	columns = registry_columns(r->json);
	req_actor(r, values);
	values[4] = columns;
	req_db(r, "organization_create", 5, values, on_created);
	free(columns);
}

/* What a list request keeps until the answer: the cursor and the escaped name part. */
struct list_ctx {
	struct page page; /* first, so that on_list reads r->ctx as the page */
	char *like;
};

static void list_ctx_free(void *p)
{
	struct list_ctx *c = p;

	page_clear(&c->page);
	free(c->like);
	free(c);
}

static void on_list(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct list_ctx *c = r->ctx;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	http_reply_json(r, 200, page_result(&c->page, res->pg, 0, 1));
}

static void list_organizations(struct req *r)
{
	static const char *const allowed[] = {"limit", "after", "kind", "q", NULL};
	struct list_ctx *c = xcalloc(1, sizeof(*c));
	const char *kind = req_query(r, "kind"), *q = req_query(r, "q");
	json_t *errors;
	const char *values[5];

	r->ctx = c;
	r->ctx_free = list_ctx_free;
	if (!req_check_query(r, allowed) || !page_parse(r, &c->page, 2))
		return;
	errors = json_array();
	if (kind && !validate_enum(kind, kinds))
		json_add_error(errors, "kind", "must be one of the organization kinds");
	if (q && !validate_text(q, 1, 200, false))
		json_add_error(errors, "q", "must be 1 to 200 characters on one line");
	if (json_array_size(errors)) {
		http_problem_errors(r, 400, "bad-query", "Bad query parameter",
		                    "A filter has a value it cannot take.", errors);
		return;
	}
	json_decref(errors);
	c->like = q ? registry_like_escape(q) : NULL;
	values[0] = kind;
	values[1] = c->like;
	values[2] = page_key(&c->page, 0);
	values[3] = page_key(&c->page, 1);
	values[4] = c->page.limit_text;
	req_db(r, "organization_list", 5, values, on_list);
}

static void on_get(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (PQntuples(res->pg) == 0) {
		http_not_found(r);
		return;
	}
	reply_organization(r, 200, res->pg, 0, 1);
}

static void get_organization(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	req_db(r, "organization_get", 1, values, on_get);
}

static void on_updated(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	const char *outcome;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (PQntuples(res->pg) == 0) {
		http_not_found(r);
		return;
	}
	outcome = PQgetvalue(res->pg, 0, 0);
	if (!strcmp(outcome, "forbidden")) {
		http_forbidden(r, "Only admins and the coordinators of a network where one of the "
		                  "organization's nodes is an active member may change it.");
		return;
	}
	if (!strcmp(outcome, "stale")) {
		http_problem(
		        r, 412, "stale", "Precondition failed",
		        "The organization has changed since you read it (it is at version %s); "
		        "read it again.",
		        PQgetvalue(res->pg, 0, 2));
		return;
	}
	reply_organization(r, 200, res->pg, 1, 2);
}

static void update_organization(struct req *r)
{
	const char *values[ACTOR_PARAMS + 6];
	char *columns, *body, version_text[24];
	long version = 0;
	int if_match;

	if (!check_body(r, update_fields, ARRAY_SIZE(update_fields), true))
		return;
	if_match = req_if_match(r, &version);
	if (if_match < 0)
		return;
	snprintf(version_text, sizeof(version_text), "%ld", version);
	columns = registry_columns(r->json);
	body = json_dumps(r->json, JSON_COMPACT);
	req_actor(r, values);
	values[4] = columns;
	values[5] = req_param(r, "id");
	values[6] = if_match ? version_text : NULL;
	values[7] = registry_role(r);
	values[8] = r->auth.role == ROLE_COORDINATOR ? r->auth.network_ids : NULL;
	values[9] = body;
	req_db(r, "organization_update", 10, values, on_updated);
	free(body);
	free(columns);
}

static const struct route routes[] = {
	{"POST", "/v1/organizations", create_organization, ROUTE_BODY,
	 ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"},
	{"GET", "/v1/organizations", list_organizations, 0, ROLE_ANY, "directory:read"},
	{"GET", "/v1/organizations/{id}", get_organization, 0, ROLE_ANY, "directory:read"},
	{"PATCH", "/v1/organizations/{id}", update_organization, ROUTE_BODY,
	 ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"},
};

API_MODULE(organizations_api, "organizations", routes, stmts);
