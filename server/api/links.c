/*
 * Accept by link (docs/architecture.md, "Accept by link"): a node without accounts answers a
 * referral through a link sent to its contact e-mail. The sender sends (again) and revokes
 * the link; the link's holder reads the referral as its receiving node sees it and moves it
 * through the one state machine (lib/referral.c, then referral_move in SQL), recorded as the
 * node's with the channel "link".
 *
 * The link's routes take no login: the token comes in the Pnet-Link-Token header (the web
 * page keeps it in the URL's fragment, so that it never reaches a log or a Referer). Every
 * use first passes link_attempt (schema/functions/links.sql), which throttles failures per
 * address and per token as the login throttle does, and resolves the token to its link. The
 * token opens these routes for its one referral and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <openssl/crypto.h>

#include "answer.h"
#include "api.h"
#include "config.h"
#include "crypto.h"
#include "http.h"
#include "json.h"
#include "links_sql.h"
#include "referral.h"
#include "referrals.h"

#define TOKEN_HEADER "Pnet-Link-Token"

static const struct json_field move_fields[] = {
        {"to", JF_ENUM, JF_REQUIRED, 0, 0, referral_status_names},
        {"reason", JF_STRING, JF_NULLABLE, 1, 64},
        {"outcome", JF_STRING, JF_NULLABLE, 1, 64},
        {"appointment_at", JF_TIMESTAMP, JF_NULLABLE},
        {"expected_on", JF_DATE, JF_NULLABLE},
        {"note", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 2000},
};

bool link_token_params(struct req *r, struct params *p)
{
	char token[CRYPTO_TOKEN_LEN + 1], hash[CRYPTO_SHA256_HEX_LEN + 1];

	if (crypto_token_new(token) < 0) {
		http_problem(r, 500, "internal", "Internal error", "No randomness for a link.");
		return false;
	}
	crypto_sha256_hex(token, strlen(token), hash);
	params_text_copy(p, "link_hash", hash);
	params_text_copy(p, "link_token", token);
	OPENSSL_cleanse(token, sizeof(token));
	params_long(p, "link_days", cfg.link_days);
	params_text(p, "public_url", cfg.public_url);
	return true;
}

/* The sender's side */

static void send_link(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!link_token_params(r, &p))
		return;
	req_run(r, &sql_link_send, &p, answer_write);
}

static void revoke_link(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_link_revoke, &p, answer_write);
}

/* The holder's side */

struct link_use {
	bool move;             /* a transition, else a read */
	long expected_version; /* the transition's If-Match */
	enum referral_status to;
	char link_id[37];
};

/* The problem for a refusal of link_attempt: each says what happened and what to do. */
static void refuse(struct req *r, const char *refusal)
{
	if (!strcmp(refusal, "expired"))
		http_problem(
		        r, 410, "link-expired", "Link expired",
		        "This link has expired. Ask the sender of the referral for a new one.");
	else if (!strcmp(refusal, "revoked"))
		http_problem(r, 410, "link-revoked", "Link revoked",
		             "The sender has revoked this link (a newer one may have been sent). "
		             "Use the newest link or ask the sender.");
	else if (!strcmp(refusal, "wrong_referral"))
		http_problem(r, 403, "link-wrong-referral", "Link for another referral",
		             "This link belongs to another referral; it opens only its own.");
	else
		http_problem(r, 401, "link-invalid", "Link not valid",
		             "This link is not valid. Check that it was copied completely.");
}

