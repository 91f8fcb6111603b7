/*
 * Open Referral HSDS 3.0 export: the directory (organizations, nodes as locations, services,
 * and the service-at-location links) in HSDS field names. docs/hsds.md holds the mapping;
 * `pnetd hsds-import` (server/tools/hsds_import.c) reads the same shape back.
 *
 * Everything HSDS wants an id for that pnet keeps no row of (addresses, phones, schedules,
 * attributes, taxonomy terms, service_at_location) gets a deterministic UUID made from the
 * owning row's id, so that exporting twice gives the same document.
 */

#include "answer.h"
#include "api.h"
#include "http.h"
#include "page.h"
#include "util.h"

/* A deterministic UUID from a text key (the md5 of it, read as a UUID). */
#define HSDS_UUID(key) "md5('pnet-hsds:' || " key ")::uuid"

/*
 * An HSDS attribute tying entity row id_expr (link_entity entity) to the term code_expr of
 * the pnet vocabulary vocab, with the term's name and description and an optional value.
 */
/* clang-format off */
#define HSDS_ATTRIBUTE(entity, id_expr, vocab, code_expr, name_expr, desc_expr, value_expr)        \
	"jsonb_build_object('id', " HSDS_UUID("'attribute:" vocab ":' || " id_expr "::text")       \
	", 'link_id', " id_expr ", 'link_entity', '" entity "', 'link_type', 'pnet'"                \
	", 'taxonomy_term_id', " HSDS_UUID("'taxonomy_term:" vocab ":' || " code_expr)              \
	", 'value', " value_expr                                                                    \
	", 'taxonomy_term', jsonb_build_object('id', "                                              \
		HSDS_UUID("'taxonomy_term:" vocab ":' || " code_expr)                              \
		", 'code', " code_expr ", 'name', " name_expr ", 'description', " desc_expr         \
		", 'taxonomy', '" vocab "'))"
/* clang-format on */

/* A one-item array when cond holds, else an empty one. */
#define HSDS_IF(cond, item) "(CASE WHEN " cond " THEN jsonb_build_array(" item ") ELSE '[]' END)"

/* An HSDS address (all its required fields) of row a with street, postal_code and city. */
/* clang-format off */
#define HSDS_ADDRESS(a, kind, id_key, location_id)                                                 \
	"jsonb_build_object('id', " HSDS_UUID(id_key) ", 'location_id', " location_id              \
	", 'address_1', coalesce(" a ".street, ''), 'city', coalesce(" a ".city, '')"               \
	", 'state_province', '', 'postal_code', coalesce(" a ".postal_code, ''), 'country', 'DE'"   \
	", 'address_type', '" kind "')"
/* clang-format on */

#define HSDS_HAS_ADDRESS(a) "coalesce(" a ".street, " a ".postal_code, " a ".city) IS NOT NULL"

/* Organization o as an HSDS organization (jsonb). */
/* clang-format off */
#define HSDS_ORGANIZATION(o)                                                                       \
	"jsonb_strip_nulls(jsonb_build_object('id', " o ".id, 'name', " o ".name"                  \
	", 'description', " o ".name, 'email', " o ".email, 'website', " o ".url"                   \
	", 'phones', " HSDS_IF(o ".phone IS NOT NULL",                                              \
		"jsonb_build_object('id', " HSDS_UUID("'phone:' || " o ".id::text")                \
		", 'organization_id', " o ".id, 'number', " o ".phone)")                            \
	", 'locations', " HSDS_IF(HSDS_HAS_ADDRESS(o),                                              \
		"jsonb_build_object('id', " HSDS_UUID("'location:' || " o ".id::text")             \
		", 'location_type', 'postal', 'organization_id', " o ".id, 'name', " o ".name"      \
		", 'addresses', jsonb_build_array("                                                 \
		HSDS_ADDRESS(o, "postal", "'address:' || " o ".id::text",                          \
			     HSDS_UUID("'location:' || " o ".id::text")) "))")                      \
	", 'attributes', jsonb_build_array("                                                        \
	HSDS_ATTRIBUTE("organization", o ".id", "pnet-organization-kind", o ".kind", o ".kind",    \
		       "'pnet organization kind ' || " o ".kind", "NULL") ")))"
/* clang-format on */

