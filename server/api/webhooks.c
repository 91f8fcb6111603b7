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

#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "auth.h"
#include "crypto.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"
#include "webhook.h"

/* The webhook as its owner sees it (never the secret), as jsonb. */
#define WEBHOOK_JSONB(w)                                                                           \
	"jsonb_build_object('id', " w ".id, 'node_id', " w ".node_id, 'url', " w ".url,"           \
	" 'event_types', " w ".event_types, 'description', " w ".description, 'active', " w        \
	".active, 'disabled_reason', " w ".disabled_reason, 'disabled_at', " w ".disabled_at,"     \
	" 'version', " w ".version, 'created_at', " w ".created_at, 'updated_at', " w              \
	".updated_at)"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/* actor, $5 url, $6 event types (jsonb array), $7 description, $8 secret, $9 node */
	{"webhooks_create",
	 "WITH w AS (INSERT INTO webhook (node_id, url, event_types, description, secret, created_by)"
	 "           VALUES ($9::uuid, $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), $7,"
	 "                   $8, $1::uuid) RETURNING *),"
	 " au AS (" AUDIT_INSERT("webhook.create", "webhook", "w.id",
	                         "jsonb_build_object('url', w.url, 'event_types', w.event_types)")
	 " FROM w)"
	 "SELECT (" WEBHOOK_JSONB("w") " || jsonb_build_object('secret', w.secret))::text,"
	 "       w.version, '/v1/webhooks/' || w.id FROM w"},
	/* $1 caller's node, $2 $3 cursor (created_at, id), $4 limit + 1, $5 node filter */
	{"webhooks_list",
	 "SELECT " WEBHOOK_JSONB("w") "::text, w.created_at::text, w.id::text FROM webhook w"
	 " WHERE ($1::uuid IS NULL OR w.node_id = $1::uuid)"
	 "   AND ($5::uuid IS NULL OR w.node_id = $5::uuid)"
	 "   AND ($2::text IS NULL OR (w.created_at, w.id) < ($2::timestamptz, $3::uuid))"
	 " ORDER BY w.created_at DESC, w.id DESC LIMIT $4::int"},
	{"webhooks_get",
	 "SELECT " WEBHOOK_JSONB("w") "::text, w.version FROM webhook w"
	 " WHERE w.id = $2::uuid AND ($1::uuid IS NULL OR w.node_id = $1::uuid)"},
	/*
	 * actor, $5 patch (jsonb of the fields given), $6 id, $7 expected version or NULL, $8 the
	 * caller's node.
	 * Enabling a webhook clears why it was disabled. 'ok' + the webhook, or 'stale'.
	 */
	{"webhooks_update",
	 "WITH u AS (UPDATE webhook SET"
	 "   url = coalesce($5::jsonb->>'url', url),"
	 "   event_types = CASE WHEN $5::jsonb ? 'event_types' THEN"
	 "     ARRAY(SELECT jsonb_array_elements_text($5::jsonb->'event_types')) ELSE event_types END,"
	 "   description = CASE WHEN $5::jsonb ? 'description' THEN $5::jsonb->>'description'"
	 "                 ELSE description END,"
	 "   active = coalesce(($5::jsonb->>'active')::boolean, active),"
	 "   disabled_reason = CASE WHEN ($5::jsonb->>'active')::boolean THEN NULL"
	 "                     ELSE disabled_reason END,"
	 "   disabled_at = CASE WHEN ($5::jsonb->>'active')::boolean THEN NULL ELSE disabled_at END,"
	 "   version = version + 1, updated_at = now()"
	 " WHERE id = $6::uuid AND ($8::uuid IS NULL OR node_id = $8::uuid)"
	 "   AND ($7::int IS NULL OR version = $7::int)"
	 " RETURNING *),"
	 " au AS (" AUDIT_INSERT("webhook.update", "webhook", "u.id",
	                         "jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM"
	                         " jsonb_object_keys($5::jsonb) k))") " FROM u)"
	 "SELECT 'ok', " WEBHOOK_JSONB("u") "::text, u.version FROM u"
	 " UNION ALL"
	 " SELECT 'stale', NULL, w.version FROM webhook w"
	 "  WHERE w.id = $6::uuid AND ($8::uuid IS NULL OR w.node_id = $8::uuid)"
	 "    AND NOT EXISTS (SELECT 1 FROM u)"},
	/* actor, $5 id, $6 the caller's node */
	{"webhooks_delete",
	 "WITH d AS (DELETE FROM webhook WHERE id = $5::uuid AND ($6::uuid IS NULL OR node_id = $6::uuid)"
	 "           RETURNING id, url),"
	 " au AS (" AUDIT_INSERT("webhook.delete", "webhook", "d.id",
	                         "jsonb_build_object('url', d.url)") " FROM d)"
	 "SELECT count(*) FROM d"},
	/*
	 * $1 node, $2 webhook, $3 cursor (delivery id), $4 limit + 1. No row: no such webhook of
	 * the node; one row with a NULL delivery: a webhook without deliveries (on this page).
	 */
	{"webhooks_deliveries",
	 "SELECT x.body, x.id::text FROM webhook w LEFT JOIN LATERAL ("
	 "  SELECT d.id, json_build_object('id', d.id, 'event_id', d.outbox_seq, 'type', o.type,"
	 "    'state', d.state, 'attempts', d.attempts, 'next_attempt_at',"
	 "    CASE WHEN d.state = 'pending' THEN d.next_attempt_at END,"
	 "    'last_attempt_at', d.last_attempt_at, 'last_status', d.last_status,"
	 "    'last_error', d.last_error, 'delivered_at', d.delivered_at,"
	 "    'created_at', d.created_at)::text AS body"
	 "  FROM webhook_delivery d JOIN outbox o ON o.seq = d.outbox_seq"
	 "  WHERE d.webhook_id = w.id AND ($3::bigint IS NULL OR d.id < $3::bigint)"
	 "  ORDER BY d.id DESC LIMIT $4::int) x ON true"
	 " WHERE w.id = $2::uuid AND ($1::uuid IS NULL OR w.node_id = $1::uuid)"
	 " ORDER BY x.id DESC"},
	/*
	 * actor, $5 id, $6 the caller's node: a test event (webhook.ping) for this webhook only.
	 * Its outbox row names no node, so no stream and no other webhook sees it. 'inactive'
	 * when the webhook is disabled (nothing is written).
	 */
	{"webhooks_ping",
	 "WITH w AS (SELECT id, active FROM webhook"
	 "           WHERE id = $5::uuid AND ($6::uuid IS NULL OR node_id = $6::uuid)),"
	 " o AS (INSERT INTO outbox (type, node_ids, payload)"
	 "       SELECT 'webhook.ping', '{}', jsonb_build_object('webhook_id', w.id)"
	 "       FROM w WHERE w.active RETURNING seq, type),"
	 " d AS (INSERT INTO webhook_delivery (webhook_id, outbox_seq)"
	 "       SELECT w.id, o.seq FROM w, o RETURNING *),"
	 " au AS (" AUDIT_INSERT("webhook.ping", "webhook", "d.webhook_id",
	                         "jsonb_build_object('event_id', d.outbox_seq)") " FROM d)"
	 "SELECT 'ok', json_build_object('id', d.id, 'event_id', d.outbox_seq, 'type', o.type,"
	 "  'state', d.state, 'attempts', d.attempts, 'next_attempt_at', d.next_attempt_at,"
	 "  'last_attempt_at', d.last_attempt_at, 'last_status', d.last_status,"
	 "  'last_error', d.last_error, 'delivered_at', d.delivered_at,"
	 "  'created_at', d.created_at)::text FROM d, o"
	 " UNION ALL SELECT 'inactive', NULL FROM w WHERE NOT w.active"},
	/*
	 * The dispatcher: $1 lease seconds, $2 how many. Due deliveries of active webhooks,
	 * locked without waiting for other processes' (SKIP LOCKED), leased, counted.
	 */
	{WEBHOOK_CLAIM_STMT,
	 "WITH due AS (SELECT d.id FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id"
	 "              WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND w.active"
	 "                AND (d.lease_until IS NULL OR d.lease_until < now())"
	 "              ORDER BY d.next_attempt_at, d.id"
	 "              FOR UPDATE OF d SKIP LOCKED LIMIT $2::int)"
	 "UPDATE webhook_delivery d SET lease_until = now() + make_interval(secs => $1::int),"
	 "       lease_token = gen_random_uuid(), attempts = d.attempts + 1,"
	 "       last_attempt_at = now()"
	 "  FROM due, webhook w, outbox o"
	 " WHERE d.id = due.id AND w.id = d.webhook_id AND o.seq = d.outbox_seq"
	 " RETURNING d.id::text, d.lease_token::text, w.url, w.secret,"
	 "   json_build_object('id', o.seq, 'type', o.type, 'created_at', o.at,"
	 "                     'data', o.payload)::text, o.seq::text"},
	/*
	 * $1 delivery, $2 lease token, $3 delivered, $4 HTTP status or NULL, $5 error, $6 backoff
	 * base ms, $7 backoff cap s, $8 give up after s, $9 duration ms. Only the lease holder
	 * records. The next attempt waits base * 2^(attempts-1), capped, less up to a quarter
	 * (jitter: retries of many deliveries spread, and each gap still grows); a delivery whose
	 * next attempt would fall after the give-up time fails, and disables its webhook.
	 */
	{WEBHOOK_RECORD_STMT,
	 "WITH d AS (UPDATE webhook_delivery d SET"
	 "   state = CASE WHEN $3::boolean THEN 'delivered'"
	 "                WHEN now() + n.delay > d.created_at + make_interval(secs => $8::int)"
	 "                THEN 'failed' ELSE 'pending' END,"
	 "   delivered_at = CASE WHEN $3::boolean THEN now() END,"
	 "   next_attempt_at = CASE WHEN $3::boolean THEN d.next_attempt_at ELSE now() + n.delay END,"
	 "   lease_until = NULL, lease_token = NULL, last_status = $4::int, last_error = $5"
	 "  FROM (SELECT x.id, make_interval(secs => least($7::float8,"
	 "               $6::float8 / 1000 * 2 ^ least(x.attempts - 1, 40))"
	 "               * (0.75 + random() * 0.25)) AS delay"
	 "          FROM webhook_delivery x WHERE x.id = $1::bigint) n"
	 "  WHERE d.id = n.id AND d.lease_token = $2::uuid"
	 "  RETURNING d.*),"
	 " a AS (INSERT INTO webhook_attempt (delivery_id, status, error, duration_ms)"
	 "       SELECT d.id, $4::int, $5, $9::int FROM d),"
	 " off AS (UPDATE webhook w SET active = false, disabled_at = now(), version = w.version + 1,"
	 "           updated_at = now(),"
	 "           disabled_reason = format('Event %s could not be delivered for %s (%s "
	 "attempts); the last attempt: %s.', d.outbox_seq,"
	 "             date_trunc('second', now() - d.created_at), d.attempts,"
	 "             coalesce('HTTP ' || $4::int, $5))"
	 "         FROM d WHERE d.state = 'failed' AND w.id = d.webhook_id AND w.active"
	 "         RETURNING w.id, w.node_id, w.disabled_reason),"
	 " au AS (INSERT INTO audit_log (account_id, node_id, action, object_type, object_id,"
	 "          request_id, client_addr, detail)"
	 "        SELECT NULL, off.node_id, 'webhook.disable', 'webhook', off.id, NULL, NULL,"
	 "               jsonb_build_object('reason', off.disabled_reason) FROM off)"
	 "SELECT d.state FROM d"},
};
/* clang-format on */

