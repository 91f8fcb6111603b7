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

#include "answer.h"
#include "api.h"
#include "auth.h"
#include "crypto.h"
#include "directory.h"
#include "http.h"
#include "idempotency.h"
#include "json.h"
#include "page.h"
#include "referral.h"
#include "referrals.h"
#include "referrals_sql.h"
#include "validate.h"

static const char *const kinds[] = {"service", "transfer", NULL};
static const char *const priorities[] = {"normal", "urgent", NULL};

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
        {"legal_basis", JF_KEY, JF_NULLABLE},
        {"funding_source_id", JF_UUID, JF_NULLABLE},
        {"double_funding_reason", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 500},
};

static const struct json_field transition_fields[] = {
        {"to", JF_ENUM, JF_REQUIRED, 0, 0, referral_status_names},
        {"reason", JF_STRING, JF_NULLABLE, 1, 64},
        {"outcome", JF_STRING, JF_NULLABLE, 1, 64},
        {"appointment_at", JF_TIMESTAMP, JF_NULLABLE},
        {"expected_on", JF_DATE, JF_NULLABLE},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
        {"responsible_account_id", JF_UUID, JF_NULLABLE},
};

static const struct json_field handover_fields[] = {
        {"channel", JF_ENUM, JF_REQUIRED, 0, 0, referral_channels},
        {"warm", JF_BOOLEAN, JF_REQUIRED},
        {"at", JF_TIMESTAMP, JF_NULLABLE},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
};

/* Create */

static void create_referral(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	static const char *const fields[] = {
	        "case_id",        "to_node_id",        "kind",
	        "chain_step_key", "service_id",        "reason",
	        "note",           "priority",          "redirected_from",
	        "legal_basis",    "funding_source_id", "double_funding_reason"};
	static const char *const names[] = {
	        "case",           "to_node",        "kind",
	        "chain_step_key", "service",        "reason",
	        "note",           "priority",       "redirected_from",
	        "legal_basis",    "funding_source", "double_funding_reason"};
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	if (!idempotency_params(r, NULL, &p))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		params_text(&p, names[i], json_get_string(r->json, fields[i]));
	/* Drawn for every referral: the database uses it only for a receiver without accounts
	   (link_wanted), and keeps only its hash. */
	if (!link_token_params(r, &p))
		return;
	req_run(r, &sql_referral_create, &p, answer_write);
}

/* Lists */

/*
 * The statuses a list is filtered to, as a PostgreSQL array text: those of the status query
 * parameter ("sent,received"; every status without it) that are open or not as the open
 * parameter says (lib/referral.c decides which are). NULL for no filter at all; NULL with
 * *bad set after answering 400. *all_open: every status of the filter is open.
 */
static char *status_filter(struct req *r, const char *text, const char *open, bool *bad,
                           bool *all_open)
{
	bool wanted[REFERRAL_STATUS_COUNT] = {false}, any = false;
	char *copy = xstrdup(text ? text : ""), *save = NULL, *out;
	size_t used = 0;

	*bad = false;
	*all_open = false;
	if (!text && !open) {
		free(copy);
		return NULL;
	}
	for (unsigned i = 0; !text && i < REFERRAL_STATUS_COUNT; i++)
		wanted[i] = true;
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		enum referral_status st;
		if (referral_status_parse(s, &st) < 0) {
			free(copy);
			answer_bad_query(r, "status", JSON_CODE_NOT_IN_LIST,
			                 "status must be statuses separated by commas, such as "
			                 "sent,received");
			*bad = true;
			return NULL;
		}
		wanted[st] = any = true;
	}
	free(copy);
	if (text && !any) {
		answer_bad_query(r, "status", JSON_CODE_REQUIRED,
		                 "status must name at least one status");
		*bad = true;
		return NULL;
	}
	out = xmalloc(REFERRAL_STATUS_COUNT * 16 + 3);
	out[used++] = '{';
	*all_open = true;
	for (unsigned i = 0; i < REFERRAL_STATUS_COUNT; i++) {
		if (!wanted[i] || (open && referral_is_open(i) != !strcmp(open, "true")))
			continue;
		*all_open = *all_open && referral_is_open(i);
		used += (size_t)sprintf(out + used, "%s%s", used > 1 ? "," : "",
		                        referral_status_name(i));
	}
	out[used++] = '}';
	out[used] = '\0';
	return out;
}

