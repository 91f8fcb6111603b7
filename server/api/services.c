/*
 * Services (what a node offers: category, target groups, capacity, hours) and the service
 * directory search. Every authenticated caller reads them; only the caseworkers of the
 * service's node (and that node's integration tokens) write them, nobody else, admins
 * included. There is no delete: a service that ends is set to status inactive.
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
#include "service_json.h"
#include "validate.h"

/* The SQL and the field tables are laid out by hand: clang-format would break the strings. */
/* clang-format off */

/*
 * The reference rules of a write, as one row "bad" whose column errors is NULL or the JSON
 * array of {field, message} to answer 422 with: the category must be in the taxonomy, and
 * every target group must belong to a network the node (node) is an active member of.
 * body is the request's jsonb; a field is checked only when the body names it.
 */
#define SERVICE_REFERENCE_CHECKS(body, node)                                                       \
	" tg AS (SELECT t.id FROM jsonb_array_elements_text(coalesce(" body "->'target_group_ids',"   \
	"               '[]'::jsonb)) t(id)"                                                          \
	"        WHERE NOT EXISTS (SELECT 1 FROM target_group g JOIN network_member m"                \
	"                          ON m.network_id = g.network_id"                                    \
	"                          WHERE g.id = t.id::uuid AND m.node_id = " node " AND m.active)),"  \
	" bad AS (SELECT json_agg(e.err)::text AS errors FROM ("                                      \
	"   SELECT json_build_object('field', 'category', 'code', 'not_found', 'message',"         \
	"          'is not a service category (see GET /v1/taxonomy)') AS err"                         \
	"    WHERE " body " ? 'category' AND NOT EXISTS"                                               \
	"          (SELECT 1 FROM taxonomy x WHERE x.code = " body "->>'category')"                   \
	"   UNION ALL"                                                                                 \
	"   SELECT json_build_object('field', 'target_group_ids', 'code', 'other_network',"         \
	"          'message', 'target group '"                                                         \
	"          || tg.id || ' is not a target group of a network this node is a member of')"      \
	"     FROM tg) e)"