static const char *const event_types[] = {
        "referral.created",     "referral.updated", "referral.handover", "referral.message",
        "referral.appointment", "referral.overdue", "consent.revoked",   NULL};

static const struct json_field create_fields[] = {
        {"node_id", JF_UUID, 0},
        {"url", JF_STRING, JF_REQUIRED, 8, 2000},
        {"event_types", JF_STRING_ARRAY, JF_REQUIRED, 1, 7},
        {"description", JF_STRING, JF_NULLABLE, 1, 200},
};

static const struct json_field update_fields[] = {
        {"url", JF_STRING, 0, 8, 2000},
        {"event_types", JF_STRING_ARRAY, 0, 1, 7},
        {"description", JF_STRING, JF_NULLABLE, 1, 200},
        {"active", JF_BOOLEAN, 0},
};

/* The rules beyond the field table: a usable URL, known event types. */
static void check_webhook(const json_t *body, json_t *errors)
{
	const char *url = json_get_string(body, "url");
	const json_t *types = json_object_get(body, "event_types");
	const char *problem = url ? webhook_url_problem(url) : NULL;
	size_t i;
	json_t *t;

	if (problem)
		json_add_error(errors, "url", "webhook_url", problem);
	json_array_foreach(types, i, t) {
		bool known = false;
		for (const char *const *e = event_types; *e && json_is_string(t); e++)
			known = known || !strcmp(*e, json_string_value(t));
		if (!known) {
			char field[48];
			snprintf(field, sizeof(field), "event_types[%zu]", i);
			json_add_error(errors, field, JSON_CODE_NOT_IN_LIST,
			               "must be referral.created, referral.updated, "
			               "referral.handover, referral.message, referral.overdue, "
			               "referral.appointment or "
			               "consent.revoked");
		}
	}
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
	char *types;
	const char *node, *values[ACTOR_PARAMS + 5];

	if (!checked(r, create_fields, ARRAY_SIZE(create_fields)) || !webhook_node(r, &node))
		return;
	if (crypto_random_bytes(raw, sizeof(raw)) < 0) {
		http_problem(r, 500, "internal", "Internal error", "No random bytes for a secret.");
		return;
	}
	crypto_base64url(raw, sizeof(raw), secret + 6);
	types = json_dumps(json_object_get(r->json, "event_types"), JSON_COMPACT);
	req_actor(r, values);
	values[4] = json_get_string(r->json, "url");
	values[5] = types;
	values[6] = json_get_string(r->json, "description");
	values[7] = secret;
	values[8] = node;
	req_db(r, "webhooks_create", 9, values, answer_created);
	free(types);
}

