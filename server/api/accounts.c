/*
 * Accounts (admins manage them, auditors read them), integration tokens (limited to scopes of
 * their account's role, shown once), and every account's own password change, required after
 * an admin set it (docs/architecture.md, "Accounts and tokens"). Passwords are checked and
 * hashed on the job threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_json.h"
#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "http.h"
#include "jobs.h"
#include "json.h"
#include "page.h"
#include "worker.h"

/* clang-format off */
static const struct db_stmt stmts[] = {
        /*
         * actor, $5 login, $6 display name, $7 hash, $8 role, $9 node, $10 networks,
         * $11 disabled, $12 must change the password (NULL: when one is set)
         */
        {"account_create",
         "WITH a AS (INSERT INTO account (login, display_name, password_hash, role, node_id,"
         "                                network_ids, disabled, must_change_password,"
         "                                password_changed_at)"
         "           VALUES ($5, $6, $7, $8, $9::uuid, coalesce($10::uuid[], '{}'),"
         "                   coalesce($11::boolean, false),"
         "                   coalesce($12::boolean, $7::text IS NOT NULL),"
         "                   CASE WHEN $7::text IS NOT NULL THEN now() END) RETURNING *),"
         " au AS (" AUDIT_INSERT("account.create", "account", "a.id",
                                 "jsonb_build_object('login', a.login, 'role', a.role)") " FROM a)"
         "SELECT " ACCOUNT_JSON("a") ", a.version, '/v1/accounts/' || a.id FROM a"},
        /* $1 role filter, $2 $3 cursor (login, id), $4 limit + 1 */
        {"account_list",
         "SELECT " ACCOUNT_JSON(
                 "a") ", a.login, a.id::text FROM account a"
                      " WHERE ($1::text IS NULL OR a.role = $1)"
                      "   AND ($2::text IS NULL OR (a.login, a.id) > ($2::text, $3::uuid))"
                      " ORDER BY a.login, a.id LIMIT $4::int"},
        {"account_get", "SELECT " ACCOUNT_JSON("a") ", a.version FROM account a WHERE a.id = $1"},
        /*
         * actor, $5 patch (jsonb of the fields given), $6 id, $7 expected version or NULL,
         * $8 new password hash or NULL. A new password ends the account's sessions. Admins
         * cannot disable or demote themselves, so that a network never loses its last admin
         * by accident. Answers 'ok' + the account, or 'stale'/'self' when nothing changed.
         */
        {
                "account_update",
                "WITH u AS (UPDATE account SET"
                "   display_name = CASE WHEN $5::jsonb ? 'display_name' THEN "
                "$5::jsonb->>'display_name'"
                "                  ELSE display_name END,"
                "   role = CASE WHEN $5::jsonb ? 'role' THEN $5::jsonb->>'role' ELSE role END,"
                "   node_id = CASE WHEN $5::jsonb ? 'node_id' THEN ($5::jsonb->>'node_id')::uuid"
                "             ELSE node_id END,"
                "   network_ids = CASE WHEN $5::jsonb ? 'network_ids' THEN"
                "     ARRAY(SELECT jsonb_array_elements_text($5::jsonb->'network_ids'))::uuid[]"
                "     ELSE network_ids END,"
                "   disabled = CASE WHEN $5::jsonb ? 'disabled' THEN "
                "($5::jsonb->>'disabled')::boolean"
                "              ELSE disabled END,"
                "   password_hash = coalesce($8::text, password_hash),"
                /* A password an admin sets for someone else is theirs to replace. */
                "   must_change_password = CASE WHEN $5::jsonb ? 'must_change_password'"
                "     THEN ($5::jsonb->>'must_change_password')::boolean"
                "     WHEN $8::text IS NOT NULL THEN id <> $1::uuid"
                "     ELSE must_change_password END,"
                "   password_changed_at = CASE WHEN $8::text IS NOT NULL THEN now()"
                "                         ELSE password_changed_at END,"
                "   version = version + 1, updated_at = now()"
                " WHERE id = $6 AND ($7::int IS NULL OR version = $7::int)"
                "   AND NOT (id = $1::uuid AND (coalesce(($5::jsonb->>'disabled')::boolean, false)"
                "            OR coalesce($5::jsonb->>'role', 'admin') <> 'admin'))"
                " RETURNING *),"
                " ended AS (UPDATE api_token SET revoked_at = now()"
                "           WHERE account_id = $6 AND kind = 'session' AND revoked_at IS NULL"
                "             AND $8::text IS NOT NULL AND EXISTS (SELECT 1 FROM u)),"
                " au AS (" AUDIT_INSERT(
                        "account.update", "account", "u.id",
                        "jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM"
                        " jsonb_object_keys($5::jsonb) k), 'password_changed', $8::text IS NOT "
                        "NULL)") " FROM u)"
                                 "SELECT 'ok', " ACCOUNT_JSON(
                                         "u") ", u.version FROM u"
                                              " UNION ALL"
                                              " SELECT CASE WHEN $7::int IS NOT NULL AND a.version "
                                              "<> $7::int THEN 'stale' ELSE 'self' END,"
                                              "        NULL, a.version FROM account a"
                                              " WHERE a.id = $6 AND NOT EXISTS (SELECT 1 FROM u)"},
        /* $1 account: its role, which decides the scopes its tokens may hold */
        {"token_account_role", "SELECT role FROM account WHERE id = $1"},
        /*
         * actor, $5 account, $6 token hash, $7 label, $8 scopes, $9 days, $10 the role the
         * scopes were checked for: 'role_changed' when the account has another one by now
         */
        {"token_create",
         "WITH a AS (SELECT id, role FROM account WHERE id = $5),"
         " t AS (INSERT INTO api_token (account_id, token_hash, kind, label, scopes, expires_at)"
         "       SELECT a.id, $6, 'integration', $7, $8::text[],"
         "              now() + make_interval(days => $9::int)"
         "       FROM a WHERE a.role = $10 RETURNING *),"
         " au AS (" AUDIT_INSERT("token.create", "api_token", "t.id",
                                 "jsonb_build_object('account_id', t.account_id, 'scopes', "
                                 "t.scopes)") " FROM t)"
         "SELECT 'ok', json_build_object('id', t.id, 'account_id', t.account_id, 'kind', t.kind,"
         "  'label', t.label, 'scopes', t.scopes, 'created_at', t.created_at,"
         "  'expires_at', t.expires_at)::text FROM t"
         " UNION ALL SELECT 'role_changed', NULL FROM a WHERE a.role <> $10"},
        /* $1 account, $2 $3 cursor (created_at, id), $4 limit + 1 */
        {"token_list",
         "SELECT json_build_object('id', t.id, 'account_id', t.account_id, 'kind', t.kind,"
         "  'label', t.label, 'scopes', t.scopes, 'created_at', t.created_at,"
         "  'expires_at', t.expires_at, 'last_used_at', t.last_used_at,"
         "  'revoked_at', t.revoked_at)::text, t.created_at::text, t.id::text"
         " FROM api_token t WHERE t.account_id = $1"
         "   AND ($2::text IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid))"
         " ORDER BY t.created_at DESC, t.id DESC LIMIT $4::int"},
        {"token_account_exists", "SELECT 1 FROM account WHERE id = $1"},
        /* actor, $5 token, $6 whether the caller may revoke anyone's */
        {"token_revoke",
         "WITH t AS (UPDATE api_token SET revoked_at = coalesce(revoked_at, now())"
         "           WHERE id = $5 AND ($6::boolean OR account_id = $1::uuid) RETURNING id),"
         " au AS (" AUDIT_INSERT("token.revoke", "api_token", "t.id",
                                 "NULL") " FROM t)"
                                         "SELECT count(*) FROM t"},
        /*
         * $1 account, $2 client address, $3..$8 the login throttle (login_throttle_params):
         * the stored hash, the login, and the seconds the attempt is held back (NULL when it
         * is let through). A check of the current password is a login attempt: it is counted
         * as a failure before the check (login_attempt, schema/0051_login_throttle.sql).
         */
        {"account_password_lookup",
         "SELECT a.password_hash, a.login, t.retry_after"
         " FROM account a, LATERAL login_attempt(a.login, $2, $3::int, $4::int, $5::int,"
         "                                       $6::int, $7::int, $8::int) t"
         " WHERE a.id = $1"},
        /* actor: a wrong current password (counted already by account_password_lookup) */
        {"account_password_failed",
         "WITH au AS (" AUDIT_INSERT("account.password_change_failed", "account", "$1::uuid",
                                     "NULL") ")"
         "SELECT 1"},
        /*
         * actor, $5 the hash the current password was checked against, $6 the new hash,
         * $7 the caller's session: the account's other sessions end. No row: the password
         * changed in the meantime.
         */
        {"account_password_change",
         "WITH u AS (UPDATE account SET password_hash = $6, must_change_password = false,"
         "             password_changed_at = now(), version = version + 1, updated_at = now()"
         "           WHERE id = $1::uuid AND password_hash = $5 RETURNING *),"
         " ended AS (UPDATE api_token SET revoked_at = now()"
         "           WHERE account_id = $1::uuid AND kind = 'session' AND revoked_at IS NULL"
         "             AND id <> $7::uuid AND EXISTS (SELECT 1 FROM u)),"
         /* as a successful login does: this address's failures go, the address is known */
         " cleared AS (DELETE FROM login_failure f USING u"
         "             WHERE f.login = u.login AND f.client_addr = $4),"
         " known AS (INSERT INTO login_known_address (login, client_addr)"
         "           SELECT u.login, $4 FROM u ON CONFLICT (login, client_addr)"
         "           DO UPDATE SET last_success_at = now()),"
         " au AS (" AUDIT_INSERT("account.password_change", "account", "u.id", "NULL") " FROM u)"
         "SELECT " ACCOUNT_JSON("u") ", u.version FROM u"},
};
/* clang-format on */