static const struct db_stmt stmts[] = {
	/*
	 * actor, $5 node (path), $6 body. Answers 'ok' + the service, its version and Location,
	 * or 'forbidden'/'invalid' (+ the errors); no row when there is no such node.
	 */
	{"service_create",
	 "WITH n AS (SELECT id, id IS NOT DISTINCT FROM $2::uuid AS own FROM node WHERE id = $5::uuid),"
	 SERVICE_REFERENCE_CHECKS("$6::jsonb", "$5::uuid") ","
	 " s AS (INSERT INTO service (node_id, category, name, description, target_group_ids,"
	 "         eligibility, capacity_total, capacity_free, wait_days, district, place, schedule,"
	 "         status)"
	 "       SELECT n.id, $6::jsonb->>'category', $6::jsonb->>'name', $6::jsonb->>'description',"
	 "         ARRAY(SELECT jsonb_array_elements_text(coalesce($6::jsonb->'target_group_ids',"
	 "               '[]'::jsonb)))::uuid[],"
	 "         $6::jsonb->>'eligibility', ($6::jsonb->>'capacity_total')::int,"
	 "         ($6::jsonb->>'capacity_free')::int, ($6::jsonb->>'wait_days')::int,"
	 "         $6::jsonb->>'district', $6::jsonb->>'place',"
	 "         coalesce($6::jsonb->'schedule', '[]'::jsonb),"
	 "         coalesce($6::jsonb->>'status', 'active')"
	 "       FROM n, bad WHERE n.own AND bad.errors IS NULL RETURNING *),"
	 " au AS (" AUDIT_INSERT("service.create", "service", "s.id",
				 "jsonb_build_object('node_id', s.node_id, 'category', s.category,"
				 " 'name', s.name, 'status', s.status, 'capacity_free', s.capacity_free)")
	 " FROM s)"
	 "SELECT 'ok', " SERVICE_JSON("s", "sn") ", s.version, '/v1/services/' || s.id"
	 "  FROM s JOIN node sn ON sn.id = s.node_id"
	 " UNION ALL"
	 " SELECT CASE WHEN NOT n.own THEN 'forbidden' ELSE 'invalid' END, bad.errors, NULL, NULL"
	 "  FROM n, bad WHERE NOT n.own OR bad.errors IS NOT NULL"},
	/*
	 * actor, $5 patch (jsonb of the fields given), $6 id, $7 expected version or NULL.
	 * Answers 'ok' + the service, or 'forbidden'/'stale'/'invalid' when nothing changed;
	 * no row when there is no such service.
	 */
	{"service_update",
	 "WITH c AS (SELECT id, node_id, version FROM service WHERE id = $6::uuid),"
	 SERVICE_REFERENCE_CHECKS("$5::jsonb", "(SELECT c.node_id FROM c)") ","
	 " u AS (UPDATE service s SET"
	 "   category = CASE WHEN $5::jsonb ? 'category' THEN $5::jsonb->>'category'"
	 "              ELSE s.category END,"
	 "   name = CASE WHEN $5::jsonb ? 'name' THEN $5::jsonb->>'name' ELSE s.name END,"
	 "   description = CASE WHEN $5::jsonb ? 'description' THEN $5::jsonb->>'description'"
	 "                 ELSE s.description END,"
	 "   target_group_ids = CASE WHEN $5::jsonb ? 'target_group_ids' THEN"
	 "     ARRAY(SELECT jsonb_array_elements_text($5::jsonb->'target_group_ids'))::uuid[]"
	 "     ELSE s.target_group_ids END,"
	 "   eligibility = CASE WHEN $5::jsonb ? 'eligibility' THEN $5::jsonb->>'eligibility'"
	 "                 ELSE s.eligibility END,"
	 "   capacity_total = CASE WHEN $5::jsonb ? 'capacity_total'"
	 "                    THEN ($5::jsonb->>'capacity_total')::int ELSE s.capacity_total END,"
	 "   capacity_free = CASE WHEN $5::jsonb ? 'capacity_free'"
	 "                   THEN ($5::jsonb->>'capacity_free')::int ELSE s.capacity_free END,"
	 "   wait_days = CASE WHEN $5::jsonb ? 'wait_days' THEN ($5::jsonb->>'wait_days')::int"
	 "               ELSE s.wait_days END,"
	 "   district = CASE WHEN $5::jsonb ? 'district' THEN $5::jsonb->>'district'"
	 "              ELSE s.district END,"
	 "   place = CASE WHEN $5::jsonb ? 'place' THEN $5::jsonb->>'place' ELSE s.place END,"
	 "   schedule = CASE WHEN $5::jsonb ? 'schedule' THEN $5::jsonb->'schedule'"
	 "              ELSE s.schedule END,"
	 "   status = CASE WHEN $5::jsonb ? 'status' THEN $5::jsonb->>'status' ELSE s.status END,"
	 "   version = s.version + 1, updated_at = now()"
	 " FROM bad"
	 " WHERE s.id = $6::uuid AND s.node_id IS NOT DISTINCT FROM $2::uuid"
	 "   AND ($7::int IS NULL OR s.version = $7::int) AND bad.errors IS NULL"
	 " RETURNING s.*),"
	 " au AS (" AUDIT_INSERT("service.update", "service", "u.id",
				 "jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM"
				 " jsonb_object_keys($5::jsonb) k), 'status', u.status,"
				 " 'capacity_free', u.capacity_free)")
	 " FROM u)"
	 "SELECT 'ok', " SERVICE_JSON("u", "un") ", u.version"
	 "  FROM u JOIN node un ON un.id = u.node_id"
	 " UNION ALL"
	 /* With the expected version read in c but no update, another request got in between. */
	 " SELECT CASE WHEN c.node_id IS DISTINCT FROM $2::uuid THEN 'forbidden'"
	 "             WHEN $7::int IS NOT NULL AND c.version <> $7::int THEN 'stale'"
	 "             WHEN bad.errors IS NOT NULL THEN 'invalid'"
	 "             ELSE 'stale' END,"
	 "        bad.errors, c.version"
	 "  FROM c, bad WHERE NOT EXISTS (SELECT 1 FROM u)"},
	{"service_get",
	 "SELECT " SERVICE_JSON("s", "n") ", s.version FROM service s JOIN node n ON n.id = s.node_id"
	 " WHERE s.id = $1::uuid"},
	{"service_node_exists", "SELECT 1 FROM node WHERE id = $1::uuid"},
	/* $1 node, $2 status or NULL, $3 $4 cursor (name, id), $5 limit + 1 */
	{"service_node_list",
	 "SELECT " SERVICE_JSON("s", "n") ", s.name, s.id::text"
	 "  FROM service s JOIN node n ON n.id = s.node_id"
	 " WHERE s.node_id = $1::uuid AND ($2::text IS NULL OR s.status = $2::text)"
	 "   AND ($3::text IS NULL OR (s.name, s.id) > ($3::text, $4::uuid))"
	 " ORDER BY s.name, s.id LIMIT $5::int"},
	/* Whether the search's references exist: $1 category, $2 target group, $3 network. */
	{"service_search_refs",
	 "SELECT $1::text IS NULL OR EXISTS (SELECT 1 FROM taxonomy WHERE code = $1::text),"
	 "       $2::uuid IS NULL OR EXISTS (SELECT 1 FROM target_group WHERE id = $2::uuid),"
	 "       $3::uuid IS NULL OR EXISTS (SELECT 1 FROM network WHERE id = $3::uuid)"},
	/*
	 * The directory: $1 category, $2 target group, $3 district, $4 network, $5 has_capacity,
	 * $6 language, $7 q, $8 status, $9 $10 cursor (name, id), $11 limit + 1. Only active
	 * nodes. q matches the service's german full text, or as a part of a word (German
	 * compounds: the german configuration does not split them) the service's name, its
	 * node's name or its category's German label; LIKE's wildcards in q are escaped.
	 */
	{"service_search",
	 "SELECT " SERVICE_JSON("s", "n") ", s.name, s.id::text"
	 "  FROM service s JOIN node n ON n.id = s.node_id JOIN taxonomy t ON t.code = s.category"
	 " WHERE n.active AND s.status = $8::text"
	 "   AND ($1::text IS NULL OR s.category = $1::text)"
	 "   AND ($2::uuid IS NULL OR s.target_group_ids @> ARRAY[$2::uuid])"
	 "   AND ($3::text IS NULL OR lower(coalesce(s.district, n.district)) = lower($3::text))"
	 "   AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM network_member m"
	 "        WHERE m.network_id = $4::uuid AND m.node_id = s.node_id AND m.active))"
	 "   AND (NOT coalesce($5::boolean, false) OR (s.capacity_free > 0 AND s.status = 'active'))"
	 "   AND ($6::text IS NULL OR n.languages @> ARRAY[$6::text])"
	 "   AND ($7::text IS NULL OR s.search @@ websearch_to_tsquery('german', $7::text)"
	 "        OR (s.name || ' ' || n.name || ' ' || t.label_de) ILIKE"
	 "           '%' || replace(replace(replace($7::text, '\\', '\\\\'), '%', '\\%'), '_', '\\_')"
	 "           || '%')"
	 "   AND ($9::text IS NULL OR (s.name, s.id) > ($9::text, $10::uuid))"
	 " ORDER BY s.name, s.id LIMIT $11::int"},
};


