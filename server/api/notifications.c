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
#include "audit_sql.h"
#include "http.h"
#include "json.h"

/* The kinds, as the CHECK of account.email_kinds names them (schema/0072_email.sql). */
static const char *const kinds[] = {"new_referral", "referral_update", "message", "overdue", NULL};

#define NOTIFICATIONS_JSON(a)                                                                      \
	"json_build_object('email', " a ".email, 'email_kinds', to_json(" a ".email_kinds),"       \
	" 'kinds', json_build_array('new_referral', 'referral_update', 'message', 'overdue'),"     \
	" 'version', " a ".version)::text"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/* $1 account */
	{"notifications_get",
	 "SELECT " NOTIFICATIONS_JSON("a") ", a.version FROM account a WHERE a.id = $1::uuid"},
	/* actor, $5 kinds (jsonb array): the caller's own account */
	{"notifications_put",
	 "WITH u AS (UPDATE account SET"
	 "   email_kinds = ARRAY(SELECT DISTINCT jsonb_array_elements_text($5::jsonb) ORDER BY 1),"
	 "   version = version + 1, updated_at = now()"
	 "  WHERE id = $1::uuid RETURNING *),"
	 " au AS (" AUDIT_INSERT("account.notifications_update", "account", "u.id",
	                         "jsonb_build_object('email_kinds', u.email_kinds)") " FROM u)"
	 "SELECT 'ok', " NOTIFICATIONS_JSON("u") ", u.version FROM u"},
};
/* clang-format on */

static const struct json_field put_fields[] = {
        {"email_kinds", JF_STRING_ARRAY, JF_REQUIRED, 0, 4},
};

static void get_notifications(struct req *r)
{
	const char *values[1] = {r->auth.account_id};

	if (!req_check_query(r, NULL))
		return;
	req_db(r, "notifications_get", 1, values, answer_row);
}

static void on_put(void *arg, const struct db_result *res)
{
	answer_write(arg, res, "account", NULL);
}

static void put_notifications(struct req *r)
{
	json_t *errors = answer_check_body(r, put_fields, ARRAY_SIZE(put_fields));
	const json_t *list = json_object_get(r->json, "email_kinds");
	const char *values[ACTOR_PARAMS + 1];
	size_t i;
	json_t *k;
	char *text;

	json_array_foreach(list, i, k) {
		bool known = false;
		for (const char *const *e = kinds; *e && json_is_string(k); e++)
			known = known || !strcmp(*e, json_string_value(k));
		if (!known) {
			char field[48];
			snprintf(field, sizeof(field), "email_kinds[%zu]", i);
			json_add_error(errors, field, JSON_CODE_NOT_IN_LIST,
			               "must be new_referral, referral_update, message or overdue");
		}
	}
	if (answer_invalid(r, errors))
		return;
	text = json_dumps(list, JSON_COMPACT);
	req_actor(r, values);
	values[4] = text;
	req_db(r, "notifications_put", (int)ARRAY_SIZE(values), values, on_put);
	free(text);
}

static const struct route routes[] = {
        {"GET", "/v1/me/notifications", get_notifications, 0, ROLE_CASEWORKER, "directory:read"},
        {"PUT", "/v1/me/notifications", put_notifications, ROUTE_BODY, ROLE_CASEWORKER,
         "directory:write"},
};

API_MODULE(notifications_api, "notifications", routes, stmts);
