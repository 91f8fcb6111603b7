/* How a service looks in the API, as SQL, for every statement that answers with services. */
#ifndef PNET_SERVICE_JSON_H
#define PNET_SERVICE_JSON_H

/*
 * JSON text of service row s with a short summary of its node n (both aliases in the
 * statement), so that a directory list needs no second request per item.
 */
#define SERVICE_JSON(s, n)                                                                         \
	"json_build_object('id', " s ".id, 'node_id', " s ".node_id, 'category', " s ".category,"  \
	" 'name', " s ".name, 'description', " s ".description, 'target_group_ids', " s            \
	".target_group_ids, 'eligibility', " s ".eligibility, 'capacity_total', " s                \
	".capacity_total, 'capacity_free', " s ".capacity_free, 'wait_days', " s ".wait_days,"     \
	" 'district', " s ".district, 'place', " s ".place, 'schedule', " s ".schedule,"           \
	" 'status', " s ".status, 'version', " s ".version, 'created_at', " s ".created_at,"       \
	" 'updated_at', " s ".updated_at, 'node', json_build_object('id', " n ".id, 'name', " n    \
	".name, 'district', " n ".district))::text"

#endif
