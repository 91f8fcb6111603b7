/*
 * Which notifications an account wants by e-mail (docs/architecture.md, "Notifications by
 * e-mail"): its own choice, read and changed by the account itself. The e-mails go to the
 * account's contact e-mail (PATCH /v1/accounts/{id}/contact).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "http.h"
#include "json.h"
#include "notifications_sql.h"

/* The kinds, as the CHECK of account.email_kinds names them (schema/0121_email_conference.sql). */
static const char *const kinds[] = {"new_referral",  "referral_update", "message", "overdue",
                                    "follow_up_due", "conference",      NULL};

static const struct json_field put_fields[] = {
        {"email_kinds", JF_STRING_ARRAY, JF_REQUIRED, 0, 6},
};

static void get_notifications(struct req *r)
{
	struct params p = {0};

	if (!req_check_query(r, NULL))
		return;
	params_text(&p, "account", r->auth.account_id);
	req_run(r, &sql_notifications_get, &p, answer_row);
}

static void put_notifications(struct req *r)
{
	json_t *errors = answer_check_body(r, put_fields, ARRAY_SIZE(put_fields));
	const json_t *list = json_object_get(r->json, "email_kinds");
	struct params p = {0};

	json_check_string_items(list, "email_kinds", kinds, errors);
	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_json(&p, "kinds", list);
	req_run(r, &sql_notifications_put, &p, answer_write);
}

static const struct route routes[] = {
        {"GET", "/v1/me/notifications", get_notifications, 0, ROLE_CASEWORKER, "directory:read"},
        {"PUT", "/v1/me/notifications", put_notifications, ROUTE_BODY, ROLE_CASEWORKER,
         "directory:write"},
};

API_MODULE(notifications_api, "notifications", routes, notifications_sql);
