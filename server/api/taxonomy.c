/*
 * Service categories: a fixed vocabulary seeded by the migrations (schema/0002_registry.sql).
 * It is short, so it comes as one list in its sort order, without pagination.
 */
#include "answer.h"
#include "api.h"
#include "http.h"

/* clang-format off */
static const struct db_stmt stmts[] = {
	{"taxonomy_list",
	 "SELECT json_build_object('items', coalesce(json_agg("
	 "  json_build_object('code', t.code, 'label_de', t.label_de, 'label_en', t.label_en)"
	 "  ORDER BY t.sort_order, t.code), '[]'))::text"
	 " FROM taxonomy t"},
};
/* clang-format on */

static void list_taxonomy(struct req *r)
{
	static const char *const allowed[] = {NULL};

	if (!req_check_query(r, allowed))
		return;
	/* One row (an aggregate), one column: answered without an ETag. */
	req_db(r, "taxonomy_list", 0, NULL, answer_row);
}

static const struct route routes[] = {
        {"GET", "/v1/taxonomy", list_taxonomy, ROUTE_READ_REPLICA, ROLE_ANY, "directory:read"},
};

API_MODULE(taxonomy_api, "taxonomy", routes, stmts);