#define SERVICE_FIELDS_REST                                                                        \
	{"description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},                           \
	{"target_group_ids", JF_UUID_ARRAY, 0, 0, 100},                                            \
	{"eligibility", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},                           \
	{"capacity_total", JF_INTEGER, JF_NULLABLE, 0, 1000000},                                   \
	{"capacity_free", JF_INTEGER, JF_NULLABLE, 0, 1000000},                                    \
	{"wait_days", JF_INTEGER, JF_NULLABLE, 0, 3650},                                           \
	{"district", JF_STRING, JF_NULLABLE, 1, 100},                                              \
	{"place", JF_STRING, JF_NULLABLE, 1, 300},                                                 \
	{"schedule", JF_ARRAY, 0, 0, 50},                                                          \
	{"status", JF_ENUM, 0, 0, 0, directory_service_statuses}

static const struct json_field create_fields[] = {
	{"category", JF_KEY, JF_REQUIRED},
	{"name", JF_STRING, JF_REQUIRED, 1, 200},
	SERVICE_FIELDS_REST,
};

static const struct json_field update_fields[] = {
	{"category", JF_KEY, 0},
	{"name", JF_STRING, 0, 1, 200},
	SERVICE_FIELDS_REST,
};

/* clang-format on */

/* One opening or mobile consultation hour. */
static const struct json_field schedule_fields[] = {
        {"weekday", JF_INTEGER, JF_REQUIRED, 1, 7},
        {"from", JF_STRING, JF_REQUIRED, 5, 5},
        {"to", JF_STRING, JF_REQUIRED, 5, 5},
        {"place", JF_STRING, JF_NULLABLE, 1, 200},
        {"kind", JF_ENUM, JF_REQUIRED, 0, 0, directory_schedule_kinds},
};

/* Minutes since midnight of a "HH:MM" time (00:00..23:59), or -1. */
static int parse_hhmm(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* The items of schedule, with field names like "schedule[2].from". */
static void check_schedule(const json_t *schedule, json_t *errors)
{
	const json_t *item;
	size_t i;

	if (!json_is_array(schedule))
		return; /* json_check_object said so */
	json_array_foreach(schedule, i, item) {
		char prefix[32], field[48];
		int from, to;

		snprintf(prefix, sizeof(prefix), "schedule[%zu].", i);
		if (json_check_object(item, schedule_fields, ARRAY_SIZE(schedule_fields), prefix,
		                      errors))
			continue;
		from = parse_hhmm(json_get_string(item, "from"));
		to = parse_hhmm(json_get_string(item, "to"));
		if (from < 0) {
			snprintf(field, sizeof(field), "%sfrom", prefix);
			json_add_error(errors, field, "time",
			               "Must be a time HH:MM from 00:00 to 23:59.");
		}
		if (to < 0) {
			snprintf(field, sizeof(field), "%sto", prefix);
			json_add_error(errors, field, "time",
			               "Must be a time HH:MM from 00:00 to 23:59.");
		}
		if (from >= 0 && to >= 0 && from >= to) {
			snprintf(field, sizeof(field), "%sto", prefix);
			json_add_error(errors, field, "not_after_from", "Must be later than from.");
		}
	}
}

/* The rules that need more than one field of the body. */
static void check_body(const json_t *body, json_t *errors)
{
	const json_t *total = json_object_get(body, "capacity_total");
	const json_t *free_ = json_object_get(body, "capacity_free");

	check_schedule(json_object_get(body, "schedule"), errors);
	if (json_is_integer(total) && json_is_integer(free_) &&
	    json_integer_value(free_) > json_integer_value(total))
		json_add_error(errors, "capacity_free", "exceeds_total",
		               "Must not exceed capacity_total.");
}

/* Answer a write: 'invalid' is 422 with the errors the statement found (in column 1). */
static void on_written(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (answer_outcome_is(res, "invalid")) {
		json_t *errors = json_loads(PQgetvalue(res->pg, 0, 1), 0, NULL);
		if (!json_is_array(errors)) {
			json_decref(errors);
			errors = json_array();
		}
		http_invalid(r, errors);
		return;
	}
	answer_write(r, res, "service",
	             "Only the caseworkers of the service's node keep its services.");
}

static void create_service(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	char *body;
	const char *values[ACTOR_PARAMS + 2];

	check_body(r->json, errors);
	if (answer_invalid(r, errors))
		return;
	body = json_dumps(r->json, JSON_COMPACT);
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = body;
	req_db(r, "service_create", 6, values, on_written);
	free(body);
}

static void update_service(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	char *patch, version_text[24];
	const char *values[ACTOR_PARAMS + 3];
	int if_match;

	check_body(r->json, errors);
	if (answer_invalid(r, errors))
		return;
	if_match = req_if_match_text(r, version_text);
	if (if_match < 0)
		return;
	patch = json_dumps(r->json, JSON_COMPACT);
	req_actor(r, values);
	values[4] = patch;
	values[5] = req_param(r, "id");
	values[6] = if_match ? version_text : NULL;
	req_db(r, "service_update", 7, values, on_written);
	free(patch);
}

static void get_service(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	req_db(r, "service_get", 1, values, answer_row);
}

static void on_node_exists(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct page *p = r->ctx;
	const char *values[5];

	if (!answer_found(r, res))
		return;
	values[0] = req_param(r, "id");
	values[1] = req_query(r, "status");
	values[2] = page_key(p, 0);
	values[3] = page_key(p, 1);
	values[4] = p->limit_text;
	req_db(r, "service_node_list", 5, values, answer_page);
}

static void list_node_services(struct req *r)
{
	static const char *const allowed[] = {"status", NULL};
	const char *status = req_query(r, "status");
	const char *values[1] = {req_param(r, "id")};

	if (!answer_page_begin(r, 2, allowed))
		return;
	if (status && !validate_enum(status, directory_service_statuses)) {
		answer_bad_query(r, "status", JSON_CODE_NOT_IN_LIST,
		                 "status must be active, inactive or temporarily_closed");
		return;
	}
	req_db(r, "service_node_exists", 1, values, on_node_exists);
}

/* Search filters, in the order of the service_search parameters $1..$8. */
enum {
	F_CATEGORY,
	F_TARGET_GROUP,
	F_DISTRICT,
	F_NETWORK,
	F_HAS_CAPACITY,
	F_LANGUAGE,
	F_Q,
	F_STATUS,
	F_COUNT
};

/* The search filters of r's query (status active when it names none). */
static void search_filters(struct req *r, const char **f)
{
	f[F_CATEGORY] = req_query(r, "category");
	f[F_TARGET_GROUP] = req_query(r, "target_group_id");
	f[F_DISTRICT] = req_query(r, "district");
	f[F_NETWORK] = req_query(r, "network_id");
	f[F_HAS_CAPACITY] = req_query(r, "has_capacity");
	f[F_LANGUAGE] = req_query(r, "language");
	f[F_Q] = req_query(r, "q");
	f[F_STATUS] = req_query(r, "status");
	if (!f[F_STATUS])
		f[F_STATUS] = "active";
}

static void run_search(struct req *r)
{
	struct page *p = r->ctx;
	const char *values[F_COUNT + 3];

	search_filters(r, values);
	values[F_COUNT] = page_key(p, 0);
	values[F_COUNT + 1] = page_key(p, 1);
	values[F_COUNT + 2] = p->limit_text;
	req_db(r, "service_search", F_COUNT + 3, values, answer_page);
}

static void on_search_refs(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	static const char *const names[] = {"category", "target_group_id", "network_id"};
	static const char *const messages[] = {
	        "category is not a service category (see GET /v1/taxonomy)",
	        "target_group_id is not a known target group",
	        "network_id is not a known network",
	};

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (strcmp(PQgetvalue(res->pg, 0, i), "t") != 0) {
			answer_bad_query(r, names[i], "not_found", messages[i]);
			return;
		}
	}
	run_search(r);
}

/* Whether s is a two-letter ISO 639-1 code in lower case. */
static bool is_language(const char *s)
{
	return strlen(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z';
}

static void search_services(struct req *r)
{
	static const char *const allowed[] = {"category",   "target_group_id", "district",
	                                      "network_id", "has_capacity",    "language",
	                                      "q",          "status",          NULL};
	const char *f[F_COUNT], *status = req_query(r, "status");
	json_t *errors;

	if (!answer_page_begin(r, 2, allowed))
		return;
	search_filters(r, f);
	errors = json_array();
	if (f[F_HAS_CAPACITY] && strcmp(f[F_HAS_CAPACITY], "true") &&
	    strcmp(f[F_HAS_CAPACITY], "false"))
		json_add_error(errors, "has_capacity", JSON_CODE_WRONG_TYPE,
		               "must be true or false");
	if (f[F_CATEGORY] && !validate_key(f[F_CATEGORY]))
		json_add_error(errors, "category", JSON_CODE_KEY,
		               "must be a category code such as debt_counselling");
	if (f[F_TARGET_GROUP] && !validate_uuid(f[F_TARGET_GROUP]))
		json_add_error(errors, "target_group_id", JSON_CODE_UUID, "must be a UUID");
	if (f[F_DISTRICT] && !validate_text(f[F_DISTRICT], 1, 100, false))
		json_add_error(errors, "district", JSON_CODE_SINGLE_LINE,
		               "must be 1 to 100 characters of text");
	if (f[F_NETWORK] && !validate_uuid(f[F_NETWORK]))
		json_add_error(errors, "network_id", JSON_CODE_UUID, "must be a UUID");
	if (f[F_LANGUAGE] && !is_language(f[F_LANGUAGE]))
		json_add_error(errors, "language", JSON_CODE_FORMAT,
		               "must be a two-letter language code such as de or tr");
	if (f[F_Q] && !validate_text(f[F_Q], 1, 200, false))
		json_add_error(errors, "q", JSON_CODE_SINGLE_LINE,
		               "must be 1 to 200 characters of text");
	if (status && !validate_enum(status, directory_service_statuses))
		json_add_error(errors, "status", JSON_CODE_NOT_IN_LIST,
		               "must be active, inactive or temporarily_closed");
	if (answer_bad_queries(r, errors, "Some query parameters have bad values; see errors."))
		return;
	if (f[F_CATEGORY] || f[F_TARGET_GROUP] || f[F_NETWORK]) {
		const char *values[3] = {f[F_CATEGORY], f[F_TARGET_GROUP], f[F_NETWORK]};
		req_db(r, "service_search_refs", 3, values, on_search_refs);
		return;
	}
	run_search(r);
}

static const struct route routes[] = {
        {"POST", "/v1/nodes/{id}/services", create_service, ROUTE_BODY, ROLE_CASEWORKER,
         "directory:write"},
        {"GET", "/v1/nodes/{id}/services", list_node_services, 0, ROLE_ANY, "directory:read"},
        {"GET", "/v1/services", search_services, ROUTE_READ_REPLICA, ROLE_ANY, "directory:read"},
        {"GET", "/v1/services/{id}", get_service, 0, ROLE_ANY, "directory:read"},
        {"PATCH", "/v1/services/{id}", update_service, ROUTE_BODY, ROLE_CASEWORKER,
         "directory:write"},
};

API_MODULE(services_api, "services", routes, stmts);
