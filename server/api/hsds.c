/*
 * Open Referral HSDS 3.0 export: the directory (organizations, nodes as locations, services,
 * and the service-at-location links) in HSDS field names, built by the functions of
 * schema/functions/hsds.sql. docs/hsds.md holds the mapping; `pnetd hsds-import`
 * (server/tools/hsds_import.c) reads the same shape back.
 */

#include "answer.h"
#include "api.h"
#include "hsds_sql.h"
#include "http.h"
#include "page.h"
#include "util.h"

/* One page of an HSDS collection, keyset-paginated by id. */
static void list(struct req *r, const struct db_stmt *stmt)
{
	struct page *page = answer_page_begin(r, 1, NULL);
	struct params p = {0};

	if (!page)
		return;
	params_page(&p, page);
	req_run(r, stmt, &p, answer_page);
}

static void list_organizations(struct req *r)
{
	list(r, &sql_hsds_organizations);
}

static void list_locations(struct req *r)
{
	list(r, &sql_hsds_locations);
}

static void list_services(struct req *r)
{
	list(r, &sql_hsds_services);
}

static void list_service_at_locations(struct req *r)
{
	list(r, &sql_hsds_service_at_locations);
}

static void export_all(struct req *r)
{
	static const char *const allowed[] = {NULL};
	struct params none = {0};

	if (!req_check_query(r, allowed))
		return;
	/* One row, one column: the whole directory, without an ETag. */
	req_run(r, &sql_hsds_export, &none, answer_row);
}

static const struct route routes[] = {
        {"GET", "/v1/hsds/organizations", list_organizations, ROUTE_READ_REPLICA, ROLE_ANY,
         "directory:read"},
        {"GET", "/v1/hsds/locations", list_locations, ROUTE_READ_REPLICA, ROLE_ANY,
         "directory:read"},
        {"GET", "/v1/hsds/services", list_services, ROUTE_READ_REPLICA, ROLE_ANY, "directory:read"},
        {"GET", "/v1/hsds/service_at_locations", list_service_at_locations, ROUTE_READ_REPLICA,
         ROLE_ANY, "directory:read"},
        {"GET", "/v1/hsds/export", export_all, ROUTE_READ_REPLICA, ROLE_ADMIN | ROLE_COORDINATOR,
         "directory:read"},
};

API_MODULE(hsds_api, "hsds", routes, hsds_sql);
