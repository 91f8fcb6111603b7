/*
 * How organizations and nodes look in the API, as SQL: shared by the statements of
 * organizations.c and nodes.c (and whoever else shows a node). Address, contact and geo are
 * objects in the API and plain columns in the tables.
 */
#ifndef PNET_REGISTRY_JSON_H
#define PNET_REGISTRY_JSON_H

/* {street, postal_code, city} of row a. */
#define REGISTRY_ADDRESS_JSON(a)                                                                   \
	"json_build_object('street', " a ".street, 'postal_code', " a ".postal_code, 'city', " a   \
	".city)"

/* {phone, email, url} of row a. */
#define REGISTRY_CONTACT_JSON(a)                                                                   \
	"json_build_object('phone', " a ".phone, 'email', " a ".email, 'url', " a ".url)"

/* JSON text of organization row o. */
#define ORGANIZATION_JSON(o)                                                                       \
	"json_build_object('id', " o ".id, 'name', " o ".name, 'kind', " o                         \
	".kind, 'contact', " REGISTRY_CONTACT_JSON(o) ", 'address', " REGISTRY_ADDRESS_JSON(       \
	        o) ", 'version', " o ".version, 'created_at', " o ".created_at, 'updated_at', " o  \
	           ".updated_at)::text"

/* The key/value pairs of node row n, for json_build_object. */
#define NODE_JSON_FIELDS(n)                                                                        \
	"'id', " n ".id, 'organization_id', " n ".organization_id, 'name', " n ".name, 'kind', " n \
	".kind, 'district', " n ".district, 'address', " REGISTRY_ADDRESS_JSON(                    \
	        n) ", 'geo', CASE"                                                                 \
	           " WHEN " n ".geo_lat IS NULL THEN NULL ELSE json_build_object('lat', " n        \
	           ".geo_lat,"                                                                     \
	           " 'lon', " n ".geo_lon) END, 'contact', " REGISTRY_CONTACT_JSON(                \
	                   n) ", 'languages', " n ".languages, 'accessibility', " n                \
	                      ".accessibility, 'active', " n ".active, 'version', " n              \
	                      ".version, 'created_at', " n ".created_at, 'updated_at', " n         \
	                      ".updated_at"

/* JSON text of node row n, as in lists. */
#define NODE_JSON(n) "json_build_object(" NODE_JSON_FIELDS(n) ")::text"

/* JSON text of node row n with the networks it belongs to, as GET /v1/nodes/{id} shows it. */
#define NODE_DETAIL_JSON(n)                                                                        \
	"json_build_object(" NODE_JSON_FIELDS(                                                     \
	        n) ", 'memberships', (SELECT coalesce(json_agg("                                   \
	           "json_build_object('network_id', m.network_id, 'role', m.role, 'active', "      \
	           "m.active)"                                                                     \
	           " ORDER BY m.network_id), '[]') FROM network_member m WHERE m.node_id = " n     \
	           ".id))::text"

#endif
