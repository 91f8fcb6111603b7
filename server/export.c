/*
 * The form of a statistics export (server/export.h): content negotiation and the CSV reply.
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "csv.h"
#include "json.h"
#include "util.h"
#include "validate.h"

/* Content negotiation */

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

enum export_format export_negotiate(const char *accept)
{
	struct accept_match json = {0, -1}, csv = {0, -1};
	const char *p = accept;

	if (!accept || !*accept)
		return EXPORT_JSON;
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
		return EXPORT_NONE;
	if (csv.q != json.q)
		return csv.q > json.q ? EXPORT_CSV : EXPORT_JSON;
	return csv.specificity > json.specificity ? EXPORT_CSV : EXPORT_JSON;
}

void export_check_query(const struct req *r, json_t *errors)
{
	static const char *const formats[] = {"json", "csv", "excel", NULL};
	static const char *const langs[] = {"en", "de", NULL};
	const char *format = req_query(r, "format"), *lang = req_query(r, "lang");

	if (format && !validate_enum(format, formats))
		json_add_error(errors, "format", JSON_CODE_NOT_IN_LIST,
		               "must be json, csv or excel");
	if (lang && !validate_enum(lang, langs))
		json_add_error(errors, "lang", JSON_CODE_NOT_IN_LIST, "must be en or de");
}

bool export_choose(struct req *r, struct export *e, const char *what)
{
	const char *format = req_query(r, "format"), *lang = req_query(r, "lang");

	if (format)
		e->format = !strcmp(format, "excel") ? EXPORT_EXCEL
		            : !strcmp(format, "csv") ? EXPORT_CSV
		                                     : EXPORT_JSON;
	else
		e->format = export_negotiate(
		        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "Accept"));
	e->de = lang && !strcmp(lang, "de");
	if (e->format != EXPORT_NONE)
		return true;
	http_problem(r, 406, "not-acceptable", "Not acceptable",
	             "%s as application/json or text/csv.", what);
	return false;
}

static void reply_csv(struct req *r, const struct export *e, const char *name, const char *today,
                      void (*write)(struct csv *c, const json_t *body), const json_t *body)
{
	bool excel = e->format == EXPORT_EXCEL;
	struct csv c = {evbuffer_new(), excel ? ';' : ',', excel ? ',' : '.', e->de};
	char *disposition;

	if (excel)
		evbuffer_add(c.out, "\xEF\xBB\xBF", 3);
	write(&c, body);
	disposition = xasprintf("attachment; filename=\"%s-%s%s.csv\"", name, today,
	                        excel ? "-excel" : "");
	http_header(r, "Content-Disposition", disposition);
	free(disposition);
	http_reply_raw(r, 200, "text/csv; charset=utf-8", evbuffer_pullup(c.out, -1),
	               evbuffer_get_length(c.out));
	evbuffer_free(c.out);
}

void export_answer(struct req *r, const struct export *e, const char *text,
                   void (*prepare)(json_t *body), const char *name, const char *today,
                   void (*write)(struct csv *c, const json_t *body))
{
	json_t *body;
	char *out;

	http_header(r, "Vary", "Accept");
	if (e->format == EXPORT_JSON && !prepare) {
		http_reply_json_text(r, 200, text, 0);
		return;
	}
	body = text ? json_loads(text, 0, NULL) : NULL;
	if (!body) {
		http_problem(r, 500, "internal", "Internal error", "The report could not be read.");
		return;
	}
	if (prepare)
		prepare(body);
	if (e->format == EXPORT_JSON) {
		out = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
		http_reply_json_text(r, 200, out, 0);
		free(out);
	} else {
		reply_csv(r, e, name, today, write, body);
	}
	json_decref(body);
}
