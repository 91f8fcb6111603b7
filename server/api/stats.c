/*
 * Network statistics for coordinators (docs/user-guide/statistics.md): referral flows between nodes
 * and node kinds, the funnel of a chain's steps, and how well members keep their agreed response
 * time. Aggregated only: no case, no reference, no note. The figures are computed in SQL
 * (schema/0030_stats.sql, defined in docs/user-guide/statistics.md) over live and archived
 * referrals.
 *
 * Each report answers JSON with exact counts (only admins and the network's coordinators get
 * it, and they may see the referrals' metadata anyway), or with Accept: text/csv an export
 * for evaluations in which every count from 1 to 4 is written "<5" and every rate or median
 * computed from such a count is left empty (docs/architecture.md, "Access rules").
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
#include "http.h"
#include "json.h"
#include "validate.h"

/* Today in Germany, for the export's file name. */
#define STATS_TODAY "to_char(now() AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD')"

static const struct db_stmt stmts[] = {
        /* $1 network, $2 since, $3 until: the network (NULL when unknown), since > until */
        {"stats_network", "SELECT (SELECT n.id::text FROM network n WHERE n.id = $1),"
                          " stats_time($2) > stats_time($3)"},
        /* $1 chain, $2 since, $3 until: the chain's network (NULL when unknown), since > until */
        {"stats_chain", "SELECT (SELECT c.network_id::text FROM chain c WHERE c.id = $1),"
                        " stats_time($2) > stats_time($3)"},
        /* $1 network or chain, $2 since, $3 until: the report and today's date */
        {"stats_flows",
         "SELECT stats_flows($1, stats_time($2), stats_time($3))::text, " STATS_TODAY},
        {"stats_funnel",
         "SELECT stats_funnel($1, stats_time($2), stats_time($3))::text, " STATS_TODAY},
        {"stats_agreements",
         "SELECT stats_agreements($1, stats_time($2), stats_time($3))::text, " STATS_TODAY},
};

/* CSV export */

/* How a report field becomes a CSV cell. */
enum col_kind {
	COL_TEXT,    /* a string (or null: empty) */
	COL_NUMBER,  /* a setting such as agreed days: written as it is */
	COL_COUNT,   /* a count of referrals: 1..4 becomes "<5" */
	COL_DECIMAL, /* a rate or median: empty when one of the counts in from is suppressed */
};

struct csv_col {
	const char *key; /* the JSON field, also the header */
	enum col_kind kind;
	int places;          /* COL_DECIMAL: digits after the point */
	const char *from[2]; /* COL_DECIMAL: the counts it is computed from */
};

/* A count that the export must not show: 1..4 referrals could point at a person. */
static bool count_suppressed(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 5;
}

/*
 * One RFC 4180 field: quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (starting with = + - @ tab or CR) gets a leading
 * apostrophe, so that a node name can never become a formula in the coordinator's Excel.
 */
