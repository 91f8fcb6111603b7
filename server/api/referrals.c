/*
 * Referrals and their handover state machine (docs/architecture.md): create, inbox and outbox,
 * detail, transitions, timeline, handovers, and the coordinators' overdue list.
 *
 * A node sees a referral only as its sender or receiver; anything else is 404. The table of
 * allowed moves lives in lib/referral.c: the server checks a move with referral_check() and
 * hands the allowed source statuses to the database, whose UPDATE also names the version the
 * client read, so racing moves cannot both win.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "auth.h"
#include "crypto.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "referral.h"
#include "validate.h"

#include <event2/http.h>

/*
 * A list of referrals visible to the actor's node $2 (box condition on alias p), filters
 * $5.. and the cursor. The page's ids are chosen first and only its rows are turned into
 * JSON: building JSON before the sort would build it for every open referral of a busy node.
 * The read is audited in the same statement: one row naming the referrals shown (not the
 * page's look-ahead row) and their cases, when there are any (docs/architecture.md, "Reads
 * of social data").
 */
/* clang-format off */
#define REFERRAL_LIST(box, box_name)                                                               \
	"WITH page AS (SELECT p.id, p.case_id, p.created_at FROM referral p"                       \
	"        WHERE " box " AND ($5::text[] IS NULL OR p.status = ANY ($5::text[]))"            \
	"          AND ($6::boolean IS NULL OR referral_is_overdue(p) = $6::boolean)"              \
	"          AND ($7::uuid IS NULL OR p.case_id = $7::uuid)"                                 \
	"          AND ($8::text IS NULL OR (p.created_at, p.id) < ($8::timestamptz, $9::uuid))"   \
	"        ORDER BY p.created_at DESC, p.id DESC LIMIT $10::int),"                           \
	" shown AS (SELECT * FROM page ORDER BY created_at DESC, id DESC LIMIT $10::int - 1),"     \
	" au AS (" AUDIT_INSERT("referral.list", "referral", "NULL::uuid",                         \
	                        "jsonb_build_object('box', '" box_name "', 'case_id', $7::uuid,"   \
	                        " 'ids', jsonb_agg(id ORDER BY created_at DESC, id DESC),"         \
	                        " 'case_ids', jsonb_agg(DISTINCT case_id))")                       \
	" FROM shown HAVING count(*) > 0)"                                                         \
	"SELECT referral_json(x, $2::uuid)::text, x.created_at::text, x.id::text"                  \
	" FROM page JOIN referral x USING (id) ORDER BY x.created_at DESC, x.id DESC"
/* clang-format on */

#define VISIBLE(alias, node) node "::uuid IN (" alias ".from_node_id, " alias ".to_node_id)"