static const char *const role_names[] = {"admin", "coordinator", "caseworker", "auditor", NULL};

/* clang-format off */
#define ACCOUNT_FIELDS_COMMON                                                                      \
	{"display_name", JF_STRING, 0, 1, 200},                                                    \
	{"role", JF_ENUM, 0, 0, 0, role_names},                                                    \
	{"node_id", JF_UUID, JF_NULLABLE},                                                         \
	{"network_ids", JF_UUID_ARRAY, 0, 0, 100},                                                 \
	{"disabled", JF_BOOLEAN, 0},                                                               \
	{"password", JF_STRING, 0, 12, 1024},                                                      \
	{"must_change_password", JF_BOOLEAN, 0}
/* clang-format on */

static const struct json_field create_fields[] = {
        {"login", JF_LOGIN, JF_REQUIRED},
        ACCOUNT_FIELDS_COMMON,
};

static const struct json_field update_fields[] = {
        ACCOUNT_FIELDS_COMMON,
};

static const struct json_field token_fields[] = {
        {"label", JF_STRING, JF_REQUIRED, 1, 100},
        {"scopes", JF_STRING_ARRAY, JF_REQUIRED, 1, 20},
        {"expires_in_days", JF_INTEGER, 0, 1, 730},
};

/* Work for one account write: the password is hashed off the loop before the statement runs. */
struct account_write {
	struct req *r;
	char *password;
	char hash[CRYPTO_PASSWORD_HASH_MAX];
	int hash_rc;
	long expected_version; /* 0: no If-Match */
	void (*next)(struct account_write *w);
};

