/*
 * Messages on a referral (docs/architecture.md, "Messages on a referral"): sender and receiver
 * write short texts in a thread under the referral; a message stays unread for the other node
 * until one of its accounts reads the thread, and the navigation asks for the node's unread
 * counts. A node that is neither side gets 404, as for the referral itself.
 *
 * The texts are social data: they follow the rule of the referral's note (referral_message_json
 * withholds them from a receiver whose consent no longer covers the case), the event
 * referral.message carries no text (docs/events.md), and every read and write is audited in
 * the statement that does it.
 */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "audit_sql.h"
#include "http.h"
#include "json.h"
#include "page.h"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/* actor, $5 referral, $6 text: 'ok' and the message, or 'not_found' */
	{"messages_post",
	 "SELECT outcome, body FROM referral_message_post($1, $2, $3, $4, $5, $6)"},
	/* $1 node, $2 referral: whether the node sees the referral */
	{"messages_visible",
	 "SELECT 1 FROM referral WHERE id = $2 AND $1::uuid IN (from_node_id, to_node_id)"},
	/*
	 * actor, $5 referral, $6 $7 cursor (created_at, id), $8 limit + 1: the thread oldest
	 * first. The messages shown that were the node's to read are marked read by this account;
	 * the answer shows them as they were before (unread), so that the reader sees what is new.
	 * One audit row names the messages shown and those this read marked.
	 */
	{"messages_list",
	 "WITH x AS (SELECT r.id, r AS ref FROM referral r"
	 "           WHERE r.id = $5 AND $2::uuid IN (r.from_node_id, r.to_node_id)),"
	 " page AS (SELECT m.id, m.created_at FROM referral_message m JOIN x ON m.referral_id = x.id"
	 "          WHERE ($6::text IS NULL OR (m.created_at, m.id) > ($6::timestamptz, $7::uuid))"
	 "          ORDER BY m.created_at, m.id LIMIT $8::int),"
	 " shown AS (SELECT * FROM page ORDER BY created_at, id LIMIT $8::int - 1),"
	 " marked AS (UPDATE referral_message m SET read_at = now(), read_by = $1::uuid"
	 "            FROM shown s WHERE m.id = s.id AND m.to_node = $2::uuid AND m.read_at IS NULL"
	 "            RETURNING m.id),"
	 " au AS (" AUDIT_INSERT("referral.messages_read", "referral", "x.id",
	                         "jsonb_build_object("
	                         "'ids', (SELECT coalesce(jsonb_agg(id ORDER BY created_at, id),"
	                         "        '[]') FROM shown),"
	                         "'read', (SELECT coalesce(jsonb_agg(id), '[]') FROM marked))")
	 " FROM x)"
	 "SELECT referral_message_json(m, x.ref, $2::uuid)::text, m.created_at::text, m.id::text"
	 "  FROM page JOIN referral_message m USING (id) CROSS JOIN x ORDER BY m.created_at, m.id"},
	/*
	 * $1 node, $2 limit: the node's unread messages, in total and per referral (most recent
	 * first). Only unread rows are read (a partial index), so this stays cheap however long
	 * the threads grow.
	 */
	{"messages_unread",
	 "WITH per AS (SELECT referral_id, count(*) AS n, max(created_at) AS latest"
	 "             FROM referral_message WHERE to_node = $1::uuid AND read_at IS NULL"
	 "             GROUP BY referral_id)"
	 "SELECT json_build_object("
	 "  'total', (SELECT coalesce(sum(n), 0) FROM per),"
	 "  'referrals', (SELECT coalesce(json_agg(json_build_object('referral_id', referral_id,"
	 "                                                           'unread', n)"
	 "                                         ORDER BY latest DESC), '[]')"
	 "                FROM (SELECT * FROM per ORDER BY latest DESC LIMIT $2::int) t))::text"},
};
/* clang-format on */

/* How many referrals the unread answer names at most; the total counts them all. */
#define UNREAD_REFERRALS_MAX "500"

static const struct json_field post_fields[] = {
        {"text", JF_STRING, JF_REQUIRED | JF_MULTILINE, 1, 4000},
};

static void on_posted(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (!answer_found(r, res))
		return;
	if (!strcmp(PQgetvalue(res->pg, 0, 0), "not_found")) {
		http_not_found(r);
		return;
	}
	http_reply_json_text(r, 201, PQgetvalue(res->pg, 0, 1), 0);
}

static void post_message(struct req *r)
{
	json_t *errors = answer_check_body(r, post_fields, ARRAY_SIZE(post_fields));
	const char *values[ACTOR_PARAMS + 2];

	if (answer_invalid(r, errors))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = json_get_string(r->json, "text");
	req_db(r, "messages_post", (int)ARRAY_SIZE(values), values, on_posted);
}

static void on_visible(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct page *p = r->ctx;
	const char *values[ACTOR_PARAMS + 4];

	if (!answer_found(r, res))
		return;
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = page_key(p, 0);
	values[6] = page_key(p, 1);
	values[7] = p->limit_text;
	req_db(r, "messages_list", (int)ARRAY_SIZE(values), values, answer_page);
}

static void list_messages(struct req *r)
{
	const char *values[2];

	if (!answer_page_begin(r, 2, NULL))
		return;
	values[0] = r->auth.node_id;
	values[1] = req_param(r, "id");
	req_db(r, "messages_visible", 2, values, on_visible);
}

static void unread_messages(struct req *r)
{
	const char *values[2] = {r->auth.node_id, UNREAD_REFERRALS_MAX};

	if (!req_check_query(r, NULL))
		return;
	req_db(r, "messages_unread", 2, values, answer_row);
}

static const struct route routes[] = {
        {"POST", "/v1/referrals/{id}/messages", post_message, ROUTE_BODY, ROLE_CASEWORKER,
         "referrals:write"},
        {"GET", "/v1/referrals/{id}/messages", list_messages, 0, ROLE_CASEWORKER, "referrals:read"},
        {"GET", "/v1/messages/unread", unread_messages, 0, ROLE_CASEWORKER, "referrals:read"},
};

API_MODULE(messages_api, "messages", routes, stmts);
