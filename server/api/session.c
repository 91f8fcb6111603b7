/*
 * Logging in and out, and "who am I". Password checks run on the job threads (scrypt is
 * slow by design); failed logins are counted in the database so that every pnetd instance
 * throttles the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "api.h"
#include "config.h"
#include "crypto.h"
#include "http.h"
#include "jobs.h"
#include "session_sql.h"
#include "token_cache.h"
#include "json.h"
#include "worker.h"

#include <event2/event.h>

static const struct json_field login_fields[] = {
        {"login", JF_STRING, JF_REQUIRED, 1, 64},
        {"password", JF_STRING, JF_REQUIRED, 1, CRYPTO_PASSWORD_MAX},
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
	account = json_loads(answer_column(res, "account"), 0, NULL);
	http_reply_json(r, 201,
	                json_pack("{s:s, s:s, s:o}", "token", l->token, "expires_at",
	                          answer_column(res, "expires_at"), "account", account));
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
		char hash[CRYPTO_SHA256_HEX_LEN + 1];
		struct params p = {0};

		if (crypto_token_new(l->token) < 0) {
			http_problem(r, 500, "internal", "Internal error",
			             "No randomness for a token.");
			return;
		}
		crypto_sha256_hex(l->token, strlen(l->token), hash);
		snprintf(r->auth.account_id, sizeof(r->auth.account_id), "%s", l->account_id);
		req_actor(r, &p);
		params_text(&p, "token_hash", hash);
		params_long(&p, "hours", cfg.session_hours);
		params_text(&p, "login", l->login);
		params_long(&p, "known_days", cfg.login_known_days);
		req_run(r, &sql_session_create, &p, on_session_created);
		return;
	}
	/* The actor of a failed login is the login's account, when there is one. */
	struct params p = {0};
	snprintf(r->auth.account_id, sizeof(r->auth.account_id), "%s", l->account_id);
	req_actor(r, &p);
	params_text(&p, "login", l->login);
	req_run(r, &sql_session_failed, &p, on_failure_recorded);
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
	const char *retry_after = answer_column(res, "retry_after");

	if (res->status != DB_OK || PQntuples(res->pg) != 1) {
		http_db_failed(r, res);
		return;
	}
	if (retry_after) {
		http_header(r, "Retry-After", retry_after);
		http_problem(r, 429, "too-many-attempts", "Too many failed logins",
		             "%s; try again in %s seconds.",
		             held_back_because(answer_column(res, "reason")), retry_after);
		return;
	}
	if (answer_column(res, "account_id")) {
		snprintf(l->account_id, sizeof(l->account_id), "%s",
		         answer_column(res, "account_id"));
		/* A disabled account or one without a password cannot log in: same answer as a
		 * typo. */
		if (answer_column(res, "password_hash") &&
		    strcmp(answer_column(res, "disabled"), "t"))
			l->hash = xstrdup(answer_column(res, "password_hash"));
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

void login_throttle_params(struct params *p)
{
	params_long(p, "window_minutes", cfg.login_window_minutes);
	params_long(p, "free_failures", cfg.login_free_failures);
	params_long(p, "max_delay_s", cfg.login_max_delay_s);
	params_long(p, "max_per_login", cfg.login_max_failures);
	params_long(p, "max_per_address", cfg.login_max_failures_per_addr);
	params_long(p, "known_days", cfg.login_known_days);
}

static void login(struct req *r)
{
	json_t *errors = json_array();
	struct login *l;
	struct params p = {0};

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
	params_text(&p, "login", l->login);
	params_text(&p, "client_addr", r->client_addr);
	login_throttle_params(&p);
	req_run(r, &sql_session_attempt, &p, on_attempt);
}

static void on_revoked(void *arg, const struct db_result *res)
{
	struct req *r = arg;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	token_cache_invalidate(); /* at once here; other processes hear it from pnet_auth */
	http_reply_json(r, 204, NULL);
}

static void logout(struct req *r)
{
	struct params p = {0};

	req_actor(r, &p);
	params_text(&p, "token", r->auth.token_id);
	req_run(r, &sql_session_revoke, &p, on_revoked);
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
	struct params p = {0};

	params_text(&p, "token", r->auth.token_id);
	req_run(r, &sql_session_me, &p, on_me);
}

static const struct route routes[] = {
        {"POST", "/v1/auth/login", login, ROUTE_PUBLIC | ROUTE_BODY},
        {"POST", "/v1/auth/logout", logout, 0},
        {"GET", "/v1/me", me, 0},
};

API_MODULE(auth_api, "auth", routes, session_sql);
