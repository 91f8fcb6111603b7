/*
 * Network statistics for coordinators (docs/user-guide/statistics.md): referral flows between nodes
 * and node kinds, the funnel of a chain's steps, and how well members keep their agreed response
 * time. Aggregated only: no case, no reference, no note. The figures are computed in SQL
 * (schema/functions/stats.sql, defined in docs/user-guide/statistics.md) over live and archived
 * referrals.
 *
 * Each report answers JSON with exact counts (only admins and the network's coordinators get
 * it, and they may see the referrals' metadata anyway), or with Accept: text/csv (or
 * ?format=csv) an export for evaluations in which every count from 1 to 4 is written "<5" and
 * every rate or median computed from such a count is left empty (docs/architecture.md,
 * "Access rules"). ?format=excel gives the export in the form a spreadsheet set to German
 * opens as columns (semicolons, decimal commas, a UTF-8 byte-order mark), ?lang=de German
 * headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "answer.h"
#include "api.h"
#include "auth.h"
#include "csv.h"
#include "directory.h"
#include "export.h"
#include "http.h"
#include "stats_sql.h"
#include "json.h"
#include "validate.h"

/* CSV export: the columns of each report (the writing is server/csv.c) */

/* Flows: the node pairs, then the kind pairs (level says which; node columns empty). */
static void flows_csv(struct csv *c, const json_t *body)
{
	static const struct csv_col cols[] = {
	        {"from_node_id", "Von (Id)", COL_TEXT},
	        {"from_name", "Von", COL_TEXT},
	        {"from_kind", "Von (Art)", COL_KIND},
	        {"to_node_id", "An (Id)", COL_TEXT},
	        {"to_name", "An", COL_TEXT},
	        {"to_kind", "An (Art)", COL_KIND},
	        {"referred", "Vermittelt", COL_COUNT},
	        {"accepted", "Angenommen", COL_COUNT},
	        {"declined", "Abgelehnt", COL_COUNT},
	        {"acceptance_rate", "Annahmequote", COL_DECIMAL, 4, {"accepted", "declined"}},
	        {"median_days_to_accept", "Median Tage bis Annahme", COL_DECIMAL, 2, {"accepted"}},
	};
	static const struct csv_lead node = {"level", "Ebene", "node", "Stelle"};
	static const struct csv_lead kind = {"level", "Ebene", "kind", "Art"};

	csv_header(c, &node, cols, ARRAY_SIZE(cols));
	csv_rows(c, body, "nodes", &node, cols, ARRAY_SIZE(cols));
	csv_rows(c, body, "kinds", &kind, cols, ARRAY_SIZE(cols));
}

static void funnel_csv(struct csv *c, const json_t *body)
{
	static const struct csv_col cols[] = {
	        {"key", "Schlüssel", COL_TEXT},
	        {"name", "Schritt", COL_TEXT},
	        {"referred", "Vermittelt", COL_COUNT},
	        {"accepted", "Angenommen", COL_COUNT},
	        {"started", "Begonnen", COL_COUNT},
	        {"completed", "Abgeschlossen", COL_COUNT},
	        {"declined", "Abgelehnt", COL_COUNT},
	        {"dropped_out", "Abgebrochen", COL_COUNT},
	        {"median_days_to_accept", "Median Tage bis Annahme", COL_DECIMAL, 2, {"accepted"}},
	        {"median_days_to_start", "Median Tage bis Beginn", COL_DECIMAL, 2, {"started"}},
	        {"overdue_now", "Jetzt überfällig", COL_COUNT},
	        {"conferences", "Fallkonferenzen", COL_COUNT},
	};

	csv_header(c, NULL, cols, ARRAY_SIZE(cols));
	csv_rows(c, body, "steps", NULL, cols, ARRAY_SIZE(cols));
}

static void agreements_csv(struct csv *c, const json_t *body)
{
	static const struct csv_col cols[] = {
	        {"node_id", "Stelle (Id)", COL_TEXT},
	        {"name", "Stelle", COL_TEXT},
	        {"days_to_accept", "Vereinbarte Tage bis Annahme", COL_NUMBER},
	        {"referrals", "Vermittlungen", COL_COUNT},
	        {"answered_in_time", "Rechtzeitig beantwortet", COL_COUNT},
	        {"share_in_time",
	         "Anteil rechtzeitig",
	         COL_DECIMAL,
	         4,
	         {"referrals", "answered_in_time"}},
	};

	csv_header(c, NULL, cols, ARRAY_SIZE(cols));
	csv_rows(c, body, "members", NULL, cols, ARRAY_SIZE(cols));
}

/* Requests */