static void account_write_free(void *p)
{
	struct account_write *w = p;

	if (w->password) {
		memset(w->password, 0, strlen(w->password));
		free(w->password);
	}
	free(w);
}

static void hash_password(void *arg)
{
	struct account_write *w = arg;

	w->hash_rc = crypto_password_hash(w->password, (unsigned)cfg.scrypt_log_n, w->hash,
	                                  sizeof(w->hash));
}

static void on_hashed(void *arg)
{
	struct account_write *w = arg;

	if (w->hash_rc < 0) {
		http_problem(w->r, 500, "internal", "Internal error",
		             "Hashing the password failed.");
		return;
	}
	w->next(w);
}

/*
 * Run w->next, hashing the body's password first when there is one. next may run (and answer)
 * before this returns: everything it needs is set here, not afterwards.
 */
static void account_write_start(struct req *r, long expected_version,
                                void (*next)(struct account_write *w))
{
	struct account_write *w = xcalloc(1, sizeof(*w));
	const char *password = json_get_string(r->json, "password");

	w->r = r;
	w->expected_version = expected_version;
	w->next = next;
	r->ctx = w;
	r->ctx_free = account_write_free;
	if (!password) {
		next(w);
		return;
	}
	w->password = xstrdup(password);
	if (!jobs_submit(r->worker, hash_password, on_hashed, w))
		http_shutting_down(r);
}

