/*
 * Accounts (admins manage them, auditors read them), integration tokens (limited to scopes of
 * their account's role, shown once), and every account's own password change, required after
 * an admin set it (docs/architecture.md, "Accounts and tokens"). Passwords are checked and
 * hashed on the job threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts_sql.h"
#include "answer.h"
#include "api.h"
#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "http.h"
#include "jobs.h"
#include "json.h"
#include "page.h"
#include "token_cache.h"
#include "worker.h"

static const char *const role_names[] = {"admin", "coordinator", "caseworker", "auditor", NULL};

/* clang-format off */
#define ACCOUNT_FIELDS_COMMON                                                                      \
	{"display_name", JF_STRING, 0, 1, 200},                                                    \
	{"role", JF_ENUM, 0, 0, 0, role_names},                                                    \
	{"node_id", JF_UUID, JF_NULLABLE},                                                         \
	{"network_ids", JF_UUID_ARRAY, 0, 0, 100},                                                 \
	{"disabled", JF_BOOLEAN, 0},                                                               \
	{"password", JF_STRING, 0, CRYPTO_PASSWORD_MIN, CRYPTO_PASSWORD_MAX},                      \
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
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "login", json_get_string(r->json, "login"));
	params_text(&p, "display_name", json_get_string(r->json, "display_name"));
	params_text(&p, "password_hash", w->password ? w->hash : NULL);
	params_text(&p, "role", json_get_string(r->json, "role"));
	params_text(&p, "node_id", json_get_string(r->json, "node_id"));
	params_array(&p, "network_ids", json_object_get(r->json, "network_ids"));
	params_json_bool(&p, "disabled", json_object_get(r->json, "disabled"));
	params_json_bool(&p, "must_change_password",
	                 json_object_get(r->json, "must_change_password"));
	req_run(r, &sql_account_create, &p, answer_write);
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
	struct params params = {0};
	json_t *errors;

	if (!p)
		return;
	errors = json_array();
	if (role && !auth_role_bit(role))
		json_add_error(errors, "role", JSON_CODE_NOT_IN_LIST,
		               "must be admin, coordinator, caseworker or auditor");
	if (answer_bad_queries(r, errors, "Unknown role."))
		return;
	params_text(&params, "role", role);
	params_page(&params, p);
	req_run(r, &sql_account_list, &params, answer_page);
}

static void get_account(struct req *r)
{
	struct params p = {0};

	params_text(&p, "id", req_param(r, "id"));
	req_run(r, &sql_account_get, &p, answer_row);
}

/*
 * After a write that may revoke tokens or change what a token check says of an account: this
 * process forgets the checks it kept at once, other processes when pnet_auth tells them
 * (token_cache.h).
 */
static void answer_auth_write(void *arg, const struct db_result *res)
{
	if (res->status == DB_OK)
		token_cache_invalidate();
	answer_write(arg, res);
}

static void update_run(struct account_write *w)
{
	struct req *r = w->r;
	json_t *patch = json_deep_copy(r->json);
	struct params p = {0};

	/* The password goes as its hash, never into the patch. */
	json_object_del(patch, "password");
	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	if (w->expected_version)
		params_long(&p, "expected_version", w->expected_version);
	else
		params_text(&p, "expected_version", NULL);
	params_json(&p, "patch", patch);
	params_text(&p, "password_hash", w->password ? w->hash : NULL);
	req_run(r, &sql_account_update, &p, answer_auth_write);
	json_decref(patch);
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
	body = json_loads(answer_column(res, "body"), 0, NULL);
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
	char hash[CRYPTO_SHA256_HEX_LEN + 1];
	struct params p = {0};
	size_t i;

	if (!answer_found(r, res))
		return;
	snprintf(t->role, sizeof(t->role), "%s", answer_column(res, "role"));
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
	req_actor(r, &p);
	params_text(&p, "account", req_param(r, "id"));
	params_text(&p, "token_hash", hash);
	params_text(&p, "label", json_get_string(r->json, "label"));
	params_array(&p, "scopes", scopes);
	params_long(&p, "days",
	            json_object_get(r->json, "expires_in_days")
	                    ? json_integer_value(json_object_get(r->json, "expires_in_days"))
	                    : 365LL);
	params_text(&p, "role", t->role);
	req_run(r, &sql_token_create, &p, on_token_created);
}