struct report {
	const char *name;             /* "flows": the export's file name starts with it */
	const struct db_stmt *lookup; /* gives the network and whether since > until */
	const struct db_stmt *stmt;   /* gives the report and today's date */
	bool by_chain; /* the path names a chain: another network's coordinator gets 404 */
	void (*write_csv)(struct csv *c, const json_t *body);
};

static const struct report flows = {"flows", &sql_stats_network, &sql_stats_flows, false,
                                    flows_csv};
static const struct report funnel = {"funnel", &sql_stats_chain, &sql_stats_funnel, true,
                                     funnel_csv};
static const struct report agreements = {"agreements", &sql_stats_network, &sql_stats_agreements,
                                         false, agreements_csv};

struct stats_ctx {
	const struct report *report;
	struct export export;
};

static void on_report(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct stats_ctx *s = r->ctx;
	char *name;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	name = xasprintf("%s-%s", s->report->name, req_param(r, "id"));
	export_answer(r, &s->export, answer_column(res, "body"), NULL, name,
	              answer_column(res, "today"), s->report->write_csv);
	free(name);
}

/* The parameters every statement of a report takes: the path's id, since and until. */
static void period_params(const struct req *r, struct params *p)
{
	params_text(p, "id", req_param(r, "id"));
	params_text(p, "since", req_query(r, "since"));
	params_text(p, "until", req_query(r, "until"));
}

/* The network is known: check the period, then who asks, then run the report. */
static void on_lookup(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct stats_ctx *s = r->ctx;
	struct params p = {0};
	const char *network;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (!strcmp(PQgetvalue(res->pg, 0, 1), "t")) {
		json_t *errors = json_array();
		json_add_error(errors, "since", "after_until", "is after until");
		http_problem_errors(r, 400, "bad-query", "Bad query parameter",
		                    "The period starts after it ends.", errors);
		return;
	}
	if (PQgetisnull(res->pg, 0, 0)) {
		http_not_found(r);
		return;
	}
	network = PQgetvalue(res->pg, 0, 0);
	if (!auth_coordinates(r, network)) {
		/* A chain is visible only in its network (as GET /v1/chains/{id}); networks are
		 * in the open directory. */
		if (s->report->by_chain)
			http_not_found(r);
		else
			http_forbidden(r, "Only the network's coordinators see its statistics.");
		return;
	}
	period_params(r, &p);
	req_run(r, s->report->stmt, &p, on_report);
}

/* A since or until value: a date or an RFC 3339 date-time; adds an error otherwise. */
static void check_time(struct req *r, const char *name, json_t *errors)
{
	const char *v = req_query(r, name);

	if (v && !validate_date(v) && !validate_timestamp(v))
		json_add_error(errors, name, JSON_CODE_DATE,
		               "must be a date (YYYY-MM-DD) or an RFC 3339 date-time with a zone");
}

static void stats_start(struct req *r, const struct report *rep)
{
	static const char *const allowed[] = {"since", "until", "format", "lang", NULL};
	struct params p = {0};
	struct export export;
	json_t *errors;
	struct stats_ctx *s;

	if (!req_check_query(r, allowed))
		return;
	errors = json_array();
	check_time(r, "since", errors);
	check_time(r, "until", errors);
	export_check_query(r, errors);
	if (answer_bad_queries(r, errors, "A query parameter has a bad value."))
		return;
	if (!export_choose(r, &export, "Statistics are available"))
		return;
	s = xcalloc(1, sizeof(*s));
	s->report = rep;
	s->export = export;
	r->ctx = s;
	r->ctx_free = free;
	period_params(r, &p);
	req_run(r, rep->lookup, &p, on_lookup);
}

static void get_flows(struct req *r)
{
	stats_start(r, &flows);
}

static void get_funnel(struct req *r)
{
	stats_start(r, &funnel);
}

static void get_agreements(struct req *r)
{
	stats_start(r, &agreements);
}

static const struct route routes[] = {
        {"GET", "/v1/networks/{id}/stats/flows", get_flows, ROUTE_READ_REPLICA,
         ROLE_ADMIN | ROLE_COORDINATOR, "stats:read"},
        {"GET", "/v1/chains/{id}/stats/funnel", get_funnel, ROUTE_READ_REPLICA,
         ROLE_ADMIN | ROLE_COORDINATOR, "stats:read"},
        {"GET", "/v1/networks/{id}/stats/agreements", get_agreements, ROUTE_READ_REPLICA,
         ROLE_ADMIN | ROLE_COORDINATOR, "stats:read"},
};

API_MODULE(stats_api, "stats", routes, stats_sql);