/* The role rules that make an account usable, checked for the state after the write. */
static void check_role_rules(const char *role, const json_t *node, const json_t *networks,
                             json_t *errors)
{
	bool has_node = node && !json_is_null(node);
	bool has_networks = networks && json_array_size(networks) > 0;

	if (!role)
		return;
	if (!strcmp(role, "caseworker") && !has_node)
		json_add_error(errors, "node_id", JSON_CODE_REQUIRED,
		               "a caseworker needs the node they work for");
	if (strcmp(role, "caseworker") && has_node)
		json_add_error(errors, "node_id", "not_allowed",
		               "only caseworkers belong to a node");
	if (strcmp(role, "coordinator") && has_networks)
		json_add_error(errors, "network_ids", "not_allowed",
		               "only coordinators coordinate networks");
}

static void create_run(struct account_write *w)
{
	struct req *r = w->r;
	json_t *networks = json_object_get(r->json, "network_ids");
	json_t *disabled = json_object_get(r->json, "disabled");
	json_t *must_change = json_object_get(r->json, "must_change_password");
	char *networks_text = NULL;
	const char *values[ACTOR_PARAMS + 8];

	if (networks) {
		/* A JSON array of uuids reads as a PostgreSQL array once the brackets are braces.
		 */
		networks_text = json_dumps(networks, JSON_COMPACT);
		networks_text[0] = '{';
		networks_text[strlen(networks_text) - 1] = '}';
	}
	req_actor(r, values);
	values[4] = json_get_string(r->json, "login");
	values[5] = json_get_string(r->json, "display_name");
	values[6] = w->password ? w->hash : NULL;
	values[7] = json_get_string(r->json, "role");
	values[8] = json_get_string(r->json, "node_id");
	values[9] = networks_text;
	values[10] = disabled ? (json_is_true(disabled) ? "true" : "false") : NULL;
	values[11] = must_change ? (json_is_true(must_change) ? "true" : "false") : NULL;
	req_db(r, "account_create", 12, values, answer_created);
	free(networks_text);
}

static void create_account(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));

	if (!json_object_get(r->json, "display_name"))
		json_add_error(errors, "display_name", JSON_CODE_REQUIRED, "is required");
	if (!json_object_get(r->json, "role"))
		json_add_error(errors, "role", JSON_CODE_REQUIRED, "is required");
	if (!json_object_get(r->json, "password"))
		json_add_error(errors, "password", JSON_CODE_REQUIRED,
		               "is required (at least 12 characters)");
	if (!json_array_size(errors))
		check_role_rules(json_get_string(r->json, "role"),
		                 json_object_get(r->json, "node_id"),
		                 json_object_get(r->json, "network_ids"), errors);
	if (answer_invalid(r, errors))
		return;
	account_write_start(r, 0, create_run);
}

static void list_accounts(struct req *r)
{
	static const char *const allowed[] = {"role", NULL};
	/* The query is read before answer_page_begin, which may answer (and free r). */
	const char *role = req_query(r, "role");
	struct page *p = answer_page_begin(r, 2, allowed);
	const char *values[4];
	json_t *errors;

	if (!p)
		return;
	errors = json_array();
	if (role && !auth_role_bit(role))
		json_add_error(errors, "role", JSON_CODE_NOT_IN_LIST,
		               "must be admin, coordinator, caseworker or auditor");
	if (answer_bad_queries(r, errors, "Unknown role."))
		return;
	values[0] = role;
	values[1] = page_key(p, 0);
	values[2] = page_key(p, 1);
	values[3] = p->limit_text;
	req_db(r, "account_list", 4, values, answer_page);
}