/* clang-format off */
static const struct db_stmt stmts[] = {
        {"referral_create",
         /* Always 201, a replay too: the answer, its version and its Location. */
         "SELECT body, (body::json->>'version')::int, '/v1/referrals/' || (body::json->>'id')"
         " FROM referral_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"},
        {"referral_inbox", REFERRAL_LIST("p.to_node_id = $2::uuid", "inbox")},
        {"referral_outbox", REFERRAL_LIST("p.from_node_id = $2::uuid", "outbox")},
        {"referral_both", REFERRAL_LIST(VISIBLE("p", "$2"), "both")},
        /* actor, $5 referral: the detail, with an audit row for the read */
        {"referral_get",
         "WITH au AS (" AUDIT_INSERT("referral.read", "referral",
                                     "x.id", "NULL") " FROM referral x WHERE x.id = $5 "
                                                     "AND " VISIBLE("x",
                                                                    "$2") ")"
                                                                          "SELECT referral_json(x, "
                                                                          "$2::uuid)::text, "
                                                                          "x.version FROM referral "
                                                                          "x"
                                                                          " WHERE x.id = $5 "
                                                                          "AND " VISIBLE("x",
                                                                                         "$2")},
        /* $1 node, $2 referral: what a transition needs to know first */
        {"referral_state",
         "SELECT status, version, from_node_id = $1::uuid, to_node_id = $1::uuid FROM referral"
         " WHERE id = $2 AND " VISIBLE("referral", "$1")},
        {"referral_transition",
         "SELECT outcome, current_status, current_version, body FROM referral_transition($1, $2,"
         " $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"},
        /* actor, $5 referral, $6 $7 cursor: the timeline, with an audit row for the read */
        {"referral_events",
         "WITH x AS (SELECT * FROM referral WHERE id = $5 AND " VISIBLE(
                 "referral", "$2") "),"
                                   " au AS (" AUDIT_INSERT(
                                           "referral.events_read", "referral", "x.id",
                                           "NULL") " FROM x)"
                                                   "SELECT referral_event_json(e, $2::uuid)::text, "
                                                   "e.id::text FROM referral_event e"
                                                   " WHERE e.referral_id IN (SELECT id FROM x) AND "
                                                   "($6::bigint IS NULL OR e.id > $6::bigint)"
                                                   " ORDER BY e.id LIMIT $7::int"},
        {"referral_visible", "SELECT 1 FROM referral WHERE id = $2 AND " VISIBLE("referral", "$1")},
        {"referral_handover",
         "SELECT outcome, body FROM referral_handover($1, $2, $3, $4, $5, $6, $7, $8, $9)"},
        /*
         * $1 network, $2 $3 cursor (deadline_at, id), $4 limit + 1: metadata only, no case, no
         * text. Which deadline each missed (schema/0073_overdue.sql), longest overdue first.
         */
        {"referral_overdue",
         "SELECT json_build_object('id', x.id, 'network_id', x.network_id,"
         "  'from_node_id', x.from_node_id, 'to_node_id', x.to_node_id, 'kind', x.kind,"
         "  'chain_step_key', x.chain_step_key, 'status', x.status, 'priority', x.priority,"
         "  'due_at', x.due_at, 'expected_on', x.expected_on, 'created_at', x.created_at,"
         "  'deadline', m.deadline, 'deadline_at', m.due_at,"
         "  'days_overdue', greatest(0, floor(extract(epoch FROM now() - m.due_at) / 86400))::int"
         " )::text, m.due_at::text, x.id::text"
         " FROM referral x CROSS JOIN LATERAL referral_missed_deadline(x) m"
         " WHERE x.network_id = $1 AND x.status IN ('sent', 'received', 'waitlisted', 'accepted')"
         "   AND m.deadline IS NOT NULL"
         "   AND ($2::text IS NULL OR (m.due_at, x.id) > ($2::timestamptz, $3::uuid))"
         " ORDER BY m.due_at, x.id LIMIT $4::int"},
        {"referral_network_exists", "SELECT 1 FROM network WHERE id = $1"},
};
/* clang-format on */

static const char *const kinds[] = {"service", "transfer", NULL};
static const char *const priorities[] = {"normal", "urgent", NULL};
static const char *const statuses[] = {"sent",      "received",    "waitlisted", "accepted",
                                       "declined",  "in_progress", "completed",  "dropped_out",
                                       "withdrawn", NULL};
static const char *const channels[] = {"in_person", "phone", "video", "letter", "portal", NULL};

static const struct json_field create_fields[] = {
        {"case_id", JF_UUID, JF_REQUIRED},
        {"to_node_id", JF_UUID, JF_REQUIRED},
        {"kind", JF_ENUM, 0, 0, 0, kinds},
        {"chain_step_key", JF_KEY, JF_NULLABLE},
        {"service_id", JF_UUID, JF_NULLABLE},
        {"reason", JF_STRING, JF_NULLABLE, 1, 200},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
        {"priority", JF_ENUM, 0, 0, 0, priorities},
        {"redirected_from", JF_UUID, JF_NULLABLE},
};

static const struct json_field transition_fields[] = {
        {"to", JF_ENUM, JF_REQUIRED, 0, 0, statuses},
        {"reason", JF_STRING, JF_NULLABLE, 1, 64},
        {"outcome", JF_STRING, JF_NULLABLE, 1, 64},
        {"appointment_at", JF_TIMESTAMP, JF_NULLABLE},
        {"expected_on", JF_DATE, JF_NULLABLE},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
};

static const struct json_field handover_fields[] = {
        {"channel", JF_ENUM, JF_REQUIRED, 0, 0, channels},
        {"warm", JF_BOOLEAN, JF_REQUIRED},
        {"at", JF_TIMESTAMP, JF_NULLABLE},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
};

/* Create */

/* The Idempotency-Key header, or NULL; false after answering 400 for a bad one. */
static bool idempotency_key(struct req *r, const char **key)
{
	const char *k =
	        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "Idempotency-Key");
	size_t n = k ? strlen(k) : 0;

	*key = k;
	if (!k)
		return true;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			n = 0;
	if (n == 0 || n > 200) {
		http_problem(r, 400, "bad-idempotency-key", "Malformed Idempotency-Key",
		             "Idempotency-Key must be 1 to 200 visible ASCII characters.");
		return false;
	}
	return true;
}

