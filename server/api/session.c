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
        /* $1 login, $2 client address, $3 window minutes, $4 free failures, $5 longest delay,
         * $6 bound per login, $7 bound per address, $8 known days: either held back (seconds
         * and why) or let through, the attempt already counted as a failure (login_attempt,
         * schema/0051_login_throttle.sql), with the account. */
        {"session_attempt",
         "SELECT retry_after, reason, attempt_id, account_id, password_hash, disabled"
         " FROM login_attempt($1, $2, $3::int, $4::int, $5::int, $6::int, $7::int, $8::int)"},
        /* actor $1..$4 (account, node, request id, client), $5 token hash, $6 hours, $7 login,
         * $8 known days: the token; the failures of this login from this address (the attempt
         * itself among them) are cleared and the address is known for the login from now on. */
        {"session_create",
         "WITH t AS (INSERT INTO api_token (account_id, token_hash, kind, expires_at)"
         "           VALUES ($1, $5, 'session', now() + make_interval(hours => $6::int))"
         "           RETURNING id, expires_at),"
         " cleared AS (DELETE FROM login_failure WHERE login = $7 AND client_addr = $4),"
         " known AS (INSERT INTO login_known_address (login, client_addr) VALUES ($7, $4)"
         "           ON CONFLICT (login, client_addr) DO UPDATE SET last_success_at = now()),"
         " forgotten AS (DELETE FROM login_known_address WHERE login = $7 AND client_addr <> $4"
         "               AND last_success_at < now() - make_interval(days => $8::int)),"
         " au AS (" AUDIT_INSERT("auth.login", "api_token", "t.id",
                                 "NULL") " FROM t)"
                                         "SELECT to_json(t.expires_at)#>>'{}', " ACCOUNT_JSON(
                                                 "a") " FROM t, account a WHERE a.id = $1"},
        /* actor, $5 login; $1 is the account when the login exists. The failure itself was
         * recorded by session_attempt, before the check. */
        {"session_failed",
         "WITH old AS (DELETE FROM login_failure WHERE (login = $5 OR client_addr = $4)"
         "             AND at < now() - interval '1 day'),"
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
		char hash[CRYPTO_SHA256_HEX_LEN + 1], hours[16], known_days[16];
		const char *values[ACTOR_PARAMS + 4];

		if (crypto_token_new(l->token) < 0) {
			http_problem(r, 500, "internal", "Internal error",
			             "No randomness for a token.");
			return;
		}
		crypto_sha256_hex(l->token, strlen(l->token), hash);
		snprintf(hours, sizeof(hours), "%ld", cfg.session_hours);
		snprintf(known_days, sizeof(known_days), "%ld", cfg.login_known_days);
		snprintf(r->auth.account_id, sizeof(r->auth.account_id), "%s", l->account_id);
		req_actor(r, values);
		values[4] = hash;
		values[5] = hours;
		values[6] = l->login;
		values[7] = known_days;
		req_db(r, "session_create", 8, values, on_session_created);
		return;
	}
	const char *values[ACTOR_PARAMS + 1];
	req_actor(r, values);
	values[0] = l->account_id[0] ? l->account_id : NULL;
	values[4] = l->login;
	req_db(r, "session_failed", 5, values, on_failure_recorded);
}

/* Why an attempt was held back (login_attempt's reason), for the problem's detail. */
static const char *held_back_because(const char *reason)
{
	if (!strcmp(reason, "pair"))
		return "Too many failed logins for this login from your address";
	if (!strcmp(reason, "login"))
		return "Too many failed logins for this login";
	return "Too many failed logins from your address";
}

static void on_attempt(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct login *l = r->ctx;
	PGresult *pg = res->pg;

	if (res->status != DB_OK || PQntuples(pg) != 1) {
		http_db_failed(r, res);
		return;
	}
	if (!PQgetisnull(pg, 0, 0)) {
		http_header(r, "Retry-After", PQgetvalue(pg, 0, 0));
		http_problem(r, 429, "too-many-attempts", "Too many failed logins",
		             "%s; try again in %s seconds.",
		             held_back_because(PQgetvalue(pg, 0, 1)), PQgetvalue(pg, 0, 0));
		return;
	}
	if (!PQgetisnull(pg, 0, 3)) {
		snprintf(l->account_id, sizeof(l->account_id), "%s", PQgetvalue(pg, 0, 3));
		/* A disabled account or one without a password cannot log in: same answer as a
		 * typo. */
		if (!PQgetisnull(pg, 0, 4) && strcmp(PQgetvalue(pg, 0, 5), "t") != 0)
			l->hash = xstrdup(PQgetvalue(pg, 0, 4));
	}
	/* scrypt is slow on purpose: a flood of logins must not queue without end. The attempt
	   is counted already: one refused here counts like a wrong password. */
	if (jobs_pending() >= (size_t)cfg.login_queue_max) {
		http_header(r, "Retry-After", "1");
		http_problem(r, 503, "busy", "Too busy",
		             "Too many logins at once; try again in a moment.");
		return;
	}
	if (!jobs_submit(r->worker, verify_password, on_verified, l))
		http_shutting_down(r);
}

void login_throttle_params(char text[LOGIN_THROTTLE_PARAMS][24], const char **values)
{
	const long settings[LOGIN_THROTTLE_PARAMS] = {
	        cfg.login_window_minutes, cfg.login_free_failures,         cfg.login_max_delay_s,
	        cfg.login_max_failures,   cfg.login_max_failures_per_addr, cfg.login_known_days};

	for (size_t i = 0; i < LOGIN_THROTTLE_PARAMS; i++) {
		snprintf(text[i], sizeof(text[i]), "%ld", settings[i]);
		values[i] = text[i];
	}
}

static void login(struct req *r)
{
	json_t *errors = json_array();
	struct login *l;
	char numbers[LOGIN_THROTTLE_PARAMS][24];
	const char *values[2 + LOGIN_THROTTLE_PARAMS];

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
	values[0] = l->login;
	values[1] = r->client_addr;
	login_throttle_params(numbers, values + 2);
	req_db(r, "session_attempt", (int)ARRAY_SIZE(values), values, on_attempt);
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
