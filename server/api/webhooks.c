/*
 * Webhooks of a node (its caseworkers and integration tokens with webhooks:write, and admins
 * for any node): register a URL and the event types, get the signing secret once, send a test
 * event, see each delivery and why a webhook was disabled (docs/events.md). The dispatcher
 * (server/webhook.c) runs the claim and record statements.
 *
 * Every statement takes "the node whose webhooks the caller may reach": a caseworker's own,
 * or NULL for an admin (any node); another node's webhook answers 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "api.h"
#include "auth.h"
#include "crypto.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"
#include "webhook.h"
#include "webhooks_sql.h"

static const char *const event_types[] = {
        "referral.created",   "referral.updated",         "referral.handover",
        "referral.message",   "referral.appointment",     "referral.overdue",
        "consent.revoked",    "case.responsible_changed", "case.follow_up_due",
        "conference.invited", "conference.updated",       NULL};

static const struct json_field create_fields[] = {
        {"node_id", JF_UUID, 0},
        {"url", JF_STRING, JF_REQUIRED, 8, 2000},
        {"event_types", JF_STRING_ARRAY, JF_REQUIRED, 1, 11},
        {"description", JF_STRING, JF_NULLABLE, 1, 200},
};

static const struct json_field update_fields[] = {
        {"url", JF_STRING, 0, 8, 2000},
        {"event_types", JF_STRING_ARRAY, 0, 1, 11},
        {"description", JF_STRING, JF_NULLABLE, 1, 200},
        {"active", JF_BOOLEAN, 0},
};

/* The rules beyond the field table: a usable URL, known event types. */
static void check_webhook(const json_t *body, json_t *errors)
{
	const char *url = json_get_string(body, "url");
	const json_t *types = json_object_get(body, "event_types");
	const char *problem = url ? webhook_url_problem(url) : NULL;

	if (problem)
		json_add_error(errors, "url", "webhook_url", problem);
	json_check_string_items(types, "event_types", event_types, errors);
}

/* The node whose webhooks the caller reaches: a caseworker's own; NULL (any) for an admin. */
static const char *reachable_node(const struct req *r)
{
	return r->auth.role == ROLE_ADMIN ? NULL : r->auth.node_id;
}

static bool checked(struct req *r, const struct json_field *fields, size_t n)
{
	json_t *errors = json_array();

	if (!json_check_object(r->json, fields, n, NULL, errors))
		check_webhook(r->json, errors);
	return !answer_invalid(r, errors);
}

/* The node a new webhook belongs to: an admin names it, a caseworker's is their own. */
static bool webhook_node(struct req *r, const char **node)
{
	const char *named = json_get_string(r->json, "node_id");
	json_t *errors = json_array();

	*node = named;
	if (r->auth.role != ROLE_ADMIN) {
		*node = r->auth.node_id;
		if (named && strcasecmp(named, r->auth.node_id) != 0)
			json_add_error(errors, "node_id", "not_your_node",
			               "is not your node: only admins register webhooks for other "
			               "nodes");
	} else if (!named) {
		json_add_error(errors, "node_id", JSON_CODE_REQUIRED,
		               "is required: the node the webhook is for");
	}
	return !answer_invalid(r, errors);
}

static void create_webhook(struct req *r)
{
	uint8_t raw[32];
	char secret[6 + 44] = "whsec_";
	const char *node;
	struct params p = {0};

	if (!checked(r, create_fields, ARRAY_SIZE(create_fields)) || !webhook_node(r, &node))
		return;
	if (crypto_random_bytes(raw, sizeof(raw)) < 0) {
		http_problem(r, 500, "internal", "Internal error", "No random bytes for a secret.");
		return;
	}
	crypto_base64url(raw, sizeof(raw), secret + 6);
	req_actor(r, &p);
	params_text(&p, "node", node);
	params_text(&p, "url", json_get_string(r->json, "url"));
	params_json(&p, "event_types", json_object_get(r->json, "event_types"));
	params_text(&p, "description", json_get_string(r->json, "description"));
	params_text(&p, "secret", secret);
	req_run(r, &sql_webhooks_create, &p, answer_write);
}

