/*
 * Services (what a node offers: category, target groups, capacity, hours) and the service
 * directory search. Every authenticated caller reads them; only the caseworkers of the
 * service's node (and that node's integration tokens) write them, nobody else, admins
 * included. There is no delete: a service that ends is set to status inactive.
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
#include "services_sql.h"
#include "validate.h"

/* The field tables are laid out by hand. */
/* clang-format off */
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
	{"status", JF_ENUM, 0, 0, 0, directory_service_statuses},                                  \
	{"funding_source_id", JF_UUID, JF_NULLABLE}

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

static void create_service(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	struct params p = {0};

	check_body(r->json, errors);
	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "node", req_param(r, "id"));
	params_json(&p, "service", r->json);
	req_run(r, &sql_service_create, &p, answer_write);
}

static void update_service(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	struct params p = {0};

	check_body(r->json, errors);
	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (answer_patch_params(r, &p))
		req_run(r, &sql_service_update, &p, answer_write);
}

static void get_service(struct req *r)
{
	struct params p = {0};

	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_service_get, &p, answer_row);
}

static void on_node_exists(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	params_text(&p, "node", req_param(r, "id"));
	params_text(&p, "status", req_query(r, "status"));
	params_page(&p, r->ctx);
	req_run(r, &sql_service_node_list, &p, answer_page);
}

static void list_node_services(struct req *r)
{
	static const char *const allowed[] = {"status", NULL};
	const char *status = req_query(r, "status");
	struct params p = {0};

	if (!answer_page_begin(r, 2, allowed))
		return;
	if (status && !validate_enum(status, directory_service_statuses)) {
		answer_bad_query(r, "status", JSON_CODE_NOT_IN_LIST,
		                 "status must be active, inactive or temporarily_closed");
		return;
	}
	params_text(&p, "node", req_param(r, "id"));
	req_run(r, &sql_service_node_exists, &p, on_node_exists);
}

/* The search filters: the query parameter and the statement parameter of each. */
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

static const char *const filter_params[F_COUNT] = {
        [F_CATEGORY] = "category",
        [F_TARGET_GROUP] = "target_group",
        [F_DISTRICT] = "district",
        [F_NETWORK] = "network",
        [F_HAS_CAPACITY] = "has_capacity",
        [F_LANGUAGE] = "language",
        [F_Q] = "q",
        [F_STATUS] = "status",
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
	const char *f[F_COUNT];
	struct params p = {0};

	search_filters(r, f);
	for (int i = 0; i < F_COUNT; i++)
		params_text(&p, filter_params[i], f[i]);
	params_page(&p, r->ctx);
	req_run(r, &sql_service_search, &p, answer_page);
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
		struct params p = {0};
		params_text(&p, "category", f[F_CATEGORY]);
		params_text(&p, "target_group", f[F_TARGET_GROUP]);
		params_text(&p, "network", f[F_NETWORK]);
		req_run(r, &sql_service_search_refs, &p, on_search_refs);
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

API_MODULE(services_api, "services", routes, services_sql);