static void create_referral(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	const char *key, *values[ACTOR_PARAMS + 11];
	char hash[CRYPTO_SHA256_HEX_LEN + 1];
	char *canonical;

	if (answer_invalid(r, errors))
		return;
	if (!idempotency_key(r, &key))
		return;
	/* The same body, however it is spaced or ordered, is the same request. */
	canonical = json_dumps(r->json, JSON_COMPACT | JSON_SORT_KEYS);
	crypto_sha256_hex(canonical, strlen(canonical), hash);
	free(canonical);

	req_actor(r, values);
	values[4] = key;
	values[5] = key ? hash : NULL;
	values[6] = json_get_string(r->json, "case_id");
	values[7] = json_get_string(r->json, "to_node_id");
	values[8] = json_get_string(r->json, "kind");
	values[9] = json_get_string(r->json, "chain_step_key");
	values[10] = json_get_string(r->json, "service_id");
	values[11] = json_get_string(r->json, "reason");
	values[12] = json_get_string(r->json, "note");
	values[13] = json_get_string(r->json, "priority");
	values[14] = json_get_string(r->json, "redirected_from");
	req_db(r, "referral_create", 15, values, answer_created);
}

/* Lists */

/* "sent,received" -> "{sent,received}", or NULL after answering 400. */
static char *status_filter(struct req *r, const char *text)
{
	char *copy = xstrdup(text), *save = NULL, *out = xmalloc(strlen(text) + 3);
	size_t used = 0;

	out[used++] = '{';
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		enum referral_status st;
		if (referral_status_parse(s, &st) < 0) {
			free(copy);
			free(out);
			answer_bad_query(r, "status", JSON_CODE_NOT_IN_LIST,
			                 "status must be statuses separated by commas, such as "
			                 "sent,received");
			return NULL;
		}
		used += (size_t)sprintf(out + used, "%s%s", used > 1 ? "," : "", s);
	}
	free(copy);
	if (used == 1) {
		free(out);
		answer_bad_query(r, "status", JSON_CODE_REQUIRED,
		                 "status must name at least one status");
		return NULL;
	}
	out[used++] = '}';
	out[used] = '\0';
	return out;
}

static void list_referrals(struct req *r)
{
	static const char *const allowed[] = {"box", "status", "overdue", "case_id", NULL};
	const char *box = req_query(r, "box"), *status = req_query(r, "status");
	const char *overdue = req_query(r, "overdue"), *case_id = req_query(r, "case_id");
	const char *stmt = "referral_both", *values[ACTOR_PARAMS + 6];
	struct page *p = answer_page_begin(r, 2, allowed);
	char *statuses_text = NULL;

	if (!p)
		return;
	if (box && !strcmp(box, "inbox")) {
		stmt = "referral_inbox";
	} else if (box && !strcmp(box, "outbox")) {
		stmt = "referral_outbox";
	} else if (box) {
		answer_bad_query(r, "box", JSON_CODE_NOT_IN_LIST, "box must be inbox or outbox");
		return;
	}
	if (overdue && strcmp(overdue, "true") && strcmp(overdue, "false")) {
		answer_bad_query(r, "overdue", JSON_CODE_WRONG_TYPE,
		                 "overdue must be true or false");
		return;
	}
	if (case_id && !validate_uuid(case_id)) {
		answer_bad_query(r, "case_id", JSON_CODE_UUID, "case_id must be a UUID");
		return;
	}
	if (status && !(statuses_text = status_filter(r, status)))
		return;
	req_actor(r, values);
	values[4] = statuses_text;
	values[5] = overdue;
	values[6] = case_id;
	values[7] = page_key(p, 0);
	values[8] = page_key(p, 1);
	values[9] = p->limit_text;
	req_db(r, stmt, (int)ARRAY_SIZE(values), values, answer_page);
	free(statuses_text);
}

/* Detail */

static void get_referral(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	req_db(r, "referral_get", 5, values, answer_row);
}

/* Transitions */

struct transition {
	long expected_version;
	enum referral_status to;
	unsigned side;
};

