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
#define NODE_COLUMNS                                                                               \
	"organization_id, name, kind, district, street, postal_code, city, geo_lat, geo_lon,"      \
	" phone, email, url, languages, accessibility, active"

/* Whether the caller ($2 node, $8 role, $9 coordinated networks) may change node row n. */
#define NODE_MAY_EDIT(n)                                                                           \
	"($8 = 'admin' OR ($8 = 'caseworker' AND " n ".id = $2::uuid) OR ($8 = 'coordinator' AND"  \
	" EXISTS (SELECT 1 FROM network_member m WHERE m.node_id = " n ".id AND m.active"          \
	" AND m.network_id = ANY($9::uuid[]))))"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/* actor, $5 columns (registry_columns); languages and active have defaults */
	{"node_create",
	 "WITH n AS (INSERT INTO node (" NODE_COLUMNS ")"
	 "  SELECT p.organization_id, p.name, p.kind, p.district, p.street, p.postal_code, p.city,"
	 "         p.geo_lat, p.geo_lon, p.phone, p.email, p.url, coalesce(p.languages, '{de}'),"
	 "         p.accessibility, coalesce(p.active, true)"
	 "  FROM jsonb_populate_record(NULL::node, $5::jsonb) p RETURNING *),"
	 " au AS (" AUDIT_INSERT("node.create", "node", "n.id",
				 "jsonb_build_object('name', n.name, 'kind', n.kind,"
				 " 'organization_id', n.organization_id)") " FROM n)"
	 "SELECT " NODE_DETAIL_JSON("n") ", n.version, '/v1/nodes/' || n.id FROM n"},
	/*
	 * The directory: $1 kind, $2 network (active members), $3 district, $4 q for the German
	 * text search and $5 the same escaped for ILIKE (parts of compounds), $6 active,
	 * $7 $8 cursor (name, id), $9 limit + 1.
	 */
	{"node_list",
	 "SELECT " NODE_JSON("n") ", n.name, n.id::text FROM node n"
	 " WHERE ($1::text IS NULL OR n.kind = $1)"
	 "   AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM network_member m"
	 "        WHERE m.node_id = n.id AND m.network_id = $2::uuid AND m.active))"
	 "   AND ($3::text IS NULL OR n.district = $3)"
	 "   AND ($4::text IS NULL OR n.search @@ websearch_to_tsquery('german', $4)"
	 "        OR n.name ILIKE '%' || $5 || '%')"
	 "   AND ($6::boolean IS NULL OR n.active = $6::boolean)"
	 "   AND ($7::text IS NULL OR (n.name, n.id) > ($7::text, $8::uuid))"
	 " ORDER BY n.name, n.id LIMIT $9::int"},
	{"node_get", "SELECT " NODE_DETAIL_JSON("n") ", n.version FROM node n WHERE n.id = $1"},
	/*
	 * actor, $5 columns (registry_columns): those it names change, the others keep their
	 * value (jsonb_populate_record takes them from the row); $6 id, $7 expected version or
	 * NULL, $8 role, $9 coordinated networks, $10 the request body (its field names are
	 * audited). Answers 'ok' + the node, or 'forbidden'/'stale' + the stored version when
	 * nothing changed; no row when there is no such node.
	 */
	{"node_update",
	 "WITH u AS (UPDATE node n SET (" NODE_COLUMNS ") = (SELECT " NODE_COLUMNS
	 "  FROM jsonb_populate_record(n, $5::jsonb)),"
	 "  version = n.version + 1, updated_at = now()"
	 "  WHERE n.id = $6 AND ($7::int IS NULL OR n.version = $7::int)"
	 "    AND " NODE_MAY_EDIT("n") " RETURNING n.*),"
	 " au AS (" AUDIT_INSERT("node.update", "node", "u.id",
				 "jsonb_build_object('fields', (SELECT jsonb_agg(k ORDER BY k)"
				 " FROM jsonb_object_keys($10::jsonb) k))") " FROM u)"
	 "SELECT 'ok', " NODE_DETAIL_JSON("u") ", u.version FROM u"
	 " UNION ALL"
	 " SELECT CASE WHEN NOT " NODE_MAY_EDIT("n") " THEN 'forbidden' ELSE 'stale' END,"
	 "        NULL, n.version FROM node n WHERE n.id = $6 AND NOT EXISTS (SELECT 1 FROM u)"},
};
/* clang-format on */

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
		registry_create(r, "node_create");
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
	const char *values[9];
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
	values[0] = kind;
	values[1] = network;
	values[2] = district;
	values[3] = q;
	values[4] = like;
	values[5] = active;
	values[6] = page_key(p, 0);
	values[7] = page_key(p, 1);
	values[8] = p->limit_text;
	req_db(r, "node_list", 9, values, answer_page);
	free(like);
}

static void get_node(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	req_db(r, "node_get", 1, values, answer_row);
}

static void on_updated(void *arg, const struct db_result *res)
{
	answer_write(arg, res, "node",
	             "Only admins, the coordinators of a network this node is an active "
	             "member of, and the node's own caseworkers may change it.");
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
	registry_update(r, "node_update", on_updated);
}

static const struct route routes[] = {
        {"POST", "/v1/nodes", create_node, ROUTE_BODY, ROLE_ADMIN | ROLE_COORDINATOR,
         "directory:write"},
        {"GET", "/v1/nodes", list_nodes, ROUTE_READ_REPLICA, ROLE_ANY, "directory:read"},
        {"GET", "/v1/nodes/{id}", get_node, 0, ROLE_ANY, "directory:read"},
        {"PATCH", "/v1/nodes/{id}", update_node, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR | ROLE_CASEWORKER, "directory:write"},
};

API_MODULE(nodes_api, "nodes", routes, stmts);
