/*
 * GET /v1/events: the caller's node's events as Server-Sent Events (sse.c keeps the
 * streams). Resume with Last-Event-ID (or ?after=, for clients that cannot set headers);
 * EventSource cannot send Authorization either, so this route also takes ?access_token=.
 */
#include <stdio.h>
#include <string.h>
#include <event2/http.h>

#include "api.h"
#include "http.h"
#include "sse.h"

/* The JSON of one outbox row, as SSE data and as a webhook body. */
/* clang-format off */
#define EVENT_JSON(o)                                                                              \
	"json_build_object('id', " o ".seq, 'type', " o ".type, 'created_at', " o                  \
	".at, 'data', " o ".payload)::text"
/* clang-format on */

/* clang-format off */
static const struct db_stmt stmts[] = {
	/*
	 * $1 the Last-Event-ID (a seq) or NULL: the position (txid, seq) to start after. An
	 * unknown id, or none, starts at the newest row no running transaction can precede.
	 */
	{"events_start",
	 "SELECT p.txid::text, p.seq::text FROM ("
	 "  (SELECT o.txid, o.seq, 0 AS k FROM outbox o WHERE o.seq = $1::bigint)"
	 "  UNION ALL"
	 "  (SELECT o.txid, o.seq, 1 FROM outbox o"
	 "    WHERE o.txid < pg_snapshot_xmin(pg_current_snapshot())"
	 "    ORDER BY o.txid DESC, o.seq DESC LIMIT 1)"
	 "  UNION ALL SELECT '0'::xid8, 0, 2) p"
	 " ORDER BY p.k LIMIT 1"},
	/*
	 * $1 $2 the position to read after, $3 a node or NULL for all, $4 how many rows. Only rows
	 * of transactions older than every running one (nothing can appear before them any
	 * more), then one trailer row (txid NULL) saying whether newer rows are held back.
	 */
	{SSE_FETCH_STMT,
	 "SELECT q.k, q.txid, q.seq, q.type, q.node_ids, q.body, q.owner, q.owner_body FROM ("
	 "  (SELECT 0 AS k, o.txid, o.seq, o.type, o.node_ids::text, " EVENT_JSON("o") " AS body,"
	 "          o.recipients->>'node_id' AS owner,"
	 "          outbox_event_json(o, (o.recipients->>'node_id')::uuid) AS owner_body"
	 "     FROM outbox o"
	 "    WHERE (o.txid, o.seq) > ($1::xid8, $2::bigint)"
	 "      AND o.txid < pg_snapshot_xmin(pg_current_snapshot())"
	 "      AND ($3::uuid IS NULL OR o.node_ids @> ARRAY[$3::uuid])"
	 "    ORDER BY o.txid, o.seq LIMIT $4::int)"
	 "  UNION ALL"
	 "  SELECT 1, NULL::xid8, NULL::bigint, NULL, NULL,"
	 "         EXISTS (SELECT 1 FROM outbox x"
	 "                  WHERE x.txid >= pg_snapshot_xmin(pg_current_snapshot()))::text,"
	 "         NULL, NULL) q"
	 " ORDER BY q.k, q.txid, q.seq"},
	{SSE_TOKENS_STMT,
	 "SELECT t.id::text FROM api_token t JOIN account a ON a.id = t.account_id"
	 " WHERE t.id = ANY ($1::uuid[]) AND t.revoked_at IS NULL AND t.expires_at > now()"
	 "   AND NOT a.disabled"},
};
/* clang-format on */

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
	const char *values[1];

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
	values[0] = last;
	req_db(r, "events_start", 1, values, on_start);
}

static const struct route routes[] = {
        {"GET", "/v1/events", open_events, ROUTE_RAW | ROUTE_QUERY_TOKEN, ROLE_CASEWORKER,
         "events:read"},
};

API_MODULE(events_api, "events", routes, stmts);