static void get_account(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	req_db(r, "account_get", 1, values, answer_row);
}

static void on_updated(void *arg, const struct db_result *res)
{
	if (answer_outcome_is(res, "self")) {
		http_problem(
		        arg, 409, "self-lockout", "Conflict",
		        "You cannot disable your own account or take away your own admin role.");
		return;
	}
	answer_write(arg, res, "account", NULL);
}

static void update_run(struct account_write *w)
{
	struct req *r = w->r;
	json_t *patch = json_deep_copy(r->json);
	char *patch_text, version[24];
	const char *values[ACTOR_PARAMS + 4];

	json_object_del(patch, "password");
	patch_text = json_dumps(patch, JSON_COMPACT);
	json_decref(patch);
	snprintf(version, sizeof(version), "%ld", w->expected_version);
	req_actor(r, values);
	values[4] = patch_text;
	values[5] = req_param(r, "id");
	values[6] = w->expected_version ? version : NULL;
	values[7] = w->password ? w->hash : NULL;
	req_db(r, "account_update", 8, values, on_updated);
	free(patch_text);
}

static void update_account(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	long version = 0;
	int if_match;

	/* Role rules need the stored account; the database checks them (account_*_role). */
	if (answer_invalid(r, errors))
		return;
	if_match = req_if_match(r, &version);
	if (if_match < 0)
		return;
	account_write_start(r, if_match ? version : 0, update_run);
}

/* Integration tokens */

struct token_ctx {
	char token[CRYPTO_TOKEN_LEN + 1];
	char role[16]; /* the account's role the scopes were checked for */
};

static void on_token_created(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct token_ctx *t = r->ctx;
	json_t *body;

	if (!answer_found(r, res))
		return;
	if (!strcmp(PQgetvalue(res->pg, 0, 0), "role_changed")) {
		http_problem(r, 409, "conflict", "Conflict",
		             "The account's role changed while the token was made; try again.");
		return;
	}
	body = json_loads(PQgetvalue(res->pg, 0, 1), 0, NULL);
	json_object_set_new(body, "token", json_string(t->token));
	http_reply_json(r, 201, body);
}

/* Whether scope is one of the NULL-terminated list. */
static bool scope_in(const char *const *list, const char *scope)
{
	for (; *list; list++)
		if (!strcmp(*list, scope))
			return true;
	return false;
}

/* The account's role is known: its scopes decide which the token may hold. */
static void on_token_account(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct token_ctx *t = r->ctx;
	json_t *scopes = json_object_get(r->json, "scopes"), *errors, *item;
	const char *const *allowed;
	char hash[CRYPTO_SHA256_HEX_LEN + 1], days[16], *scopes_text;
	const char *values[ACTOR_PARAMS + 6];
	size_t i;

	if (!answer_found(r, res))
		return;
	snprintf(t->role, sizeof(t->role), "%s", PQgetvalue(res->pg, 0, 0));
	allowed = auth_role_scopes(auth_role_bit(t->role));
	errors = json_array();
	if (!*allowed)
		json_add_error(errors, "account_id", "admin_no_tokens",
		               "admins get no integration tokens: give the task an account of its "
		               "own (a coordinator, auditor or caseworker)");
	else
		json_array_foreach(scopes, i, item) {
			if (!scope_in(allowed, json_string_value(item))) {
				char field[32], message[64];
				snprintf(field, sizeof(field), "scopes[%zu]", i);
				snprintf(message, sizeof(message),
				         "is not among the scopes of the role %s", t->role);
				json_add_error(errors, field, "scope_not_of_role", message);
			}
		}
	if (answer_invalid(r, errors))
		return;
	if (crypto_token_new(t->token) < 0) {
		http_problem(r, 500, "internal", "Internal error", "No randomness for a token.");
		return;
	}
	crypto_sha256_hex(t->token, strlen(t->token), hash);
	snprintf(days, sizeof(days), "%lld",
	         json_object_get(r->json, "expires_in_days")
	                 ? json_integer_value(json_object_get(r->json, "expires_in_days"))
	                 : 365LL);
	scopes_text = json_dumps(scopes, JSON_COMPACT);
	scopes_text[0] = '{';
	scopes_text[strlen(scopes_text) - 1] = '}';
	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = hash;
	values[6] = json_get_string(r->json, "label");
	values[7] = scopes_text;
	values[8] = days;
	values[9] = t->role;
	req_db(r, "token_create", 10, values, on_token_created);
	free(scopes_text);
}

