/*
 * The network report (docs/user-guide/statistics.md, "The network report"): what a
 * Produktionsnetzwerk tells its Kommune and its Träger about a period and the one before, per
 * network, narrowed by target group, chain and the client's district. The figures are computed
 * in SQL (schema/functions/reports.sql) over live and archived referrals alike, so retention never
 * changes a past period.
 *
 * JSON gives exact counts to the network's coordinators and admins; ?suppress=true gives the
 * form for publication (what the web app prints), with small counts and whatever would give
 * them away hidden (server/report_suppress.h). The CSV export (?format=csv or excel, Accept:
 * text/csv) is always the suppressed form, in long form (server/report_csv.h).
 */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "auth.h"
#include "export.h"
#include "http.h"
#include "json.h"
#include "report_csv.h"
#include "report_suppress.h"
#include "reports_sql.h"
#include "validate.h"

struct report_ctx {
	struct export export;
	bool suppress; /* ?suppress=true, or an export */
};

static void on_report(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct report_ctx *s = r->ctx;
	char *name;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	name = xasprintf("report-%s-%s-%s", req_param(r, "id"), req_query(r, "since"),
	                 req_query(r, "until"));
	export_answer(r, &s->export, answer_column(res, "body"),
	              s->suppress ? report_suppress : NULL, name, answer_column(res, "today"),
	              report_csv);
	free(name);
}

/* The parameters both statements start with: the network, the period and the filters by id. */
static void report_params(const struct req *r, struct params *p)
{
	params_text(p, "id", req_param(r, "id"));
	params_text(p, "since", req_query(r, "since"));
	params_text(p, "until", req_query(r, "until"));
	params_text(p, "target_group", req_query(r, "target_group"));
	params_text(p, "chain", req_query(r, "chain"));
}

static bool column_true(const struct db_result *res, const char *name)
{
	const char *v = answer_column(res, name);

	return v && !strcmp(v, "t");
}

static void on_lookup(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct params p = {0};
	const char *network;
	json_t *errors;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	network = answer_column(res, "network");
	if (!network || !*network) {
		http_not_found(r);
		return;
	}
	if (!auth_coordinates(r, network)) {
		http_forbidden(r, "Only the network's coordinators see its report.");
		return;
	}
	errors = json_array();
	if (column_true(res, "empty"))
		json_add_error(errors, "until", "not_after_from", "must be after since");
	if (column_true(res, "too_long"))
		json_add_error(errors, "until", JSON_CODE_OUT_OF_RANGE,
		               "a report covers at most ten years");
	if (!column_true(res, "target_group_known"))
		json_add_error(errors, "target_group", "not_in_network",
		               "is not a target group of this network");
	if (!column_true(res, "chain_known"))
		json_add_error(errors, "chain", "not_in_network", "is not a chain of this network");
	if (answer_bad_queries(r, errors, "A query parameter has a bad value."))
		return;
	report_params(r, &p);
	params_text(&p, "district", req_query(r, "district"));
	req_run(r, &sql_reports_network, &p, on_report);
}

static void get_report(struct req *r)
{
	static const char *const allowed[] = {"since", "until",    "target_group",
	                                      "chain", "district", "format",
	                                      "lang",  "suppress", NULL};
	static const char *const booleans[] = {"true", "false", NULL};
	const char *suppress = req_query(r, "suppress"), *district = req_query(r, "district");
	struct params p = {0};
	struct report_ctx *s;
	struct export export;
	json_t *errors;

	if (!req_check_query(r, allowed))
		return;
	errors = json_array();
	for (size_t i = 0; i < 2; i++) {
		const char *name = i ? "until" : "since", *v = req_query(r, name);
		if (!v)
			json_add_error(errors, name, JSON_CODE_REQUIRED,
			               "is required (YYYY-MM-DD)");
		else if (!validate_date(v))
			json_add_error(errors, name, JSON_CODE_DATE, "must be a date (YYYY-MM-DD)");
	}
	for (size_t i = 0; i < 2; i++) {
		const char *name = i ? "chain" : "target_group", *v = req_query(r, name);
		if (v && !validate_uuid(v))
			json_add_error(errors, name, JSON_CODE_UUID, "must be an id");
	}
	if (district && !validate_text(district, 1, 100, false))
		json_add_error(errors, "district", JSON_CODE_FORMAT,
		               "must be one line of 1 to 100 characters");
	export_check_query(r, errors);
	if (suppress && !validate_enum(suppress, booleans))
		json_add_error(errors, "suppress", JSON_CODE_NOT_IN_LIST, "must be true or false");
	if (answer_bad_queries(r, errors, "A query parameter has a bad value."))
		return;
	if (!export_choose(r, &export, "The report is available"))
		return;
	s = xcalloc(1, sizeof(*s));
	s->export = export;
	/* An export leaves pnet: it is always suppressed. */
	s->suppress = export.format != EXPORT_JSON || (suppress && !strcmp(suppress, "true"));
	r->ctx = s;
	r->ctx_free = free;
	report_params(r, &p);
	req_run(r, &sql_reports_lookup, &p, on_lookup);
}

static const struct route routes[] = {
        {"GET", "/v1/networks/{id}/report", get_report, ROUTE_READ_REPLICA,
         ROLE_ADMIN | ROLE_COORDINATOR, "stats:read"},
};

API_MODULE(reports_api, "reports", routes, reports_sql);
