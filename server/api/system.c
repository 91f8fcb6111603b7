/* Operations endpoints: /healthz, /readyz, /metrics, and the API description. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "metrics.h"
#include "system_sql.h"
#include "worker.h"

extern int main_schema_version;

static void healthz(struct req *r)
{
	http_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* 503 for a database that cannot serve us: away, or behind this pnetd's schema. */
static void not_ready(struct req *r)
{
	struct db_pool_stats stats;

	db_pool_get_stats(r->worker->db, &stats);
	http_header(r, "Retry-After", stats.prepare_failed ? "5" : "2");
	if (stats.prepare_failed)
		http_problem(
		        r, 503, "not-ready", "Not ready",
		        "The database schema is behind this pnetd (it needs migration %d and its "
		        "statements do not prepare): run pnetd migrate.",
		        main_schema_version);
	else
		http_problem(r, 503, "not-ready", "Not ready", "The database cannot be reached.");
}

static void on_schema_version(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	long have;

	if (res->status != DB_OK) {
		not_ready(r);
		return;
	}
	have = strtol(PQgetvalue(res->pg, 0, 0), NULL, 10);
	if (have < main_schema_version) {
		http_header(r, "Retry-After", "5");
		http_problem(r, 503, "not-ready", "Not ready",
		             "The database schema is at migration %ld; this pnetd needs %d "
		             "(run pnetd migrate).",
		             have, main_schema_version);
		return;
	}
	http_reply_json(r, 200,
	                json_pack("{s:s, s:i, s:i}", "status", "ready", "schema_version", (int)have,
	                          "expected_schema_version", main_schema_version));
}

static void readyz(struct req *r)
{
	/* The pool answers at once when the database is known to be away, and waits for the
	   first connection while pnetd is still starting. */
	struct params none = {0};

	req_run(r, &sql_system_schema_version, &none, on_schema_version);
}

static void metrics(struct req *r)
{
	char *text = metrics_render();

	http_reply_taken(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
}

/* The API description is read once per process; it is small and never changes under us. */
static char *openapi_text;
static size_t openapi_len;
static pthread_once_t openapi_once = PTHREAD_ONCE_INIT;

static void load_openapi(void)
{
	char *path = xasprintf("%s/openapi.yaml", cfg.docs_dir);
	FILE *f = fopen(path, "rb");

	free(path);
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (len > 0) {
		openapi_text = xmalloc((size_t)len);
		openapi_len = fread(openapi_text, 1, (size_t)len, f);
	}
	fclose(f);
}

void system_preload(void)
{
	pthread_once(&openapi_once, load_openapi);
}

void system_release(void)
{
	free(openapi_text);
	openapi_text = NULL;
}

static void openapi(struct req *r)
{
	system_preload();
	if (!openapi_text) {
		http_problem(r, 404, "not-found", "Not found",
		             "This installation has no openapi.yaml in its docs-dir.");
		return;
	}
	http_header(r, "Cache-Control", "public, max-age=300");
	http_reply_raw(r, 200, "application/yaml", openapi_text, openapi_len);
}

static const struct route routes[] = {
        {"GET", "/healthz", healthz, ROUTE_PUBLIC | ROUTE_RAW},
        {"GET", "/readyz", readyz, ROUTE_PUBLIC | ROUTE_RAW},
        {"GET", "/metrics", metrics, ROUTE_PUBLIC | ROUTE_RAW},
        {"GET", "/v1/openapi.yaml", openapi, ROUTE_PUBLIC | ROUTE_RAW},
};

API_MODULE(system_api, "system", routes, system_sql);