static void list_webhooks(struct req *r)
{
	static const char *const allowed[] = {"node_id", NULL};
	struct page *page = answer_page_begin(r, 2, allowed);
	const char *node = req_query(r, "node_id");
	struct params p = {0};

	if (!page)
		return;
	if (node && !validate_uuid(node)) {
		answer_bad_query(r, "node_id", JSON_CODE_UUID, "must be a UUID");
		return;
	}
	params_text(&p, "caller_node", reachable_node(r));
	params_text(&p, "node", node);
	params_page(&p, page);
	req_run(r, &sql_webhooks_list, &p, answer_page);
}

static void get_webhook(struct req *r)
{
	struct params p = {0};

	params_text(&p, "caller_node", reachable_node(r));
	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_webhooks_get, &p, answer_row);
}

static void update_webhook(struct req *r)
{
	struct params p = {0};

	if (!checked(r, update_fields, ARRAY_SIZE(update_fields)))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!answer_patch_params(r, &p))
		return;
	params_text(&p, "caller_node", reachable_node(r));
	req_run(r, &sql_webhooks_update, &p, answer_write);
}

/* A write of the webhook at {id}, with the actor and the node whose webhooks it reaches. */
static void run_on_webhook(struct req *r, const struct db_stmt *stmt)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	params_text(&p, "caller_node", reachable_node(r));
	req_run(r, stmt, &p, answer_write);
}

static void delete_webhook(struct req *r)
{
	run_on_webhook(r, &sql_webhooks_delete);
}

static void ping_webhook(struct req *r)
{
	run_on_webhook(r, &sql_webhooks_ping);
}

static void on_deliveries(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	/* One row with a NULL delivery: a webhook without deliveries (on this page). */
	if (res->status == DB_OK && PQntuples(res->pg) == 1 && PQgetisnull(res->pg, 0, 0)) {
		http_reply_json(r, 200, json_pack("{s:[], s:n}", "items", "next"));
		return;
	}
	if (answer_found(r, res))
		answer_page(r, res);
}

static void list_deliveries(struct req *r)
{
	struct page *page = answer_page_begin(r, 1, NULL);
	struct params p = {0};

	if (!page)
		return;
	params_text(&p, "caller_node", reachable_node(r));
	params_text(&p, "id", req_param(r, "id"));
	params_page(&p, page);
	req_run(r, &sql_webhooks_deliveries, &p, on_deliveries);
}

/* Caseworkers for their node, admins for any (docs/events.md, "Webhooks"). */
#define WEBHOOK_ROLES (ROLE_CASEWORKER | ROLE_ADMIN)

static const struct route routes[] = {
        {"POST", "/v1/webhooks", create_webhook, ROUTE_BODY, WEBHOOK_ROLES, "webhooks:write"},
        {"GET", "/v1/webhooks", list_webhooks, 0, WEBHOOK_ROLES, "webhooks:write"},
        {"GET", "/v1/webhooks/{id}", get_webhook, 0, WEBHOOK_ROLES, "webhooks:write"},
        {"PATCH", "/v1/webhooks/{id}", update_webhook, ROUTE_BODY, WEBHOOK_ROLES, "webhooks:write"},
        {"DELETE", "/v1/webhooks/{id}", delete_webhook, 0, WEBHOOK_ROLES, "webhooks:write"},
        {"GET", "/v1/webhooks/{id}/deliveries", list_deliveries, 0, WEBHOOK_ROLES,
         "webhooks:write"},
        {"POST", "/v1/webhooks/{id}/ping", ping_webhook, 0, WEBHOOK_ROLES, "webhooks:write"},
};

API_MODULE(webhooks_api, "webhooks", routes, webhooks_sql);