static void create_token(struct req *r)
{
	json_t *errors = answer_check_body(r, token_fields, ARRAY_SIZE(token_fields));
	json_t *scopes, *item;
	const char *values[1] = {req_param(r, "id")};
	size_t i;

	scopes = json_object_get(r->json, "scopes");
	json_array_foreach(scopes, i, item) {
		if (json_is_string(item) && !scope_in(auth_scopes, json_string_value(item))) {
			char field[32];
			snprintf(field, sizeof(field), "scopes[%zu]", i);
			json_add_error(errors, field, JSON_CODE_NOT_IN_LIST,
			               "is not a known scope");
		}
	}
	if (answer_invalid(r, errors))
		return;
	r->ctx = xcalloc(1, sizeof(struct token_ctx));
	r->ctx_free = free;
	req_db(r, "token_account_role", 1, values, on_token_account);
}

static void on_token_owner(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct page *p = r->ctx;
	const char *values[4];

	if (!answer_found(r, res))
		return;
	values[0] = req_param(r, "id");
	values[1] = page_key(p, 0);
	values[2] = page_key(p, 1);
	values[3] = p->limit_text;
	req_db(r, "token_list", 4, values, answer_page);
}

static void list_tokens(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	if (!answer_page_begin(r, 2, NULL))
		return;
	req_db(r, "token_account_exists", 1, values, on_token_owner);
}

static void revoke_token(struct req *r)
{
	const char *values[ACTOR_PARAMS + 2];

	req_actor(r, values);
	values[4] = req_param(r, "id");
	values[5] = r->auth.role == ROLE_ADMIN ? "true" : "false";
	req_db(r, "token_revoke", 6, values, answer_no_content);
}

/* POST /v1/me/password: the owner's own password, checked and hashed on the job threads. */

static const struct json_field password_fields[] = {
        {"current_password", JF_STRING, JF_REQUIRED, 1, 1024},
        {"new_password", JF_STRING, JF_REQUIRED, 12, 1024},
};

struct password_change {
	struct req *r;
	char *current;
	char *fresh;
	char *stored; /* the hash current is checked against */
	char *login;
	bool matched;
	char hash[CRYPTO_PASSWORD_HASH_MAX];
	int hash_rc;
};

/* A password should not linger in freed memory. */
static void free_secret(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static void password_change_free(void *p)
{
	struct password_change *c = p;

	free_secret(c->current);
	free_secret(c->fresh);
	free(c->stored);
	free(c->login);
	free(c);
}

/* On a job thread: check the current password, and hash the new one when it matches. */
static void check_and_hash(void *arg)
{
	struct password_change *c = arg;

	c->matched = crypto_password_verify(c->current, c->stored) == 0;
	if (c->matched)
		c->hash_rc = crypto_password_hash(c->fresh, (unsigned)cfg.scrypt_log_n, c->hash,
		                                  sizeof(c->hash));
}

static void on_password_changed(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status == DB_OK && PQntuples(res->pg) == 0) {
		http_problem(r, 409, "conflict", "Conflict",
		             "Your password was changed in the meantime; sign in again.");
		return;
	}
	answer_row(r, res);
}

static void on_wrong_password(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	json_t *errors;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	errors = json_array();
	json_add_error(errors, "current_password", "wrong_password",
	               "is not your current password");
	http_invalid(r, errors);
}