static void list_referrals(struct req *r)
{
	static const char *const allowed[] = {"box", "status", "open", "overdue", "case_id", NULL};
	const char *box = req_query(r, "box"), *status = req_query(r, "status");
	const char *overdue = req_query(r, "overdue"), *case_id = req_query(r, "case_id");
	const char *open = req_query(r, "open");
	const struct db_stmt *stmt = &sql_referral_both;
	struct page *page = answer_page_begin(r, 2, allowed);
	struct params p = {0};
	char *statuses;
	bool bad, all_open;

	if (!page)
		return;
	if (box && !strcmp(box, "inbox")) {
		stmt = &sql_referral_inbox;
	} else if (box && !strcmp(box, "outbox")) {
		stmt = &sql_referral_outbox;
	} else if (box) {
		answer_bad_query(r, "box", JSON_CODE_NOT_IN_LIST, "box must be inbox or outbox");
		return;
	}
	if (overdue && strcmp(overdue, "true") && strcmp(overdue, "false")) {
		answer_bad_query(r, "overdue", JSON_CODE_WRONG_TYPE,
		                 "overdue must be true or false");
		return;
	}
	if (open && strcmp(open, "true") && strcmp(open, "false")) {
		answer_bad_query(r, "open", JSON_CODE_WRONG_TYPE, "open must be true or false");
		return;
	}
	if (case_id && !validate_uuid(case_id)) {
		answer_bad_query(r, "case_id", JSON_CODE_UUID, "case_id must be a UUID");
		return;
	}
	statuses = status_filter(r, status, open, &bad, &all_open);
	if (bad)
		return;
	/* A statement per filter shape: open statuses only can use the partial index. */
	if (stmt == &sql_referral_inbox && all_open)
		stmt = &sql_referral_inbox_open;
	req_actor(r, &p);
	params_text(&p, "statuses", statuses);
	params_text(&p, "overdue", overdue);
	params_text(&p, "case", case_id);
	params_page(&p, page);
	req_run(r, stmt, &p, answer_page);
	free(statuses);
}

/* Detail */

static void get_referral(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_referral_get, &p, answer_row);
}

/* Transitions */

struct transition {
	const char *key; /* the Idempotency-Key header, or NULL */
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
	http_reply_taken(r, 409, "application/problem+json", text, strlen(text));
}

/* What the request carries into the move, as lib/referral.c checks it. */
static struct referral_input transition_input(const struct req *r)
{
	return (struct referral_input){
	        .reason = json_get_string(r->json, "reason"),
	        .outcome = json_get_string(r->json, "outcome"),
	        .expected_date = json_get_string(r->json, "expected_on"),
	        .appointment_at = json_get_string(r->json, "appointment_at"),
	};
}

/*
 * The move's parameters (both transition statements take them, and referral_transition_allowed
 * the allowed moves after them); false after answering a bad Idempotency-Key.
 */
static bool transition_params(struct req *r, struct params *p, const struct transition *t)
{
	struct referral_input in = transition_input(r);

	req_actor(r, p);
	if (!idempotency_params(r, r->path, p))
		return false;
	params_text(p, "id", req_param(r, "id"));
	params_long(p, "expected_version", t->expected_version);
	params_text(p, "to", referral_status_name(t->to));
	params_text(p, "reason", in.reason);
	params_text(p, "outcome", in.outcome);
	params_text(p, "appointment_at", in.appointment_at);
	params_text(p, "expected_on", in.expected_date);
	params_text(p, "note", json_get_string(r->json, "note"));
	params_text(p, "responsible_account_id",
	            json_get_string(r->json, "responsible_account_id"));
	return true;
}

bool referral_move_checked(struct req *r, enum referral_status from, enum referral_status to,
                           unsigned side, const struct referral_input *in)
{
	struct referral_verdict verdict;
	int rc = referral_check(from, to, side, in, &verdict);

	if (rc == -EINVAL) {
		conflict(r, from, side, verdict.detail);
		return false;
	}
	if (rc == -EPERM) {
		http_forbidden(r, verdict.detail);
		return false;
	}
	if (rc == -EBADMSG) {
		json_t *errors = json_array();
		for (size_t i = 0; i < verdict.n_fields; i++)
			json_add_error(errors, verdict.fields[i].field, verdict.fields[i].code,
			               verdict.fields[i].message);
		http_invalid(r, errors);
		return false;
	}
	return true;
}

/*
 * Whether the move the request asks for is refused by what the referral is now (the version
 * read, lib/referral.c's table for the node's side, the inputs the move needs); answers then.
 */
static bool refused(struct req *r, const struct db_result *res, const struct referral_input *in)
{
	struct transition *t = r->ctx;
	enum referral_status from;

	referral_status_parse(answer_column(res, "status"), &from);
	t->side = (!strcmp(answer_column(res, "sender"), "t") ? REFERRAL_SIDE_SENDER : 0) |
	          (!strcmp(answer_column(res, "receiver"), "t") ? REFERRAL_SIDE_RECEIVER : 0);
	if (strtol(answer_column(res, "version"), NULL, 10) != t->expected_version) {
		http_problem(r, 412, "stale", "Precondition failed",
		             "The referral is at version %s, not %ld; read it again.",
		             answer_column(res, "version"), t->expected_version);
		return true;
	}
	return !referral_move_checked(r, from, t->to, t->side, in);
}

static void on_state(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct transition *t = r->ctx;
	struct referral_input in = transition_input(r);
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	/* A resend with the Idempotency-Key of a move made already carries the If-Match it had
	   then, stale now, and its move may be no longer allowed: referral_transition answers it
	   (or refuses another body with the key). */
	if (strcmp(answer_column(res, "resent"), "t") && refused(r, res, &in))
		return;
	/* The database makes the move by the same table, with the row locked. */
	if (!transition_params(r, &p, t))
		return;
	req_run(r, &sql_referral_transition, &p, answer_write);
}

