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
#include "http.h"
#include "idempotency.h"
#include "json.h"
#include "messages_sql.h"
#include "page.h"

/* How many referrals the unread answer names at most; the total counts them all. */
#define UNREAD_REFERRALS_MAX 500

static const struct json_field post_fields[] = {
        {"text", JF_STRING, JF_REQUIRED | JF_MULTILINE, 1, 4000},
};

static void post_message(struct req *r)
{
	json_t *errors = answer_check_body(r, post_fields, ARRAY_SIZE(post_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	if (!idempotency_params(r, req_param(r, "id"), &p))
		return;
	params_text(&p, "referral", req_param(r, "id"));
	params_text(&p, "text", json_get_string(r->json, "text"));
	req_run(r, &sql_messages_post, &p, answer_write);
}

static void on_visible(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	req_actor(r, &p);
	params_text(&p, "referral", req_param(r, "id"));
	params_page(&p, r->ctx);
	req_run(r, &sql_messages_list, &p, answer_page);
}

static void list_messages(struct req *r)
{
	struct params p = {0};

	if (!answer_page_begin(r, 2, NULL))
		return;
	params_text(&p, "node", r->auth.node_id);
	params_text(&p, "referral", req_param(r, "id"));
	req_run(r, &sql_messages_visible, &p, on_visible);
}

static void unread_messages(struct req *r)
{
	struct params p = {0};

	if (!req_check_query(r, NULL))
		return;
	params_text(&p, "node", r->auth.node_id);
	params_long(&p, "limit", UNREAD_REFERRALS_MAX);
	req_run(r, &sql_messages_unread, &p, answer_row);
}

static const struct route routes[] = {
        {"POST", "/v1/referrals/{id}/messages", post_message, ROUTE_BODY, ROLE_CASEWORKER,
         "referrals:write"},
        {"GET", "/v1/referrals/{id}/messages", list_messages, 0, ROLE_CASEWORKER, "referrals:read"},
        {"GET", "/v1/messages/unread", unread_messages, 0, ROLE_CASEWORKER, "referrals:read"},
};

API_MODULE(messages_api, "messages", routes, messages_sql);
