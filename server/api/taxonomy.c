/*
 * Service categories: a fixed vocabulary seeded by the migrations (schema/0002_registry.sql).
 * It is short, so it comes as one list in its sort order, without pagination.
 */
#include "answer.h"
#include "api.h"
#include "http.h"
#include "taxonomy_sql.h"

static void list_taxonomy(struct req *r)
{
	static const char *const allowed[] = {NULL};
	struct params none = {0};

	if (!req_check_query(r, allowed))
		return;
	/* One row (an aggregate), one column: answered without an ETag. */
	req_run(r, &sql_taxonomy_list, &none, answer_row);
}

static const struct route routes[] = {
        {"GET", "/v1/taxonomy", list_taxonomy, ROUTE_READ_REPLICA, ROLE_ANY, "directory:read"},
};

API_MODULE(taxonomy_api, "taxonomy", routes, taxonomy_sql);