/* Node n as an HSDS location (jsonb). */
/* clang-format off */
#define HSDS_LOCATION(n)                                                                           \
	"jsonb_strip_nulls(jsonb_build_object('id', " n ".id, 'location_type', 'physical'"         \
	", 'organization_id', " n ".organization_id, 'name', " n ".name, 'url', " n ".url"          \
	", 'latitude', " n ".geo_lat, 'longitude', " n ".geo_lon"                                   \
	", 'addresses', " HSDS_IF(HSDS_HAS_ADDRESS(n),                                              \
		HSDS_ADDRESS(n, "physical", "'address:' || " n ".id::text", n ".id"))              \
	", 'phones', " HSDS_IF(n ".phone IS NOT NULL",                                              \
		"jsonb_build_object('id', " HSDS_UUID("'phone:' || " n ".id::text")                \
		", 'location_id', " n ".id, 'number', " n ".phone)")                                \
	", 'contacts', " HSDS_IF(n ".email IS NOT NULL",                                            \
		"jsonb_build_object('id', " HSDS_UUID("'contact:' || " n ".id::text")              \
		", 'location_id', " n ".id, 'name', " n ".name, 'email', " n ".email)")             \
	", 'languages', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', "                       \
		HSDS_UUID("'language:' || " n ".id::text || ':' || l.code")                        \
		", 'location_id', " n ".id, 'code', l.code) ORDER BY l.i), '[]')"                  \
		" FROM unnest(" n ".languages) WITH ORDINALITY l(code, i))"                          \
	", 'accessibility', " HSDS_IF(n ".accessibility IS NOT NULL",                               \
		"jsonb_build_object('id', " HSDS_UUID("'accessibility:' || " n ".id::text")        \
		", 'location_id', " n ".id, 'description', " n ".accessibility)")                   \
	", 'attributes', jsonb_build_array("                                                        \
	HSDS_ATTRIBUTE("location", n ".id", "pnet-node-kind", n ".kind", n ".kind",                \
		       "'pnet node kind ' || " n ".kind", "NULL") ", "                              \
	HSDS_ATTRIBUTE("location", n ".id", "pnet-node-status",                                    \
		       "CASE WHEN " n ".active THEN 'active' ELSE 'inactive' END",                  \
		       "CASE WHEN " n ".active THEN 'active' ELSE 'inactive' END",                  \
		       "'whether the node takes part in referrals'", "NULL") ") || "                \
	HSDS_IF(n ".district IS NOT NULL",                                                         \
		HSDS_ATTRIBUTE("location", n ".id", "pnet-district", "'district'", "'district'",   \
			       "'Sozialraum, Stadtteil'", n ".district")) "))"
/* clang-format on */

/* The weekday codes of RFC 5545, Monday first (pnet weekday 1 is Monday). */
#define HSDS_BYDAY "(ARRAY['MO','TU','WE','TH','FR','SA','SU'])[(e->>'weekday')::int]"

/* Service s (of node sn, category st) as an HSDS service (jsonb). */
/* clang-format off */
#define HSDS_SERVICE(s, sn, st)                                                                    \
	"jsonb_strip_nulls(jsonb_build_object('id', " s ".id"                                      \
	", 'organization_id', " sn ".organization_id, 'name', " s ".name"                           \
	", 'description', " s ".description"                                                        \
	", 'status', replace(" s ".status, '_', ' '), 'eligibility_description', " s ".eligibility" \
	", 'wait_time', " s ".wait_days || ' days'"                                                 \
	", 'capacities', " HSDS_IF(s ".capacity_free IS NOT NULL",                                  \
		"jsonb_build_object('id', " HSDS_UUID("'capacity:' || " s ".id::text")             \
		", 'service_id', " s ".id, 'unit', jsonb_build_object('id', "                      \
		HSDS_UUID("'unit:places'") ", 'name', 'places', 'scheme', 'pnet',"                 \
		" 'identifier', 'places'), 'available', " s ".capacity_free"                        \
		", 'maximum', " s ".capacity_total, 'updated', " s ".updated_at)")                  \
	", 'schedules', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', "                       \
		HSDS_UUID("'schedule:' || " s ".id::text || ':' || x.i")                           \
		", 'service_id', " s ".id, 'freq', 'WEEKLY', 'wkst', 'MO', 'byday', " HSDS_BYDAY   \
		", 'opens_at', e->>'from', 'closes_at', e->>'to', 'description', e->>'place'"       \
		", 'attributes', " HSDS_IF("e ? 'kind'",                                            \
			HSDS_ATTRIBUTE("schedule",                                                  \
				       HSDS_UUID("'schedule:' || " s ".id::text || ':' || x.i"),    \
				       "pnet-schedule-kind", "(e->>'kind')", "(e->>'kind')",        \
				       "'pnet schedule kind'", "NULL"))                             \
		") ORDER BY x.i), '[]')"                                                            \
		" FROM jsonb_array_elements(" s ".schedule) WITH ORDINALITY x(e, i))"                \
	", 'attributes', jsonb_build_array("                                                        \
	HSDS_ATTRIBUTE("service", s ".id", "pnet-service-category", s ".category", st ".label_en",  \
		       st ".label_de", "NULL") ") || "                                              \
	HSDS_IF(s ".district IS NOT NULL",                                                         \
		HSDS_ATTRIBUTE("service", s ".id", "pnet-district", "'district'", "'district'",    \
			       "'Sozialraum, Stadtteil'", s ".district")) " || "                     \
	HSDS_IF(s ".place IS NOT NULL",                                                            \
		HSDS_ATTRIBUTE("service", s ".id", "pnet-place", "'place'", "'place'",             \
			       "'where the service takes place'", s ".place")) "))"
