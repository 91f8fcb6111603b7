#include "auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <event2/http.h>

#include "auth_sql.h"
#include "crypto.h"
#include "http.h"
#include "log.h"
#include "token_cache.h"
#include "token_use.h"
#include "worker.h"

const char *const auth_scopes[] = {
        "directory:read",
        "directory:write",
        "chains:read",
        "chains:write",
        "cases:read",
        "cases:write",
        "referrals:read",
        "referrals:write",
        "events:read",
        "stats:read",
        "webhooks:write",
        "audit:read",
        NULL,
};

/*
 * What an integration token of each role may be given: the scopes of the routes the role
 * itself may use. Admins get none: a task that needs a token gets an account of its own.
 */
static const char *const caseworker_scopes[] = {
        "directory:read", "directory:write", "chains:read", "cases:read",     "cases:write",
        "referrals:read", "referrals:write", "events:read", "webhooks:write", NULL,
};
static const char *const coordinator_scopes[] = {
        "directory:read", "directory:write", "chains:read", "chains:write", "stats:read", NULL,
};
static const char *const auditor_scopes[] = {"directory:read", "audit:read", NULL};
static const char *const no_scopes[] = {NULL};

const char *const *auth_role_scopes(unsigned role)
{
	switch (role) {
	case ROLE_CASEWORKER:
		return caseworker_scopes;
	case ROLE_COORDINATOR:
		return coordinator_scopes;
	case ROLE_AUDITOR:
		return auditor_scopes;
	default:
		return no_scopes;
	}
}

unsigned auth_role_bit(const char *name)
{
	if (!strcmp(name, "admin"))
		return ROLE_ADMIN;
	if (!strcmp(name, "coordinator"))
		return ROLE_COORDINATOR;
	if (!strcmp(name, "caseworker"))
		return ROLE_CASEWORKER;
	if (!strcmp(name, "auditor"))
		return ROLE_AUDITOR;
	return 0;
}

/* Whether a PostgreSQL array text "{a,b}" holds item (items here are uuids and scope names). */
static bool array_text_has(const char *array, const char *item)
{
	size_t n = strlen(item);
	const char *p = array;

	while (p && (p = strstr(p, item))) {
		bool start = p > array && (p[-1] == '{' || p[-1] == ',' || p[-1] == '"');
		bool end = p[n] == '}' || p[n] == ',' || p[n] == '"';
		if (start && end)
			return true;
		p += n;
	}
	return false;
}

/*
 * Whether a session whose password an admin set may use route: only to see who it is, to
 * change the password, and to log out (docs/architecture.md, "Accounts and tokens").
 */
static bool open_before_password_change(const struct route *route)
{
	static const char *const open[][2] = {
	        {"GET", "/v1/me"},
	        {"POST", "/v1/me/password"},
	        {"POST", "/v1/auth/logout"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(open); i++)
		if (!strcmp(route->method, open[i][0]) && !strcmp(route->pattern, open[i][1]))
			return true;
	return false;
}

bool auth_coordinates(const struct req *r, const char *network_id)
{
	if (r->auth.role == ROLE_ADMIN)
		return true;
	return r->auth.role == ROLE_COORDINATOR && r->auth.network_ids &&
	       array_text_has(r->auth.network_ids, network_id);
}

/* The caller is known (r->auth): check the route's roles and scope, then run the handler. */
static void admit(struct req *r)
{
	const struct route *route = r->match.route;
	unsigned roles = route->roles ? route->roles : ROLE_ANY;

	if (r->auth.must_change_password && !r->auth.integration &&
	    !open_before_password_change(route)) {
		http_problem(r, 403, "password-change-required", "Password change required",
		             "An admin set your password: choose your own with POST "
		             "/v1/me/password before anything else.");
		return;
	}

	if (!(r->auth.role & roles)) {
		http_forbidden(r, "Your role may not use this endpoint.");
		return;
	}
	if (r->auth.integration && route->scope && !array_text_has(r->auth.scopes, route->scope)) {
		http_problem(r, 403, "insufficient-scope", "Forbidden",
		             "This integration token lacks the scope %s.", route->scope);
		return;
	}
	if (r->auth.integration && !route->scope && strcmp(route->pattern, "/v1/me") != 0) {
		http_forbidden(r, "Integration tokens cannot use this endpoint.");
		return;
	}
	http_run_handler(r);
}

static void on_token(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	PGresult *pg = res->pg;

	if (res->status != DB_OK) {
		http_db_failed(r, res);
		return;
	}
	if (PQntuples(pg) != 1) {
		http_problem(
		        r, 401, "unauthorized", "Not authenticated",
		        "The token is unknown, expired or revoked, or its account is disabled.");
		return;
	}
	snprintf(r->auth.account_id, sizeof(r->auth.account_id), "%s", PQgetvalue(pg, 0, 0));
	snprintf(r->auth.login, sizeof(r->auth.login), "%s", PQgetvalue(pg, 0, 1));
	r->auth.role = auth_role_bit(PQgetvalue(pg, 0, 2));
	snprintf(r->auth.node_id, sizeof(r->auth.node_id), "%s", PQgetvalue(pg, 0, 3));
	r->auth.network_ids = xstrdup(PQgetvalue(pg, 0, 4));
	snprintf(r->auth.token_id, sizeof(r->auth.token_id), "%s", PQgetvalue(pg, 0, 5));
	r->auth.integration = !strcmp(PQgetvalue(pg, 0, 6), "integration");
	r->auth.scopes = xstrdup(PQgetvalue(pg, 0, 7));
	if (!strcmp(PQgetvalue(pg, 0, 8), "t"))
		token_use_note(r->worker->token_use, r->auth.token_id);
	r->auth.must_change_password = !strcmp(PQgetvalue(pg, 0, 9), "t");
	token_cache_put(r->worker->token_cache, r->token_hash, r->token_gen, &r->auth,
	                (time_t)strtoll(PQgetvalue(pg, 0, 10), NULL, 10));
	admit(r);
}

/* Who holds the token of hash: kept from an earlier check, or asked of the database. */
static void check_token(struct req *r, const char *hash)
{
	struct params p = {0};

	if (token_cache_get(r->worker->token_cache, hash, &r->auth)) {
		if (token_cache_due_note(r->worker->token_cache, hash))
			token_use_note(r->worker->token_use, r->auth.token_id);
		admit(r);
		return;
	}
	snprintf(r->token_hash, sizeof(r->token_hash), "%s", hash);
	r->token_gen = token_cache_generation();
	params_text(&p, "token_hash", hash);
	req_run(r, &sql_auth_token, &p, on_token);
}

void auth_begin(struct req *r)
{
	const char *h =
	        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "Authorization");
	char hash[CRYPTO_SHA256_HEX_LEN + 1];
	const char *q =
	        r->match.route->flags & ROUTE_QUERY_TOKEN ? req_query(r, "access_token") : NULL;

	if (!h && q && *q) {
		crypto_sha256_hex(q, strlen(q), hash);
		check_token(r, hash);
		return;
	}
	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
		http_problem(r, 401, "unauthorized", "Not authenticated",
		             "Send Authorization: Bearer <token>; POST /v1/auth/login gives one.");
		return;
	}
	h += 7;
	while (*h == ' ')
		h++;
	crypto_sha256_hex(h, strlen(h), hash);
	check_token(r, hash);
}