static void list_webhooks(struct req *r)
{
	static const char *const allowed[] = {"node_id", NULL};
	struct page *p = answer_page_begin(r, 2, allowed);
	const char *node = req_query(r, "node_id");
	const char *values[5];

	if (!p)
		return;
	if (node && !validate_uuid(node)) {
		answer_bad_query(r, "node_id", JSON_CODE_UUID, "must be a UUID");
		return;
	}
	values[0] = reachable_node(r);
	values[1] = page_key(p, 0);
	values[2] = page_key(p, 1);
	values[3] = p->limit_text;
	values[4] = node;
	req_db(r, "webhooks_list", 5, values, answer_page);
}

static void get_webhook(struct req *r)
{
	const char *values[2] = {reachable_node(r), req_param(r, "id")};

	req_db(r, "webhooks_get", 2, values, answer_row);
}

static void on_updated(void *arg, const struct db_result *res)
{
	answer_write(arg, res, "webhook", NULL);
}

static void update_webhook(struct req *r)
{
	int if_match;
	char version_text[24], *patch;
	const char *values[ACTOR_PARAMS + 4];

	if (!checked(r, update_fields, ARRAY_SIZE(update_fields)))
		return;
	if_match = req_if_match_text(r, version_text);
	if (if_match < 0)
		return;
	patch = json_dumps(r->json, JSON_COMPACT);
	req_actor(r, values);
	values[4] = patch;
	values[5] = req_param(r, "id");
	values[6] = if_match ? version_text : NULL;
	values[7] = reachable_node(r);
	req_db(r, "webhooks_update", 8, values, on_updated);
	free(patch);
}

static void delete_webhook(struct req *r)
{
	const char *values[ACTOR_PARAMS + 2];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = reachable_node(r);
	req_db(r, "webhooks_delete", 6, values, answer_no_content);
}

static void on_pinged(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (!answer_found(r, res))
		return;
	if (!strcmp(PQgetvalue(res->pg, 0, 0), "inactive")) {
		http_problem(r, 409, "webhook-inactive", "The webhook is disabled",
		             "A disabled webhook gets no events: enable it first "
		             "(PATCH {\"active\": true}).");
		return;
	}
	http_reply_json_text(r, 202, PQgetvalue(res->pg, 0, 1), 0);
}

static void ping_webhook(struct req *r)
{
	const char *values[ACTOR_PARAMS + 2];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = reachable_node(r);
	req_db(r, "webhooks_ping", 6, values, on_pinged);
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
	struct page *p = answer_page_begin(r, 1, NULL);
	const char *values[4];

	if (!p)
		return;
	values[0] = reachable_node(r);
	values[1] = req_param(r, "id");
	values[2] = page_key(p, 0);
	values[3] = p->limit_text;
	req_db(r, "webhooks_deliveries", 4, values, on_deliveries);
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

API_MODULE(webhooks_api, "webhooks", routes, stmts);
