/*
 * The network report (docs/user-guide/statistics.md, "The network report"): what a
 * Produktionsnetzwerk tells its Kommune and its Träger about a period and the one before, per
 * network, narrowed by target group, chain and the client's district. The figures are computed
 * in SQL (schema/0100_reports.sql) over live and archived referrals alike, so retention never
 * changes a past period.
 *
 * JSON gives exact counts to the network's coordinators and admins; ?suppress=true gives the
 * form for publication (what the web app prints), with small counts and whatever would give
 * them away hidden (server/report_suppress.h). The CSV export (?format=csv or excel, Accept:
 * text/csv) is always the suppressed form, in long form (server/report_csv.h).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "answer.h"
#include "api.h"
#include "auth.h"
#include "csv.h"
#include "http.h"
#include "json.h"
#include "report_csv.h"
#include "report_suppress.h"
#include "stats.h"
#include "validate.h"

/* The longest period a report covers: ten years and their leap days. */
#define REPORT_MAX_DAYS "3653"

static const struct db_stmt stmts[] = {
        /* $1 network, $2 since, $3 until, $4 target group, $5 chain: the network (NULL when
           unknown), whether the period is empty or too long, whether the target group and the
           chain are the network's */
        {"reports_lookup",
         "SELECT (SELECT n.id::text FROM network n WHERE n.id = $1::uuid),"
         "       $2::date >= $3::date,"
         "       $3::date - $2::date > " REPORT_MAX_DAYS ","
         "       $4::uuid IS NULL OR EXISTS (SELECT 1 FROM target_group g"
         "                                    WHERE g.id = $4::uuid AND g.network_id = $1::uuid),"
         "       $5::uuid IS NULL OR EXISTS (SELECT 1 FROM chain c"
         "                                    WHERE c.id = $5::uuid AND c.network_id = $1::uuid)"},
        /* $1 network, $2 since, $3 until, $4 target group, $5 chain, $6 district: the report
           and today in Germany (the export's file name) */
        {"reports_network",
         "SELECT report_network($1::uuid, $2::date, $3::date, $4::uuid, $5::uuid, $6)::text,"
         "       to_char(now() AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD')"},
};

struct report_ctx {
	enum stats_format format;
	bool de;       /* ?lang=de: German headers */
	bool suppress; /* ?suppress=true, or an export */
};

static void reply_csv(struct req *r, const struct report_ctx *s, const json_t *body,
                      const char *today)
{
	bool excel = s->format == FORMAT_EXCEL;
	struct csv c = {evbuffer_new(), excel ? ';' : ',', excel ? ',' : '.', s->de};
	char *disposition;

	if (excel)
		evbuffer_add(c.out, "\xEF\xBB\xBF", 3);
	report_csv(&c, body);
	disposition = xasprintf("attachment; filename=\"report-%s-%s-%s-%s%s.csv\"",
	                        req_param(r, "id"), req_query(r, "since"), req_query(r, "until"),
	                        today, excel ? "-excel" : "");
	http_header(r, "Content-Disposition", disposition);
	free(disposition);
	http_reply_raw(r, 200, "text/csv; charset=utf-8", evbuffer_pullup(c.out, -1),
	               evbuffer_get_length(c.out));
	evbuffer_free(c.out);
}

static void on_report(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct report_ctx *s = r->ctx;
	json_t *body;
	char *text;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	http_header(r, "Vary", "Accept");
	if (!s->suppress) {
		http_reply_json_text(r, 200, PQgetvalue(res->pg, 0, 0), 0);
		return;
	}
	body = json_loads(PQgetvalue(res->pg, 0, 0), 0, NULL);
	if (!body) {
		http_problem(r, 500, "internal", "Internal error", "The report could not be read.");
		return;
	}
	report_suppress(body);
	if (s->format == FORMAT_CSV || s->format == FORMAT_EXCEL) {
		reply_csv(r, s, body, PQgetvalue(res->pg, 0, 1));
	} else {
		text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		http_reply_json_text(r, 200, text, 0);
		free(text);
	}
	json_decref(body);
}