/* 409 naming the status the referral is in and where it may go from there for this side. */
static void conflict(struct req *r, enum referral_status from, unsigned side, const char *detail)
{
	enum referral_status next[REFERRAL_STATUS_COUNT];
	size_t n = referral_next(from, side, next);
	json_t *allowed = json_array(), *body;
	char type[64];

	for (size_t i = 0; i < n; i++)
		json_array_append_new(allowed, json_string(referral_status_name(next[i])));
	snprintf(type, sizeof(type), "/problems/illegal-transition");
	body = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:o}", "type", type, "title",
	                 "Transition not allowed", "status", 409, "detail", detail, "instance",
	                 r->path, "request_id", r->id, "current_status", referral_status_name(from),
	                 "allowed", allowed);
	/* Same shape as every problem, with the two extra members RFC 9457 allows. */
	char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	http_reply_raw(r, 409, "application/problem+json", text, strlen(text));
	free(text);
}

static void on_transitioned(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct transition *t = r->ctx;
	const char *outcome;
	enum referral_status current;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	outcome = PQgetvalue(res->pg, 0, 0);
	if (!strcmp(outcome, "ok")) {
		http_reply_json_text(r, 200, PQgetvalue(res->pg, 0, 3),
		                     strtol(PQgetvalue(res->pg, 0, 2), NULL, 10));
	} else if (!strcmp(outcome, "not_found")) {
		http_not_found(r);
	} else if (!strcmp(outcome, "stale")) {
		http_problem(r, 412, "stale", "Precondition failed",
		             "The referral changed meanwhile (now version %s, status %s); read it "
		             "again.",
		             PQgetvalue(res->pg, 0, 2), PQgetvalue(res->pg, 0, 1));
	} else {
		referral_status_parse(PQgetvalue(res->pg, 0, 1), &current);
		conflict(r, current, t->side, "The referral's status changed meanwhile.");
	}
}

static void on_state(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct transition *t = r->ctx;
	struct referral_input in = {
	        .reason = json_get_string(r->json, "reason"),
	        .outcome = json_get_string(r->json, "outcome"),
	        .expected_date = json_get_string(r->json, "expected_on"),
	        .appointment_at = json_get_string(r->json, "appointment_at"),
	};
	struct referral_verdict verdict;
	enum referral_status from, sources[REFERRAL_STATUS_COUNT];
	char version[24], sources_text[160];
	const char *values[ACTOR_PARAMS + 9];
	size_t nsources, used = 0;
	int rc;

	if (!answer_found(r, res))
		return;
	referral_status_parse(PQgetvalue(res->pg, 0, 0), &from);
	t->side = (!strcmp(PQgetvalue(res->pg, 0, 2), "t") ? REFERRAL_SIDE_SENDER : 0) |
	          (!strcmp(PQgetvalue(res->pg, 0, 3), "t") ? REFERRAL_SIDE_RECEIVER : 0);
	if (strtol(PQgetvalue(res->pg, 0, 1), NULL, 10) != t->expected_version) {
		http_problem(r, 412, "stale", "Precondition failed",
		             "The referral is at version %s, not %ld; read it again.",
		             PQgetvalue(res->pg, 0, 1), t->expected_version);
		return;
	}
	rc = referral_check(from, t->to, t->side, &in, &verdict);
	if (rc == -EINVAL) {
		conflict(r, from, t->side, verdict.detail);
		return;
	}
	if (rc == -EPERM) {
		http_forbidden(r, verdict.detail);
		return;
	}
	if (rc == -EBADMSG) {
		json_t *errors = json_array();
		for (size_t i = 0; i < verdict.n_fields; i++)
			json_add_error(errors, verdict.fields[i].field, verdict.fields[i].code,
			               verdict.fields[i].message);
		http_invalid(r, errors);
		return;
	}
	nsources = referral_sources(t->to, t->side, sources);
	sources_text[used++] = '{';
	for (size_t i = 0; i < nsources; i++)
		used += (size_t)snprintf(sources_text + used, sizeof(sources_text) - used, "%s%s",
		                         i ? "," : "", referral_status_name(sources[i]));
	snprintf(sources_text + used, sizeof(sources_text) - used, "}");
	snprintf(version, sizeof(version), "%ld", t->expected_version);

	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = version;
	values[6] = referral_status_name(t->to);
	values[7] = sources_text;
	values[8] = in.reason;
	values[9] = in.outcome;
	values[10] = in.appointment_at;
	values[11] = in.expected_date;
	values[12] = json_get_string(r->json, "note");
	req_db(r, "referral_transition", 13, values, on_transitioned);
}