/* clang-format on */

/* The link of service s to its node: pnet services are at exactly one node. */
/* clang-format off */
#define HSDS_SERVICE_AT_LOCATION(s)                                                                \
	"jsonb_build_object('id', " HSDS_UUID("'service_at_location:' || " s ".id::text")          \
	", 'service_id', " s ".id, 'location_id', " s ".node_id)"
/* clang-format on */

#define HSDS_SERVICE_FROM                                                                          \
	"service s JOIN node sn ON sn.id = s.node_id JOIN taxonomy st ON st.code = s.category"

/* clang-format off */
static const struct db_stmt stmts[] = {
        /* $1 cursor (id), $2 limit + 1; the same for the other lists */
        {"hsds_organizations",
         "SELECT " HSDS_ORGANIZATION(
                 "o") "::text, o.id::text FROM organization o"
                      " WHERE ($1::uuid IS NULL OR o.id > $1::uuid) ORDER BY o.id LIMIT $2::int"},
        {"hsds_locations",
         "SELECT " HSDS_LOCATION(
                 "n") "::text, n.id::text FROM node n"
                      " WHERE ($1::uuid IS NULL OR n.id > $1::uuid) ORDER BY n.id LIMIT $2::int"},
        {"hsds_services",
         "SELECT " HSDS_SERVICE(
                 "s", "sn",
                 "st") "::text, s.id::text FROM " HSDS_SERVICE_FROM
                       " WHERE ($1::uuid IS NULL OR s.id > $1::uuid) ORDER BY s.id LIMIT $2::int"},
        {"hsds_service_at_locations",
         "SELECT " HSDS_SERVICE_AT_LOCATION(
                 "s") "::text, s.id::text FROM service s"
                      " WHERE ($1::uuid IS NULL OR s.id > $1::uuid) ORDER BY s.id LIMIT $2::int"},
        /* The whole directory as one document, in the shape pnetd hsds-import reads. */
        {"hsds_export",
         "SELECT jsonb_build_object("
         " 'organizations', (SELECT coalesce(jsonb_agg(" HSDS_ORGANIZATION(
                 "o") " ORDER BY o.id),"
                      "                   '[]') FROM organization o),"
                      " 'locations', (SELECT coalesce(jsonb_agg(" HSDS_LOCATION(
                              "n") " ORDER BY n.id), '[]')"
                                   "               FROM node n),"
                                   " 'services', (SELECT coalesce(jsonb_agg(" HSDS_SERVICE(
                                           "s", "sn",
                                           "st") " ORDER BY s.id),"
                                                 "              '[]') FROM " HSDS_SERVICE_FROM "),"
                                                 " 'service_at_locations', (SELECT "
                                                 "coalesce(jsonb_agg(" HSDS_SERVICE_AT_LOCATION(
                                                         "s") "                          ORDER BY "
                                                              "s.id), '[]') FROM service "
                                                              "s))::text"},
};
/* clang-format on */

/* One page of an HSDS collection, keyset-paginated by id. */
static void list(struct req *r, const char *stmt)
{
	struct page *p = answer_page_begin(r, 1, NULL);
	const char *values[2];

	if (!p)
		return;
	values[0] = page_key(p, 0);
	values[1] = p->limit_text;
	req_db(r, stmt, 2, values, answer_page);
}

static void list_organizations(struct req *r)
{
	list(r, "hsds_organizations");
}

static void list_locations(struct req *r)
{
	list(r, "hsds_locations");
}

static void list_services(struct req *r)
{
	list(r, "hsds_services");
}

static void list_service_at_locations(struct req *r)
{
	list(r, "hsds_service_at_locations");
}

static void export_all(struct req *r)
{
	static const char *const allowed[] = {NULL};

	if (!req_check_query(r, allowed))
		return;
	/* One row, one column: the whole directory, without an ETag. */
	req_db(r, "hsds_export", 0, NULL, answer_row);
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

API_MODULE(hsds_api, "hsds", routes, stmts);