static void create_token(struct req *r)
{
	json_t *errors = answer_check_body(r, token_fields, ARRAY_SIZE(token_fields));
	json_t *scopes;
	struct params p = {0};

	scopes = json_object_get(r->json, "scopes");
	json_check_string_items(scopes, "scopes", auth_scopes, errors);
	if (answer_invalid(r, errors))
		return;
	r->ctx = xcalloc(1, sizeof(struct token_ctx));
	r->ctx_free = free;
	params_text(&p, "account", req_param(r, "id"));
	req_run(r, &sql_token_account_role, &p, on_token_account);
}

static void on_token_owner(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct params p = {0};

	if (!answer_found(r, res))
		return;
	params_text(&p, "account", req_param(r, "id"));
	params_page(&p, r->ctx);
	req_run(r, &sql_token_list, &p, answer_page);
}

static void list_tokens(struct req *r)
{
	struct params p = {0};

	if (!answer_page_begin(r, 2, NULL))
		return;
	params_text(&p, "account", req_param(r, "id"));
	req_run(r, &sql_token_account_exists, &p, on_token_owner);
}

static void revoke_token(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "id", req_param(r, "id"));
	params_bool(&p, "anyones", r->auth.role == ROLE_ADMIN);
	req_run(r, &sql_token_revoke, &p, answer_auth_write);
}

/* POST /v1/me/password: the owner's own password, checked and hashed on the job threads. */

static const struct json_field password_fields[] = {
        {"current_password", JF_STRING, JF_REQUIRED, 1, CRYPTO_PASSWORD_MAX},
        {"new_password", JF_STRING, JF_REQUIRED, CRYPTO_PASSWORD_MIN, CRYPTO_PASSWORD_MAX},
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

	if (res->status == DB_OK)
		token_cache_invalidate();

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
	struct params p = {0};

	if (!c->matched) {
		req_actor(r, &p);
		req_run(r, &sql_account_password_failed, &p, on_wrong_password);
		return;
	}
	if (c->hash_rc < 0) {
		http_problem(r, 500, "internal", "Internal error", "Hashing the password failed.");
		return;
	}
	req_actor(r, &p);
	params_text(&p, "checked_hash", c->stored);
	params_text(&p, "new_hash", c->hash);
	params_text(&p, "session", r->auth.token_id);
	req_run(r, &sql_account_password_change, &p, on_password_changed);
}

static void on_password_lookup(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct password_change *c = r->ctx;
	json_t *errors;

	const char *retry_after = answer_column(res, "retry_after");

	if (!answer_found(r, res))
		return;
	if (retry_after) {
		http_header(r, "Retry-After", retry_after);
		http_problem(r, 429, "too-many-attempts", "Too many failed attempts",
		             "Too many wrong passwords for this login; try again in %s seconds.",
		             retry_after);
		return;
	}
	if (!answer_column(res, "password_hash")) {
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
	c->stored = xstrdup(answer_column(res, "password_hash"));
	c->login = xstrdup(answer_column(res, "login"));
	if (!jobs_submit(r->worker, check_and_hash, on_password_checked, c))
		http_shutting_down(r);
}

static void change_password(struct req *r)
{
	json_t *errors = answer_check_body(r, password_fields, ARRAY_SIZE(password_fields));
	const char *current = json_get_string(r->json, "current_password");
	const char *fresh = json_get_string(r->json, "new_password");
	struct password_change *c;
	struct params p = {0};

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
	params_text(&p, "account", r->auth.account_id);
	params_text(&p, "client_addr", r->client_addr);
	login_throttle_params(&p);
	req_run(r, &sql_account_password_lookup, &p, on_password_lookup);
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

API_MODULE(accounts_api, "accounts", routes, accounts_sql);
