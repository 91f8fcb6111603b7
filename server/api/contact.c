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
#include "audit_sql.h"
#include "auth.h"
#include "http.h"
#include "json.h"

/* clang-format off */
static const struct db_stmt stmts[] = {
	/*
	 * actor, $5 account, $6 expected version or NULL, $7 the caller is an admin, $8 patch
	 * (jsonb of the fields given). The caller's own account or, for an admin, any. 'ok' and
	 * the contact, or 'stale' and the stored version; no row for an account the caller may
	 * not change (404).
	 */
	{"contact_update",
	 "WITH u AS (UPDATE account a SET"
	 "   display_name = CASE WHEN $8::jsonb ? 'display_name' THEN $8::jsonb->>'display_name'"
	 "                  ELSE a.display_name END,"
	 "   phone = CASE WHEN $8::jsonb ? 'phone' THEN $8::jsonb->>'phone' ELSE a.phone END,"
	 "   email = CASE WHEN $8::jsonb ? 'email' THEN $8::jsonb->>'email' ELSE a.email END,"
	 "   version = a.version + 1, updated_at = now()"
	 "  WHERE a.id = $5 AND (a.id = $1::uuid OR $7::boolean)"
	 "    AND ($6::int IS NULL OR a.version = $6::int)"
	 "  RETURNING a.*),"
	 " au AS (" AUDIT_INSERT("account.contact_update", "account", "u.id",
	                         "jsonb_build_object('fields', (SELECT jsonb_agg(k ORDER BY k)"
	                         " FROM jsonb_object_keys($8::jsonb) k))") " FROM u)"
	 "SELECT 'ok', (account_contact_json(u.id)::jsonb"
	 "              || jsonb_build_object('display_name', u.display_name, 'phone', u.phone,"
	 "                                    'email', u.email, 'version', u.version))::text,"
	 "       u.version FROM u"
	 " UNION ALL"
	 " SELECT 'stale', NULL, a.version FROM account a"
	 "  WHERE a.id = $5 AND (a.id = $1::uuid OR $7::boolean) AND NOT EXISTS (SELECT 1 FROM u)"},
	/* $1 account, $2 the caller is an admin: the contact with its version */
	{"contact_get",
	 "SELECT (account_contact_json(a.id)::jsonb || jsonb_build_object('version', a.version))"
	 "       ::text, a.version FROM account a WHERE a.id = $1 AND (a.id = $3::uuid OR $2::boolean)"},
	/* $1 node, $2 referral: the two sides' contacts, for the sender and the receiver only */
	{"contact_referral",
	 "SELECT referral_contact_json(r)::text FROM referral r"
	 " WHERE r.id = $2 AND $1::uuid IN (r.from_node_id, r.to_node_id)"},
};
/* clang-format on */

static const struct json_field contact_fields[] = {
        {"display_name", JF_STRING, 0, 1, 200},
        {"phone", JF_PHONE, JF_NULLABLE},
        {"email", JF_EMAIL, JF_NULLABLE},
};

static void on_updated(void *arg, const struct db_result *res)
{
	answer_write(arg, res, "account", NULL);
}

static void update_contact(struct req *r)
{
	json_t *errors = answer_check_patch(r, contact_fields, ARRAY_SIZE(contact_fields));
	const char *values[ACTOR_PARAMS + 4];
	char version[24];
	char *patch;
	int if_match;

	if (answer_invalid(r, errors))
		return;
	if_match = req_if_match_text(r, version);
	if (if_match < 0)
		return;
	patch = json_dumps(r->json, JSON_COMPACT);
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = if_match ? version : NULL;
	values[6] = r->auth.role == ROLE_ADMIN ? "true" : "false";
	values[7] = patch;
	req_db(r, "contact_update", (int)ARRAY_SIZE(values), values, on_updated);
	free(patch);
}

static void get_contact(struct req *r)
{
	const char *values[3] = {req_param(r, "id"), r->auth.role == ROLE_ADMIN ? "true" : "false",
	                         r->auth.account_id};

	req_db(r, "contact_get", 3, values, answer_row);
}

static void referral_contact(struct req *r)
{
	const char *values[2] = {r->auth.node_id, req_param(r, "id")};

	req_db(r, "contact_referral", 2, values, answer_row);
}

static const struct route routes[] = {
        {"GET", "/v1/accounts/{id}/contact", get_contact, 0, ROLE_ANY, "directory:read"},
        {"PATCH", "/v1/accounts/{id}/contact", update_contact, ROUTE_BODY, ROLE_ANY,
         "directory:write"},
        {"GET", "/v1/referrals/{id}/contact", referral_contact, 0, ROLE_CASEWORKER,
         "referrals:read"},
};

API_MODULE(contact_api, "contact", routes, stmts);
