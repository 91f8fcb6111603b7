/*
 * GET /v1/events: the caller's node's events as Server-Sent Events (sse.c keeps the
 * streams). Resume with Last-Event-ID (or ?after=, for clients that cannot set headers);
 * EventSource cannot send Authorization either, so this route also takes ?access_token=.
 */
#include <stdio.h>
#include <string.h>
#include <event2/http.h>

#include "api.h"
#include "events_sql.h"
#include "http.h"
#include "sse.h"

static void on_start(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK || PQntuples(res->pg) != 1) {
		http_db_failed(r, res);
		return;
	}
	sse_open(r, PQgetvalue(res->pg, 0, 0), PQgetvalue(res->pg, 0, 1));
}

static bool is_event_id(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n >= 1 && n <= 18 && !s[n];
}

static void open_events(struct req *r)
{
	static const char *const allowed[] = {"after", "access_token", NULL};
	const char *last =
	        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "Last-Event-ID");
	const char *after = req_query(r, "after");
	struct params p = {0};

	if (!req_check_query(r, allowed))
		return;
	if (!last)
		last = after;
	if (last && !is_event_id(last)) {
		http_problem(
		        r, 400, "bad-last-event-id", "Malformed event id",
		        "Last-Event-ID (or after) must be the id of an event, a whole number.");
		return;
	}
	params_text(&p, "last_event_id", last);
	req_run(r, &sql_events_start, &p, on_start);
}

static const struct route routes[] = {
        {"GET", "/v1/events", open_events, ROUTE_RAW | ROUTE_QUERY_TOKEN, ROLE_CASEWORKER,
         "events:read"},
};

API_MODULE(events_api, "events", routes, events_sql);
