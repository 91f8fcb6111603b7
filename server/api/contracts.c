/*
 * Contracts (Kontingente): places of a service a network's Kommune pays for, per funder and
 * period (a quarter or a year), with an optional price per place and a hard or soft limit;
 * and the coordinator's view of use against contract per service and period, with the
 * referrals still waiting (JSON, or CSV as the statistics export it: ?format=csv|excel,
 * ?lang=de). Everybody signed in reads a service's contracts (a sender sees "Kontingent
 * erschöpft" before sending); the network's coordinators and admins write them. Places are
 * taken and given back by the referrals' moves (schema/functions/contracts.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "auth.h"
#include "contracts_sql.h"
#include "csv.h"
#include "http.h"
#include "json.h"
#include "util.h"
#include "validate.h"

#include <event2/buffer.h>

static const char *const periods[] = {"quarter", "year", NULL};
static const char *const limits[] = {"hard", "soft", NULL};

static const struct json_field create_fields[] = {
        {"network_id", JF_UUID, JF_REQUIRED},
        {"funding_source_id", JF_UUID, JF_NULLABLE},
        {"period", JF_ENUM, JF_REQUIRED, 0, 0, periods},
        {"period_start", JF_DATE, JF_REQUIRED},
        {"places", JF_INTEGER, JF_REQUIRED, 1, 100000},
        {"price_per_place", JF_NUMBER, JF_NULLABLE, 0, 10000000},
        {"limit", JF_ENUM, 0, 0, 0, limits},
};

static const struct json_field update_fields[] = {
        {"places", JF_INTEGER, 0, 1, 100000},
        {"price_per_place", JF_NUMBER, JF_NULLABLE, 0, 10000000},
        {"limit", JF_ENUM, 0, 0, 0, limits},
};

static void list_contracts(struct req *r)
{
	static const char *const allowed[] = {NULL};
	struct params p = {0};

	if (!req_check_query(r, allowed))
		return;
	params_text(&p, "service", req_param(r, "id"));
	req_run(r, &sql_contract_list, &p, answer_row);
}

/* A period starts on its first day: 1 January for a year, that of its quarter for a quarter. */
static void check_period_start(const json_t *body, json_t *errors)
{
	const char *period = json_get_string(body, "period");
	const char *start = json_get_string(body, "period_start");
	int month, day;

	if (!period || !start || !validate_date(start) ||
	    sscanf(start + 5, "%2d-%2d", &month, &day) != 2)
		return;
	if (day != 1 || (!strcmp(period, "year") ? month != 1 : (month - 1) % 3 != 0))
		json_add_error(errors, "period_start", "not_period_start",
		               !strcmp(period, "year") ? "must be the 1st of January"
		                                       : "must be the first day of a quarter");
}

static void create_contract(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	struct params p = {0};

	check_period_start(r->json, errors);
	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "service", req_param(r, "id"));
	params_json(&p, "contract", r->json);
	req_coordinator_scope(r, &p);
	req_run(r, &sql_contract_create, &p, answer_write);
}

static void update_contract(struct req *r)
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
	req_run(r, &sql_contract_update, &p, answer_write);
}

/* The use view */

struct use_ctx {
	bool csv, excel, de;
};

static void use_csv(struct csv *c, const json_t *body)
{
	static const struct csv_col cols[] = {
	        {"service_name", "Angebot", COL_TEXT, 0, {0}},
	        {"node_name", "Stelle", COL_TEXT, 0, {0}},
	        {"funding_source_name", "Kostenträger", COL_TEXT, 0, {0}},
	        {"period", "Zeitraum", COL_TEXT, 0, {0}},
	        {"period_start", "Beginn", COL_TEXT, 0, {0}},
	        {"period_end", "Ende", COL_TEXT, 0, {0}},
	        {"limit", "Grenze", COL_TEXT, 0, {0}},
	        {"places", "Plätze", COL_NUMBER, 0, {0}},
	        {"places_taken", "belegt", COL_NUMBER, 0, {0}},
	        {"places_free", "frei", COL_NUMBER, 0, {0}},
	        {"places_over", "überbelegt", COL_NUMBER, 0, {0}},
	        {"waiting_count", "wartend", COL_NUMBER, 0, {0}},
	        {"price_per_place", "Preis je Platz", COL_DECIMAL, 2, {0}},
	};

	csv_header(c, NULL, cols, ARRAY_SIZE(cols));
	csv_rows(c, body, "items", NULL, cols, ARRAY_SIZE(cols));
}