static void on_password_checked(void *arg)
{
	struct password_change *c = arg;
	struct req *r = c->r;
	const char *values[ACTOR_PARAMS + 3];

	req_actor(r, values);
	if (!c->matched) {
		req_db(r, "account_password_failed", ACTOR_PARAMS, values, on_wrong_password);
		return;
	}
	if (c->hash_rc < 0) {
		http_problem(r, 500, "internal", "Internal error", "Hashing the password failed.");
		return;
	}
	values[4] = c->stored;
	values[5] = c->hash;
	values[6] = r->auth.token_id;
	req_db(r, "account_password_change", 7, values, on_password_changed);
}

static void on_password_lookup(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct password_change *c = r->ctx;
	json_t *errors;

	if (!answer_found(r, res))
		return;
	if (!PQgetisnull(res->pg, 0, 2)) {
		http_header(r, "Retry-After", PQgetvalue(res->pg, 0, 2));
		http_problem(r, 429, "too-many-attempts", "Too many failed attempts",
		             "Too many wrong passwords for this login; try again in %s seconds.",
		             PQgetvalue(res->pg, 0, 2));
		return;
	}
	if (PQgetisnull(res->pg, 0, 0)) {
		errors = json_array();
		json_add_error(errors, "current_password", "wrong_password",
		               "is not your current password");
		http_invalid(r, errors);
		return;
	}
	/* scrypt is slow on purpose: checks must not queue without end (as logins). */
	if (jobs_pending() >= (size_t)cfg.login_queue_max) {
		http_header(r, "Retry-After", "1");
		http_problem(r, 503, "busy", "Too busy",
		             "Too many password checks at once; try again in a moment.");
		return;
	}
	c->stored = xstrdup(PQgetvalue(res->pg, 0, 0));
	c->login = xstrdup(PQgetvalue(res->pg, 0, 1));
	if (!jobs_submit(r->worker, check_and_hash, on_password_checked, c))
		http_shutting_down(r);
}

static void change_password(struct req *r)
{
	json_t *errors = answer_check_body(r, password_fields, ARRAY_SIZE(password_fields));
	const char *current = json_get_string(r->json, "current_password");
	const char *fresh = json_get_string(r->json, "new_password");
	struct password_change *c;
	char numbers[LOGIN_THROTTLE_PARAMS][24];
	const char *values[2 + LOGIN_THROTTLE_PARAMS];

	if (current && fresh && !strcmp(current, fresh))
		json_add_error(errors, "new_password", "same_password",
		               "must differ from the current password");
	if (answer_invalid(r, errors))
		return;
	c = xcalloc(1, sizeof(*c));
	c->r = r;
	c->current = xstrdup(current);
	c->fresh = xstrdup(fresh);
	r->ctx = c;
	r->ctx_free = password_change_free;
	values[0] = r->auth.account_id;
	values[1] = r->client_addr;
	login_throttle_params(numbers, values + 2);
	req_db(r, "account_password_lookup", (int)ARRAY_SIZE(values), values, on_password_lookup);
}

static const struct route routes[] = {
        {"POST", "/v1/accounts", create_account, ROUTE_BODY, ROLE_ADMIN},
        {"GET", "/v1/accounts", list_accounts, 0, ROLE_ADMIN | ROLE_AUDITOR},
        {"GET", "/v1/accounts/{id}", get_account, 0, ROLE_ADMIN | ROLE_AUDITOR},
        {"PATCH", "/v1/accounts/{id}", update_account, ROUTE_BODY, ROLE_ADMIN},
        {"POST", "/v1/accounts/{id}/tokens", create_token, ROUTE_BODY, ROLE_ADMIN},
        {"GET", "/v1/accounts/{id}/tokens", list_tokens, 0, ROLE_ADMIN},
        {"DELETE", "/v1/tokens/{id}", revoke_token, 0, ROLE_ANY},
        {"POST", "/v1/me/password", change_password, ROUTE_BODY, ROLE_ANY},
};

API_MODULE(accounts_api, "accounts", routes, stmts);