static void transition(struct req *r)
{
	json_t *errors = answer_check_body(r, transition_fields, ARRAY_SIZE(transition_fields));
	struct transition *t;
	const char *values[2];
	long version;
	int if_match;

	if (answer_invalid(r, errors))
		return;
	if_match = req_if_match(r, &version);
	if (if_match < 0)
		return;
	if (if_match == 0) {
		http_problem(r, 428, "if-match-required", "Precondition required",
		             "A transition needs If-Match with the version you read (its ETag).");
		return;
	}
	t = xcalloc(1, sizeof(*t));
	t->expected_version = version;
	referral_status_parse(json_get_string(r->json, "to"), &t->to);
	r->ctx = t;
	r->ctx_free = free;
	values[0] = r->auth.node_id;
	values[1] = req_param(r, "id");
	req_db(r, "referral_state", 2, values, on_state);
}

/* Timeline and handovers */

static void on_events(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	/* Every visible referral has its "created" event: nothing at all means not visible. */
	if (res->status == DB_OK && PQntuples(res->pg) == 0 && !page_key(r->ctx, 0)) {
		http_not_found(r);
		return;
	}
	answer_page(r, res);
}

static void list_events(struct req *r)
{
	struct page *p = answer_page_begin(r, 1, NULL);
	const char *values[ACTOR_PARAMS + 3];

	if (!p)
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = page_key(p, 0);
	values[6] = p->limit_text;
	req_db(r, "referral_events", 7, values, on_events);
}

static void on_handover(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	const char *outcome;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	outcome = PQgetvalue(res->pg, 0, 0);
	if (!strcmp(outcome, "ok"))
		http_reply_json_text(r, 201, PQgetvalue(res->pg, 0, 1), 0);
	else if (!strcmp(outcome, "not_found"))
		http_not_found(r);
	else if (!strcmp(outcome, "not_sender"))
		http_forbidden(r, "Only the sender logs the handover of a referral.");
	else
		http_problem(r, 409, "referral-closed", "Conflict",
		             "The referral is %s; there is no handover to log.",
		             PQgetvalue(res->pg, 0, 1));
}

static void log_handover(struct req *r)
{
	json_t *errors = answer_check_body(r, handover_fields, ARRAY_SIZE(handover_fields));
	const char *values[ACTOR_PARAMS + 5];

	if (answer_invalid(r, errors))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = json_get_string(r->json, "channel");
	values[6] = json_is_true(json_object_get(r->json, "warm")) ? "true" : "false";
	values[7] = json_get_string(r->json, "at");
	values[8] = json_get_string(r->json, "note");
	req_db(r, "referral_handover", 9, values, on_handover);
}

/* The coordinators' view of where referrals stall */

static void on_network(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct page *p = r->ctx;
	const char *values[4];

	if (!answer_found(r, res))
		return;
	values[0] = req_param(r, "id");
	values[1] = page_key(p, 0);
	values[2] = page_key(p, 1);
	values[3] = p->limit_text;
	req_db(r, "referral_overdue", 4, values, answer_page);
}

static void list_overdue(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	if (!answer_page_begin(r, 2, NULL))
		return;
	if (!auth_coordinates(r, values[0])) {
		http_forbidden(r, "Only the network's coordinators see its overdue referrals.");
		return;
	}
	req_db(r, "referral_network_exists", 1, values, on_network);
}

static const struct route routes[] = {
        {"POST", "/v1/referrals", create_referral, ROUTE_BODY, ROLE_CASEWORKER, "referrals:write"},
        {"GET", "/v1/referrals", list_referrals, 0, ROLE_CASEWORKER, "referrals:read"},
        {"GET", "/v1/referrals/{id}", get_referral, 0, ROLE_CASEWORKER, "referrals:read"},
        {"POST", "/v1/referrals/{id}/transitions", transition, ROUTE_BODY, ROLE_CASEWORKER,
         "referrals:write"},
        {"GET", "/v1/referrals/{id}/events", list_events, 0, ROLE_CASEWORKER, "referrals:read"},
        {"POST", "/v1/referrals/{id}/handovers", log_handover, ROUTE_BODY, ROLE_CASEWORKER,
         "referrals:write"},
        {"GET", "/v1/networks/{id}/overdue", list_overdue, 0, ROLE_ADMIN | ROLE_COORDINATOR,
         "stats:read"},
};

API_MODULE(referrals_api, "referrals", routes, stmts);