/* Read the state, check the move against it, then make it (two round trips). */
static void transition_checked(struct req *r)
{
	struct transition *t = r->ctx;
	struct params p = {0};

	params_text(&p, "node", r->auth.node_id);
	params_text(&p, "id", req_param(r, "id"));
	params_text(&p, "account", r->auth.account_id);
	params_text(&p, "idempotency_key", t->key);
	req_run(r, &sql_referral_state, &p, on_state);
}

static void on_transition_allowed(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	const char *outcome = res->status == DB_OK ? answer_column(res, "outcome") : NULL;

	if (outcome && !strcmp(outcome, "recheck")) {
		transition_checked(r);
		return;
	}
	answer_write(r, res);
}

/*
 * '{side:status,...}': every side and status from which lib/referral.c lets this move with
 * these inputs through, so that the database can make it in the same round trip as it reads
 * the state (referral_transition_allowed). NULL when there is none.
 */
static char *allowed_moves(const struct req *r, const struct transition *t)
{
	static const unsigned sides[] = {REFERRAL_SIDE_SENDER, REFERRAL_SIDE_RECEIVER,
	                                 REFERRAL_SIDE_BOTH};
	struct referral_input in = transition_input(r);
	char *out = xmalloc(REFERRAL_STATUS_COUNT * ARRAY_SIZE(sides) * 24 + 3);
	size_t used = 0;

	out[used++] = '{';
	for (unsigned from = 0; from < REFERRAL_STATUS_COUNT; from++)
		for (size_t i = 0; i < ARRAY_SIZE(sides); i++)
			if (referral_check(from, t->to, sides[i], &in, NULL) == 0)
				used += (size_t)sprintf(out + used, "%s%u:%s", used > 1 ? "," : "",
				                        sides[i], referral_status_name(from));
	if (used == 1) {
		free(out);
		return NULL;
	}
	out[used++] = '}';
	out[used] = '\0';
	return out;
}

static void transition(struct req *r)
{
	json_t *errors = answer_check_body(r, transition_fields, ARRAY_SIZE(transition_fields));
	struct transition *t;
	struct params p = {0};
	const char *key;
	char *allowed;
	long version;
	int if_match;

	if (answer_invalid(r, errors))
		return;
	if (!idempotency_key(r, &key))
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
	t->key = key;
	allowed = allowed_moves(r, t);
	if (!allowed) {
		transition_checked(r); /* refused from anywhere: the state says how */
		return;
	}
	if (!transition_params(r, &p, t)) {
		free(allowed);
		return;
	}
	params_text(&p, "allowed", allowed);
	req_run(r, &sql_referral_transition_allowed, &p, on_transition_allowed);
	free(allowed);
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
	struct page *page = answer_page_begin(r, 1, NULL);
	struct params p = {0};

	if (!page)
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	params_page(&p, page);
	req_run(r, &sql_referral_events, &p, on_events);
}

static void log_handover(struct req *r)
{
	json_t *errors = answer_check_body(r, handover_fields, ARRAY_SIZE(handover_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	params_text(&p, "channel", json_get_string(r->json, "channel"));
	params_json_bool(&p, "warm", json_object_get(r->json, "warm"));
	params_text(&p, "at", json_get_string(r->json, "at"));
	params_text(&p, "note", json_get_string(r->json, "note"));
	req_run(r, &sql_referral_handover, &p, answer_write);
}

/* The coordinators' view of where referrals stall */

static void on_network(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	params_text(&p, "network", req_param(r, "id"));
	params_page(&p, r->ctx);
	req_run(r, &sql_referral_overdue, &p, answer_page);
}

static void list_overdue(struct req *r)
{
	struct params p = {0};

	if (!answer_page_begin(r, 2, NULL))
		return;
	if (!auth_coordinates(r, req_param(r, "id"))) {
		http_forbidden(r, "Only the network's coordinators see its overdue referrals.");
		return;
	}
	params_text(&p, "network", req_param(r, "id"));
	req_run(r, &sql_referral_network_exists, &p, on_network);
}

/*
 * The vocabulary of referrals (lib/referral.c) and of the registry (lib/directory.c): what
 * clients show instead of a copy.
 */
static void vocabulary(struct req *r)
{
	static const char *const allowed[] = {NULL};
	json_t *v, *directory;

	if (!req_check_query(r, allowed))
		return;
	v = referral_vocabulary();
	directory = directory_vocabulary();
	json_object_update(v, directory);
	json_decref(directory);
	http_header(r, "Cache-Control", "private, max-age=300");
	http_reply_json(r, 200, v);
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
        {"GET", "/v1/vocabulary", vocabulary, 0, ROLE_ANY, "referrals:read"},
};

API_MODULE(referrals_api, "referrals", routes, referrals_sql);
