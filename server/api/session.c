/*
 * Logging in and out, and "who am I". Password checks run on the job threads (scrypt is
 * slow by design); failed logins are counted in the database so that every pnetd instance
 * throttles the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_json.h"
#include "audit_sql.h"
#include "api.h"
#include "config.h"
#include "crypto.h"
#include "http.h"
#include "jobs.h"
#include "json.h"
#include "worker.h"

#include <event2/event.h>

static const struct db_stmt stmts[] = {
        /* $1 login, $2 client address, $3 window minutes, $4 limit per login, $5 limit per address:
         * seconds until the throttle lifts (NULL when not throttled), and the account. */
        {"session_lookup", "SELECT"
                           " (SELECT greatest(1, ceil(extract(epoch FROM f.at + make_interval(mins "
                           "=> $3::int) - now())))::int"
                           "    FROM login_failure f WHERE f.login = $1 AND f.at > now() - "
                           "make_interval(mins => $3::int)"
                           "    ORDER BY f.at DESC OFFSET $4::int - 1 LIMIT 1),"
                           " (SELECT greatest(1, ceil(extract(epoch FROM f.at + make_interval(mins "
                           "=> $3::int) - now())))::int"
                           "    FROM login_failure f WHERE f.client_addr = $2 AND f.at > now() - "
                           "make_interval(mins => $3::int)"
                           "    ORDER BY f.at DESC OFFSET $5::int - 1 LIMIT 1),"
                           " a.id, a.password_hash, a.disabled"
                           " FROM (SELECT 1) one LEFT JOIN account a ON a.login = $1"},
        /* actor $1..$4 (account, node, request id, client), $5 token hash, $6 hours, $7 login */
        {"session_create",
         "WITH t AS (INSERT INTO api_token (account_id, token_hash, kind, expires_at)"
         "           VALUES ($1, $5, 'session', now() + make_interval(hours => $6::int))"
         "           RETURNING id, expires_at),"
         " cleared AS (DELETE FROM login_failure WHERE login = $7),"
         " au AS (" AUDIT_INSERT("auth.login", "api_token", "t.id",
                                 "NULL") " FROM t)"
                                         "SELECT to_json(t.expires_at)#>>'{}', " ACCOUNT_JSON(
                                                 "a") " FROM t, account a WHERE a.id = $1"},
        /* actor, $5 login; $1 is the account when the login exists */
        {"session_failed",
         "WITH f AS (INSERT INTO login_failure (login, client_addr) VALUES ($5, $4)),"
         " old AS (DELETE FROM login_failure WHERE (login = $5 OR client_addr = $4)"
         "         AND at < now() - interval '1 day'),"
         " au AS (" AUDIT_INSERT("auth.login_failed", "account", "$1::uuid",
                                 "jsonb_build_object('login', $5::text)") ")"
                                                                          "SELECT 1"},
        /* actor, $5 token id */
        {"session_revoke",
         "WITH t AS (UPDATE api_token SET revoked_at = now() WHERE id = $5 AND revoked_at IS NULL"
         "           RETURNING id),"
         " au AS (" AUDIT_INSERT("auth.logout", "api_token", "t.id",
                                 "NULL") " FROM t)"
                                         "SELECT count(*) FROM t"},
        {"session_me",
         "SELECT json_build_object('account', " ACCOUNT_JSON(
                 "a") "::json, 'token',"
                      " json_build_object('id', t.id, 'kind', t.kind, 'label', t.label, 'scopes', "
                      "t.scopes,"
                      "                   'created_at', t.created_at, 'expires_at', t.expires_at))"
                      " FROM api_token t JOIN account a ON a.id = t.account_id WHERE t.id = $1"},
};

static const struct json_field login_fields[] = {
        {"login", JF_STRING, JF_REQUIRED, 1, 64},
        {"password", JF_STRING, JF_REQUIRED, 1, 1024},
};

struct login {
	struct req *r;
	char *login;
	char *password;
	char *hash; /* NULL when there is no usable account */
	char account_id[37];
	bool matched;
	char token[CRYPTO_TOKEN_LEN + 1];
};

static void login_free(void *p)
{
	struct login *l = p;

	if (l->password) {
		/* The password should not linger in freed memory. */
		memset(l->password, 0, strlen(l->password));
		free(l->password);
	}
	free(l->login);
	free(l->hash);
	free(l);
}

static void on_session_created(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct login *l = r->ctx;
	json_t *account;

	if (res->status != DB_OK || PQntuples(res->pg) != 1) {
		http_db_failed(r, res);
		return;
	}
	account = json_loads(PQgetvalue(res->pg, 0, 1), 0, NULL);
	http_reply_json(r, 201,
	                json_pack("{s:s, s:s, s:o}", "token", l->token, "expires_at",
	                          PQgetvalue(res->pg, 0, 0), "account", account));
}

static void on_failure_recorded(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	http_problem(r, 401, "login-failed", "Login failed", "The login or the password is wrong.");
}

