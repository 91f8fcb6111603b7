/*
 * Contact around a referral (docs/architecture.md, "Contact around a referral"): an account's
 * display name, phone and e-mail, which the account itself and admins keep current, and the
 * contacts of a referral's two sides as each side may see them. A node's own contact (name,
 * address, phone, e-mail) is the directory's (PATCH /v1/nodes/{id}, which the node's own
 * caseworkers may do).
 */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "auth.h"
#include "contact_sql.h"
#include "http.h"
#include "json.h"

static const struct json_field contact_fields[] = {
        {"display_name", JF_STRING, 0, 1, 200},
        {"phone", JF_PHONE, JF_NULLABLE},
        {"email", JF_EMAIL, JF_NULLABLE},
};

static void update_contact(struct req *r)
{
	json_t *errors = answer_check_patch(r, contact_fields, ARRAY_SIZE(contact_fields));
	struct params p = {0};

	if (answer_invalid(r, errors))
		return;
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (!answer_patch_params(r, &p))
		return;
	params_bool(&p, "admin", r->auth.role == ROLE_ADMIN);
	req_run(r, &sql_contact_update, &p, answer_write);
}

static void get_contact(struct req *r)
{
	struct params p = {0};

	params_text(&p, "id", req_param(r, "id"));
	params_bool(&p, "admin", r->auth.role == ROLE_ADMIN);
	params_text(&p, "account", r->auth.account_id);
	req_run(r, &sql_contact_get, &p, answer_row);
}

static void referral_contact(struct req *r)
{
	struct params p = {0};

	params_text(&p, "node", r->auth.node_id);
	params_text(&p, "referral", req_param(r, "id"));
	req_run(r, &sql_contact_referral, &p, answer_row);
}

static const struct route routes[] = {
        {"GET", "/v1/accounts/{id}/contact", get_contact, 0, ROLE_ANY, "directory:read"},
        {"PATCH", "/v1/accounts/{id}/contact", update_contact, ROUTE_BODY, ROLE_ANY,
         "directory:write"},
        {"GET", "/v1/referrals/{id}/contact", referral_contact, 0, ROLE_CASEWORKER,
         "referrals:read"},
};

API_MODULE(contact_api, "contact", routes, contact_sql);