static void on_state(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct link_use *u = r->ctx;
	struct referral_input in = {
	        .reason = json_get_string(r->json, "reason"),
	        .outcome = json_get_string(r->json, "outcome"),
	        .expected_date = json_get_string(r->json, "expected_on"),
	        .appointment_at = json_get_string(r->json, "appointment_at"),
	};
	enum referral_status from;
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	referral_status_parse(answer_column(res, "status"), &from);
	if (!referral_is_open(from)) {
		http_problem(r, 410, "link-used", "Referral done",
		             "The referral is %s: this link shows it, but can no longer change it.",
		             referral_status_name(from));
		return;
	}
	if (strtol(answer_column(res, "version"), NULL, 10) != u->expected_version) {
		http_problem(r, 412, "stale", "Precondition failed",
		             "The referral is at version %s, not %ld; read it again.",
		             answer_column(res, "version"), u->expected_version);
		return;
	}
	if (!referral_move_checked(r, from, u->to, REFERRAL_SIDE_RECEIVER, &in))
		return;
	params_text(&p, "link", u->link_id);
	params_text(&p, "request_id", r->id);
	params_text(&p, "client_addr", r->client_addr);
	params_long(&p, "expected_version", u->expected_version);
	params_text(&p, "to", referral_status_name(u->to));
	params_text(&p, "reason", in.reason);
	params_text(&p, "outcome", in.outcome);
	params_text(&p, "appointment_at", in.appointment_at);
	params_text(&p, "expected_on", in.expected_date);
	params_text(&p, "note", json_get_string(r->json, "note"));
	req_run(r, &sql_link_transition, &p, answer_write);
}

static void on_attempt(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct link_use *u = r->ctx;
	const char *retry_after, *refusal;
	struct params p = {0};

	if (res->status != DB_OK || PQntuples(res->pg) != 1) {
		http_db_failed(r, res);
		return;
	}
	retry_after = answer_column(res, "retry_after");
	if (retry_after) {
		http_header(r, "Retry-After", retry_after);
		http_problem(r, 429, "too-many-attempts", "Too many failed attempts",
		             "%s; try again in %s seconds.",
		             !strcmp(answer_column(res, "reason"), "token")
		                     ? "Too many failed uses of this link"
		                     : "Too many failed link uses from your address",
		             retry_after);
		return;
	}
	refusal = answer_column(res, "refusal");
	if (refusal) {
		refuse(r, refusal);
		return;
	}
	snprintf(u->link_id, sizeof(u->link_id), "%s", answer_column(res, "link_id"));
	params_text(&p, "link", u->link_id);
	if (!u->move) {
		params_text(&p, "request_id", r->id);
		params_text(&p, "client_addr", r->client_addr);
		req_run(r, &sql_link_read, &p, answer_write);
		return;
	}
	req_run(r, &sql_link_state, &p, on_state);
}

/* Resolve the token of the request (throttled), then read or move (u->move). */
static void use_link(struct req *r, struct link_use *u)
{
	const char *token =
	        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), TOKEN_HEADER);
	char hash[CRYPTO_SHA256_HEX_LEN + 1];
	struct params p = {0};

	r->ctx = u;
	r->ctx_free = free;
	if (!token || !token[0] || strlen(token) > 256) {
		http_problem(r, 401, "link-required", "Link required",
		             "Send the token of your link in the " TOKEN_HEADER " header.");
		return;
	}
	crypto_sha256_hex(token, strlen(token), hash);
	params_text(&p, "token_hash", hash);
	params_text(&p, "client_addr", r->client_addr);
	params_text(&p, "referral", req_param(r, "id"));
	params_long(&p, "window_minutes", cfg.link_window_minutes);
	params_long(&p, "free_failures", cfg.link_free_failures);
	params_long(&p, "max_delay_s", cfg.link_max_delay_s);
	params_long(&p, "max_per_token", cfg.link_max_failures_per_token);
	req_run(r, &sql_link_attempt, &p, on_attempt);
}

static void read_by_link(struct req *r)
{
	use_link(r, xcalloc(1, sizeof(struct link_use)));
}

static void move_by_link(struct req *r)
{
	json_t *errors = answer_check_body(r, move_fields, ARRAY_SIZE(move_fields));
	struct link_use *u;
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
	u = xcalloc(1, sizeof(*u));
	u->move = true;
	u->expected_version = version;
	referral_status_parse(json_get_string(r->json, "to"), &u->to);
	use_link(r, u);
}

static const struct route routes[] = {
        {"POST", "/v1/referrals/{id}/link", send_link, 0, ROLE_CASEWORKER, "referrals:write"},
        {"DELETE", "/v1/referrals/{id}/link", revoke_link, 0, ROLE_CASEWORKER, "referrals:write"},
        {"GET", "/v1/link/referrals/{id}", read_by_link, ROUTE_PUBLIC},
        {"POST", "/v1/link/referrals/{id}/transitions", move_by_link, ROUTE_PUBLIC | ROUTE_BODY},
};

API_MODULE(links_api, "links", routes, links_sql);