/* On a job thread: the slow part. Without an account, hash anyway so timing tells nothing. */
static void verify_password(void *arg)
{
	struct login *l = arg;

	if (l->hash) {
		l->matched = crypto_password_verify(l->password, l->hash) == 0;
	} else {
		char scratch[CRYPTO_PASSWORD_HASH_MAX];
		crypto_password_hash(l->password, (unsigned)cfg.scrypt_log_n, scratch,
		                     sizeof(scratch));
		l->matched = false;
	}
}

static void on_verified(void *arg)
{
	struct login *l = arg;
	struct req *r = l->r;

	if (l->matched) {
		char hash[CRYPTO_SHA256_HEX_LEN + 1], hours[16];
		const char *values[ACTOR_PARAMS + 3];

		if (crypto_token_new(l->token) < 0) {
			http_problem(r, 500, "internal", "Internal error",
			             "No randomness for a token.");
			return;
		}
		crypto_sha256_hex(l->token, strlen(l->token), hash);
		snprintf(hours, sizeof(hours), "%ld", cfg.session_hours);
		snprintf(r->auth.account_id, sizeof(r->auth.account_id), "%s", l->account_id);
		req_actor(r, values);
		values[4] = hash;
		values[5] = hours;
		values[6] = l->login;
		req_db(r, "session_create", 7, values, on_session_created);
		return;
	}
	const char *values[ACTOR_PARAMS + 1];
	req_actor(r, values);
	values[0] = l->account_id[0] ? l->account_id : NULL;
	values[4] = l->login;
	req_db(r, "session_failed", 5, values, on_failure_recorded);
}

static void on_lookup(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct login *l = r->ctx;
	PGresult *pg = res->pg;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	for (int col = 0; col < 2; col++) {
		if (!PQgetisnull(pg, 0, col)) {
			http_header(r, "Retry-After", PQgetvalue(pg, 0, col));
			http_problem(r, 429, "too-many-attempts", "Too many failed logins",
			             "Too many failed logins %s; try again in %s seconds.",
			             col == 0 ? "for this login" : "from your address",
			             PQgetvalue(pg, 0, col));
			return;
		}
	}
	if (!PQgetisnull(pg, 0, 2)) {
		snprintf(l->account_id, sizeof(l->account_id), "%s", PQgetvalue(pg, 0, 2));
		/* A disabled account or one without a password cannot log in: same answer as a
		 * typo. */
		if (!PQgetisnull(pg, 0, 3) && strcmp(PQgetvalue(pg, 0, 4), "t") != 0)
			l->hash = xstrdup(PQgetvalue(pg, 0, 3));
	}
	/* scrypt is slow on purpose: a flood of logins must not queue without end. */
	if (jobs_pending() >= (size_t)cfg.login_queue_max) {
		http_header(r, "Retry-After", "1");
		http_problem(r, 503, "busy", "Too busy",
		             "Too many logins at once; try again in a moment.");
		return;
	}
	if (!jobs_submit(r->worker, verify_password, on_verified, l))
		http_shutting_down(r);
}

static void login(struct req *r)
{
	json_t *errors = json_array();
	struct login *l;
	char window[16], per_login[16], per_addr[16];
	const char *values[5];

	if (json_check_object(r->json, login_fields, ARRAY_SIZE(login_fields), NULL, errors)) {
		http_problem_errors(r, 400, "validation", "Invalid login request",
		                    "Send {\"login\": ..., \"password\": ...}.", errors);
		return;
	}
	json_decref(errors);
	l = xcalloc(1, sizeof(*l));
	l->r = r;
	l->login = xstrdup(json_get_string(r->json, "login"));
	l->password = xstrdup(json_get_string(r->json, "password"));
	r->ctx = l;
	r->ctx_free = login_free;
	snprintf(window, sizeof(window), "%ld", cfg.login_window_minutes);
	snprintf(per_login, sizeof(per_login), "%ld", cfg.login_max_failures);
	snprintf(per_addr, sizeof(per_addr), "%ld", cfg.login_max_failures_per_addr);
	values[0] = l->login;
	values[1] = r->client_addr;
	values[2] = window;
	values[3] = per_login;
	values[4] = per_addr;
	req_db(r, "session_lookup", 5, values, on_lookup);
}

static void on_revoked(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	http_reply_json(r, 204, NULL);
}

static void logout(struct req *r)
{
	const char *values[ACTOR_PARAMS + 1];

	req_actor(r, values);
	values[4] = r->auth.token_id;
	req_db(r, "session_revoke", 5, values, on_revoked);
}

static void on_me(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK || PQntuples(res->pg) != 1) {
		http_db_failed(r, res);
		return;
	}
	http_reply_json_text(r, 200, PQgetvalue(res->pg, 0, 0), 0);
}

static void me(struct req *r)
{
	const char *values[1] = {r->auth.token_id};

	req_db(r, "session_me", 1, values, on_me);
}

static const struct route routes[] = {
        {"POST", "/v1/auth/login", login, ROUTE_PUBLIC | ROUTE_BODY},
        {"POST", "/v1/auth/logout", logout, 0},
        {"GET", "/v1/me", me, 0},
};

API_MODULE(auth_api, "auth", routes, stmts);