static void on_use(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct use_ctx *u = r->ctx;
	json_t *body;
	struct csv c;
	char *disposition;

	if (!answer_found(r, res))
		return;
	if (!u->csv) {
		http_reply_json_text(r, 200, answer_column(res, "body"), 0);
		return;
	}
	body = json_loads(answer_column(res, "body"), 0, NULL);
	if (!body) {
		http_problem(r, 500, "internal", "Internal error", "The view could not be read.");
		return;
	}
	c = (struct csv){evbuffer_new(), u->excel ? ';' : ',', u->excel ? ',' : '.', u->de};
	if (u->excel)
		evbuffer_add(c.out, "\xEF\xBB\xBF", 3);
	use_csv(&c, body);
	disposition =
	        xasprintf("attachment; filename=\"contracts-%s-%s%s.csv\"", req_param(r, "id"),
	                  json_string_value(json_object_get(body, "on")), u->excel ? "-excel" : "");
	json_decref(body);
	http_header(r, "Content-Disposition", disposition);
	free(disposition);
	http_reply_raw(r, 200, "text/csv; charset=utf-8", evbuffer_pullup(c.out, -1),
	               evbuffer_get_length(c.out));
	evbuffer_free(c.out);
}

static void contract_use(struct req *r)
{
	static const char *const allowed[] = {"on", "format", "lang", NULL};
	static const char *const formats[] = {"json", "csv", "excel", NULL};
	static const char *const langs[] = {"en", "de", NULL};
	const char *on = req_query(r, "on"), *format = req_query(r, "format");
	const char *lang = req_query(r, "lang");
	struct use_ctx *u;
	struct params p = {0};
	json_t *errors;

	if (!req_check_query(r, allowed))
		return;
	errors = json_array();
	if (on && !validate_date(on))
		json_add_error(errors, "on", JSON_CODE_DATE, "must be a date (YYYY-MM-DD)");
	if (format && !validate_enum(format, formats))
		json_add_error(errors, "format", JSON_CODE_NOT_IN_LIST,
		               "must be json, csv or excel");
	if (lang && !validate_enum(lang, langs))
		json_add_error(errors, "lang", JSON_CODE_NOT_IN_LIST, "must be en or de");
	if (answer_bad_queries(r, errors, "A query parameter has a bad value."))
		return;
	if (!auth_coordinates(r, req_param(r, "id"))) {
		http_forbidden(r, "Only the network's coordinators see its contracts' use.");
		return;
	}
	u = xcalloc(1, sizeof *u);
	u->csv = format && strcmp(format, "json");
	u->excel = format && !strcmp(format, "excel");
	u->de = lang && !strcmp(lang, "de");
	r->ctx = u;
	r->ctx_free = free;
	params_text(&p, "network", req_param(r, "id"));
	params_text(&p, "on", on);
	req_run(r, &sql_contract_use, &p, on_use);
}

static const struct route routes[] = {
        {"GET", "/v1/services/{id}/contracts", list_contracts, 0, ROLE_ANY, "directory:read"},
        {"POST", "/v1/services/{id}/contracts", create_contract, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"},
        {"PATCH", "/v1/contracts/{id}", update_contract, ROUTE_BODY, ROLE_ADMIN | ROLE_COORDINATOR,
         "directory:write"},
        {"GET", "/v1/networks/{id}/contract-use", contract_use, 0, ROLE_ADMIN | ROLE_COORDINATOR,
         "stats:read"},
};

API_MODULE(contracts_api, "contracts", routes, contracts_sql);