static void csv_text(struct evbuffer *out, const char *s)
{
	bool formula = s[0] && strchr("=+-@\t\r", s[0]);
	bool quote = formula || strpbrk(s, ",\"\r\n");

	if (!quote) {
		evbuffer_add(out, s, strlen(s));
		return;
	}
	evbuffer_add(out, "\"", 1);
	if (formula)
		evbuffer_add(out, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			evbuffer_add(out, "\"", 1);
		evbuffer_add(out, p, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static void csv_cell(struct evbuffer *out, const json_t *row, const struct csv_col *c)
{
	const json_t *v = json_object_get(row, c->key);

	switch (c->kind) {
	case COL_TEXT:
		if (json_is_string(v))
			csv_text(out, json_string_value(v));
		break;
	case COL_NUMBER:
		if (json_is_number(v))
			evbuffer_add_printf(out, "%.0f", json_number_value(v));
		break;
	case COL_COUNT:
		if (count_suppressed(v))
			evbuffer_add(out, "<5", 2);
		else if (json_is_integer(v))
			evbuffer_add_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case COL_DECIMAL:
		for (size_t i = 0; i < ARRAY_SIZE(c->from) && c->from[i]; i++)
			if (count_suppressed(json_object_get(row, c->from[i])))
				return;
		if (json_is_number(v))
			evbuffer_add_printf(out, "%.*f", c->places, json_number_value(v));
		break;
	}
}

/* The header row: lead (a column the caller fills per row, or NULL) then the columns. */
static void csv_header(struct evbuffer *out, const char *lead, const struct csv_col *cols, size_t n)
{
	if (lead)
		evbuffer_add_printf(out, "%s,", lead);
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(out, "%s%s", i ? "," : "", cols[i].key);
	evbuffer_add(out, "\r\n", 2);
}

/* One line per item of the array body[key], each starting with lead when not NULL. */
static void csv_rows(struct evbuffer *out, const json_t *body, const char *key, const char *lead,
                     const struct csv_col *cols, size_t n)
{
	const json_t *row;
	size_t i;

	json_array_foreach(json_object_get(body, key), i, row) {
		if (lead)
			evbuffer_add_printf(out, "%s,", lead);
		for (size_t c = 0; c < n; c++) {
			if (c)
				evbuffer_add(out, ",", 1);
			csv_cell(out, row, &cols[c]);
		}
		evbuffer_add(out, "\r\n", 2);
	}
}

/* Flows: the node pairs, then the kind pairs (level says which; node columns empty). */
static void flows_csv(struct evbuffer *out, const json_t *body)
{
	static const struct csv_col cols[] = {
	        {"from_node_id", COL_TEXT},
	        {"from_name", COL_TEXT},
	        {"from_kind", COL_TEXT},
	        {"to_node_id", COL_TEXT},
	        {"to_name", COL_TEXT},
	        {"to_kind", COL_TEXT},
	        {"referred", COL_COUNT},
	        {"accepted", COL_COUNT},
	        {"declined", COL_COUNT},
	        {"acceptance_rate", COL_DECIMAL, 4, {"accepted", "declined"}},
	        {"median_days_to_accept", COL_DECIMAL, 2, {"accepted"}},
	};

	csv_header(out, "level", cols, ARRAY_SIZE(cols));
	csv_rows(out, body, "nodes", "node", cols, ARRAY_SIZE(cols));
	csv_rows(out, body, "kinds", "kind", cols, ARRAY_SIZE(cols));
}

static void funnel_csv(struct evbuffer *out, const json_t *body)
{
	static const struct csv_col cols[] = {
	        {"key", COL_TEXT},
	        {"name", COL_TEXT},
	        {"referred", COL_COUNT},
	        {"accepted", COL_COUNT},
	        {"started", COL_COUNT},
	        {"completed", COL_COUNT},
	        {"declined", COL_COUNT},
	        {"dropped_out", COL_COUNT},
	        {"median_days_to_accept", COL_DECIMAL, 2, {"accepted"}},
	        {"median_days_to_start", COL_DECIMAL, 2, {"started"}},
	        {"overdue_now", COL_COUNT},
	};

	csv_header(out, NULL, cols, ARRAY_SIZE(cols));
	csv_rows(out, body, "steps", NULL, cols, ARRAY_SIZE(cols));
}

static void agreements_csv(struct evbuffer *out, const json_t *body)
{
	static const struct csv_col cols[] = {
	        {"node_id", COL_TEXT},
	        {"name", COL_TEXT},
	        {"days_to_accept", COL_NUMBER},
	        {"referrals", COL_COUNT},
	        {"answered_in_time", COL_COUNT},
	        {"share_in_time", COL_DECIMAL, 4, {"referrals", "answered_in_time"}},
	};

	csv_header(out, NULL, cols, ARRAY_SIZE(cols));
	csv_rows(out, body, "members", NULL, cols, ARRAY_SIZE(cols));
}

/* Content negotiation */

enum stats_format { FORMAT_NONE, FORMAT_JSON, FORMAT_CSV };

/* How well one Accept media range matches a type: its q and how specific it is. */
struct accept_match {
	double q;
	int specificity; /* -1: no range matched yet; 0 * / *, 1 type/ *, 2 type/subtype */
};

/* The q parameter of a media range's parameters (";q=0.5"); 1 when absent or unreadable. */
static double accept_q(const char *params)
{
	const char *p = params;

	while (p && (p = strchr(p, ';'))) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			char *end;
			double q = strtod(p + 2, &end);
			return end == p + 2 || !(q >= 0 && q <= 1) ? 1 : q;
		}
	}
	return 1;
}

/* Let range (type/subtype, without parameters) count for want (e.g. "text/csv") if it matches. */
static void accept_consider(struct accept_match *m, const char *range, size_t len, double q,
                            const char *want)
{
	const char *slash = strchr(want, '/');
	size_t type_len = (size_t)(slash - want);
	int spec;

	if (len == 3 && !strncmp(range, "*/*", 3))
		spec = 0;
	else if (len == type_len + 2 && !strncasecmp(range, want, type_len + 1) &&
	         range[type_len + 1] == '*')
		spec = 1;
	else if (len == strlen(want) && !strncasecmp(range, want, len))
		spec = 2;
	else
		return;
	/* The most specific range decides (RFC 9110 §12.5.1). */
	if (spec > m->specificity) {
		m->specificity = spec;
		m->q = q;
	}
}

/* JSON or CSV from an Accept header: the higher q wins; on a tie the one named more precisely,
 * then JSON. No header means JSON. */
static enum stats_format negotiate(const char *accept)
{
	struct accept_match json = {0, -1}, csv = {0, -1};
	const char *p = accept;

	if (!accept || !*accept)
		return FORMAT_JSON;
	while (*p) {
		size_t item_len = strcspn(p, ","), len;
		char *item = xstrndup(p, item_len), *range = item;
		double q;

		while (*range == ' ' || *range == '\t')
			range++;
		len = strcspn(range, "; \t");
		q = accept_q(range + len);
		accept_consider(&json, range, len, q, "application/json");
		accept_consider(&csv, range, len, q, "text/csv");
		free(item);
		p += item_len;
		if (*p == ',')
			p++;
	}
	if (json.q <= 0 && csv.q <= 0)
		return FORMAT_NONE;
	if (csv.q != json.q)
		return csv.q > json.q ? FORMAT_CSV : FORMAT_JSON;
	return csv.specificity > json.specificity ? FORMAT_CSV : FORMAT_JSON;
}

/* Requests */

struct report {
	const char *name;   /* "flows": the export's file name starts with it */
	const char *lookup; /* statement giving the network and whether since > until */
	const char *stmt;   /* statement giving the report and today's date */
	bool by_chain;      /* the path names a chain: another network's coordinator gets 404 */
	void (*write_csv)(struct evbuffer *out, const json_t *body);
};

static const struct report flows = {"flows", "stats_network", "stats_flows", false, flows_csv};
static const struct report funnel = {"funnel", "stats_chain", "stats_funnel", true, funnel_csv};
static const struct report agreements = {"agreements", "stats_network", "stats_agreements", false,
                                         agreements_csv};

struct stats_ctx {
	const struct report *report;
	enum stats_format format;
};

static void reply_csv(struct req *r, const struct report *rep, const char *json_text,
                      const char *today)
{
	json_t *body = json_loads(json_text, 0, NULL);
	struct evbuffer *out;
	char *disposition;

	if (!body) {
		http_problem(r, 500, "internal", "Internal error", "The report could not be read.");
		return;
	}
	out = evbuffer_new();
	rep->write_csv(out, body);
	json_decref(body);
	disposition = xasprintf("attachment; filename=\"%s-%s-%s.csv\"", rep->name,
	                        req_param(r, "id"), today);
	http_header(r, "Content-Disposition", disposition);
	free(disposition);
	http_reply_raw(r, 200, "text/csv; charset=utf-8", evbuffer_pullup(out, -1),
	               evbuffer_get_length(out));
	evbuffer_free(out);
}

static void on_report(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct stats_ctx *s = r->ctx;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	http_header(r, "Vary", "Accept");
	if (s->format == FORMAT_CSV)
		reply_csv(r, s->report, PQgetvalue(res->pg, 0, 0), PQgetvalue(res->pg, 0, 1));
	else
		http_reply_json_text(r, 200, PQgetvalue(res->pg, 0, 0), 0);
}

/* The network is known: check the period, then who asks, then run the report. */
static void on_lookup(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct stats_ctx *s = r->ctx;
	const char *values[3] = {req_param(r, "id"), req_query(r, "since"), req_query(r, "until")};
	const char *network;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (!strcmp(PQgetvalue(res->pg, 0, 1), "t")) {
		json_t *errors = json_array();
		json_add_error(errors, "since", "is after until");
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
	req_db(r, s->report->stmt, 3, values, on_report);
}

/* A since or until value: a date or an RFC 3339 date-time; adds an error otherwise. */
static void check_time(struct req *r, const char *name, json_t *errors)
{
	const char *v = req_query(r, name);

	if (v && !validate_date(v) && !validate_timestamp(v))
		json_add_error(errors, name,
		               "must be a date (YYYY-MM-DD) or an RFC 3339 date-time with a zone");
}

static void stats_start(struct req *r, const struct report *rep)
{
	static const char *const allowed[] = {"since", "until", NULL};
	const char *values[3] = {req_param(r, "id"), req_query(r, "since"), req_query(r, "until")};
	json_t *errors;
	struct stats_ctx *s;
	enum stats_format format;

	if (!req_check_query(r, allowed))
		return;
	errors = json_array();
	check_time(r, "since", errors);
	check_time(r, "until", errors);
	if (answer_bad_queries(r, errors, "since and until take a date or an RFC 3339 date-time."))
		return;
	format =
	        negotiate(evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "Accept"));
	if (format == FORMAT_NONE) {
		http_problem(r, 406, "not-acceptable", "Not acceptable",
		             "Statistics are available as application/json or text/csv.");
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->report = rep;
	s->format = format;
	r->ctx = s;
	r->ctx_free = free;
	req_db(r, rep->lookup, 3, values, on_lookup);
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

API_MODULE(stats_api, "stats", routes, stmts);