static const char *const *report_values(struct req *r, const char *values[6])
{
	values[0] = req_param(r, "id");
	values[1] = req_query(r, "since");
	values[2] = req_query(r, "until");
	values[3] = req_query(r, "target_group");
	values[4] = req_query(r, "chain");
	values[5] = req_query(r, "district");
	return values;
}

static void on_lookup(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	const char *values[6];
	json_t *errors;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (PQgetisnull(res->pg, 0, 0)) {
		http_not_found(r);
		return;
	}
	if (!auth_coordinates(r, PQgetvalue(res->pg, 0, 0))) {
		http_forbidden(r, "Only the network's coordinators see its report.");
		return;
	}
	errors = json_array();
	if (!strcmp(PQgetvalue(res->pg, 0, 1), "t"))
		json_add_error(errors, "until", "not_after_from", "must be after since");
	if (!strcmp(PQgetvalue(res->pg, 0, 2), "t"))
		json_add_error(errors, "until", JSON_CODE_OUT_OF_RANGE,
		               "a report covers at most ten years");
	if (strcmp(PQgetvalue(res->pg, 0, 3), "t"))
		json_add_error(errors, "target_group", "not_in_network",
		               "is not a target group of this network");
	if (strcmp(PQgetvalue(res->pg, 0, 4), "t"))
		json_add_error(errors, "chain", "not_in_network", "is not a chain of this network");
	if (answer_bad_queries(r, errors, "A query parameter has a bad value."))
		return;
	req_db(r, "reports_network", 6, report_values(r, values), on_report);
}

static void get_report(struct req *r)
{
	static const char *const allowed[] = {"since", "until",    "target_group",
	                                      "chain", "district", "format",
	                                      "lang",  "suppress", NULL};
	static const char *const formats[] = {"json", "csv", "excel", NULL};
	static const char *const langs[] = {"en", "de", NULL};
	static const char *const booleans[] = {"true", "false", NULL};
	const char *format_q = req_query(r, "format"), *lang = req_query(r, "lang");
	const char *suppress = req_query(r, "suppress"), *district = req_query(r, "district");
	const char *values[6];
	struct report_ctx *s;
	enum stats_format format;
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
	if (format_q && !validate_enum(format_q, formats))
		json_add_error(errors, "format", JSON_CODE_NOT_IN_LIST,
		               "must be json, csv or excel");
	if (lang && !validate_enum(lang, langs))
		json_add_error(errors, "lang", JSON_CODE_NOT_IN_LIST, "must be en or de");
	if (suppress && !validate_enum(suppress, booleans))
		json_add_error(errors, "suppress", JSON_CODE_NOT_IN_LIST, "must be true or false");
	if (answer_bad_queries(r, errors, "A query parameter has a bad value."))
		return;
	/* ?format= wins over Accept: a link in a browser cannot set headers. */
	if (format_q)
		format = !strcmp(format_q, "excel") ? FORMAT_EXCEL
		         : !strcmp(format_q, "csv") ? FORMAT_CSV
		                                    : FORMAT_JSON;
	else
		format = stats_negotiate(
		        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "Accept"));
	if (format == FORMAT_NONE) {
		http_problem(r, 406, "not-acceptable", "Not acceptable",
		             "The report is available as application/json or text/csv.");
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->format = format;
	s->de = lang && !strcmp(lang, "de");
	/* An export leaves pnet: it is always suppressed. */
	s->suppress = format != FORMAT_JSON || (suppress && !strcmp(suppress, "true"));
	r->ctx = s;
	r->ctx_free = free;
	req_db(r, "reports_lookup", 5, report_values(r, values), on_lookup);
}

static const struct route routes[] = {
        {"GET", "/v1/networks/{id}/report", get_report, ROUTE_READ_REPLICA,
         ROLE_ADMIN | ROLE_COORDINATOR, "stats:read"},
};

API_MODULE(reports_api, "reports", routes, stmts);
