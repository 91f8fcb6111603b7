/*
 * Networks (Produktionsnetzwerke), their members and their target groups. Everyone may read
 * the directory; admins create networks; admins and a network's coordinators change it, its
 * members and its target groups. Whether the caller coordinates the object's network is
 * decided in the write statement (the network of a target group is only known there), which
 * answers 'forbidden' for an object that exists in a network the caller does not coordinate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "auth.h"
#include "http.h"
#include "json.h"
#include "page.h"

/* JSON text of network row w, with the number of active members and of target groups. */
/* clang-format off */
#define NETWORK_JSON(w)                                                                            \
	"json_build_object('id', " w ".id, 'name', " w ".name, 'locality', " w ".locality,"        \
	" 'description', " w ".description, 'default_days_to_accept', " w                          \
	".default_days_to_accept, 'counts', json_build_object('members', (SELECT count(*) FROM"    \
	" network_member cm WHERE cm.network_id = " w ".id AND cm.active), 'target_groups',"       \
	" (SELECT count(*) FROM target_group cg WHERE cg.network_id = " w ".id)),"                 \
	" 'version', " w ".version, 'created_at', " w ".created_at, 'updated_at', " w              \
	".updated_at)::text"
/* clang-format on */

/* JSON text of membership row m joined with its node n. */
/* clang-format off */
#define MEMBER_JSON(m, n)                                                                          \
	"json_build_object('network_id', " m ".network_id, 'node_id', " m ".node_id, 'node',"      \
	" json_build_object('id', " n ".id, 'name', " n ".name, 'kind', " n                        \
	".kind, 'district', " n ".district), 'role', " m ".role, 'joined_on', " m                  \
	".joined_on, 'agreement_signed_on', " m ".agreement_signed_on, 'days_to_accept', " m       \
	".days_to_accept, 'active', " m ".active,"                                                 \
	" 'version', " m ".version, 'created_at', " m ".created_at, 'updated_at', " m              \
	".updated_at)::text"
/* clang-format on */

/* JSON text of target group row g. */
/* clang-format off */
#define TARGET_GROUP_JSON(g)                                                                       \
	"json_build_object('id', " g ".id, 'network_id', " g ".network_id, 'code', " g ".code,"    \
	" 'name', " g ".name, 'criteria', " g ".criteria, 'version', " g                           \
	".version, 'created_at', " g ".created_at, 'updated_at', " g ".updated_at)::text"
/* clang-format on */

/*
 * Whether the caller coordinates network id_expr: $5 is "the caller is an admin", $6 the
 * caller's network_ids (see access_params). Every write statement below takes them.
 */
#define COORDINATES(id_expr) "($5::boolean OR " id_expr " = ANY($6::uuid[]))"

/* The value of a JSON patch field in an UPDATE's SET: the new one if given, else the old. */
/* clang-format off */
#define PATCHED(col, cast)                                                                         \
	col " = CASE WHEN $7::jsonb ? '" col "' THEN ($7::jsonb->>'" col "')" cast " ELSE t." col  \
	    " END"
/* clang-format on */

/* The fields of a patch, for the audit row. */
#define PATCH_KEYS "(SELECT jsonb_agg(k) FROM jsonb_object_keys($7::jsonb) k)"

/*
 * Write statements answer one row: outcome ('ok', 'forbidden', 'stale'), the object's JSON,
 * its version, and for creates its Location. No row: no such object. The SQL is laid out by
 * hand: clang-format would break the strings.
 */
/* clang-format off */
static const struct db_stmt stmts[] = {
	{"network_exists", "SELECT 1 FROM network WHERE id = $1"},
	/* actor, $5 name, $6 locality, $7 description, $8 default days to accept */
	{"network_create",
	 "WITH t AS (INSERT INTO network (name, locality, description, default_days_to_accept)"
	 "           VALUES ($5, $6, $7, coalesce($8::int, 5)) RETURNING *),"
	 " au AS (" AUDIT_INSERT("network.create", "network", "t.id",
				 "jsonb_build_object('name', t.name)") " FROM t)"
	 "SELECT 'ok', " NETWORK_JSON("t") ", t.version, '/v1/networks/' || t.id FROM t"},
	/* $1 $2 cursor (name, id), $3 limit + 1 */
	{"network_list",
	 "SELECT " NETWORK_JSON("w") ", w.name, w.id::text FROM network w"
	 " WHERE ($1::text IS NULL OR (w.name, w.id) > ($1::text, $2::uuid))"
	 " ORDER BY w.name, w.id LIMIT $3::int"},
	{"network_get", "SELECT " NETWORK_JSON("w") ", w.version FROM network w WHERE w.id = $1"},
	/* actor, $5 $6 access, $7 patch, $8 id, $9 expected version or NULL */
	{"network_update",
	 "WITH o AS (SELECT id, version, " COORDINATES("id") " AS allowed FROM network WHERE id = $8),"
	 " u AS (UPDATE network t SET " PATCHED("name", "") ", " PATCHED("locality", "") ","
	 "   " PATCHED("description", "") ", " PATCHED("default_days_to_accept", "::int") ","
	 "   version = t.version + 1, updated_at = now()"
	 "   FROM o WHERE t.id = o.id AND o.allowed AND ($9::int IS NULL OR t.version = $9::int)"
	 "   RETURNING t.*),"
	 " au AS (" AUDIT_INSERT("network.update", "network", "u.id",
				 "jsonb_build_object('fields', " PATCH_KEYS ")") " FROM u)"
	 "SELECT 'ok', " NETWORK_JSON("u") ", u.version, NULL::text FROM u"
	 " UNION ALL SELECT CASE WHEN o.allowed THEN 'stale' ELSE 'forbidden' END, NULL, o.version,"
	 "   NULL FROM o WHERE NOT EXISTS (SELECT 1 FROM u)"},

	/* $1 network, $2 role, $3 active, $4 $5 cursor (node name, node id), $6 limit + 1 */
	{"network_member_list",
	 "SELECT " MEMBER_JSON("m", "n") ", n.name, n.id::text"
	 " FROM network_member m JOIN node n ON n.id = m.node_id"
	 " WHERE m.network_id = $1 AND ($2::text IS NULL OR m.role = $2)"
	 "   AND ($3::boolean IS NULL OR m.active = $3::boolean)"
	 "   AND ($4::text IS NULL OR (n.name, n.id) > ($4::text, $5::uuid))"
	 " ORDER BY n.name, n.id LIMIT $6::int"},
	{"network_member_get",
	 "SELECT " MEMBER_JSON("m", "n") ", m.version"
	 " FROM network_member m JOIN node n ON n.id = m.node_id"
	 " WHERE m.network_id = $1 AND m.node_id = $2"},
	/*
	 * actor, $5 $6 access, $7 network, $8 node, $9 role, $10 joined on, $11 agreement signed
	 * on, $12 days to accept. The node's existence and activity are the schema's to check.
	 */
	{"network_member_add",
	 "WITH o AS (SELECT id, " COORDINATES("id") " AS allowed FROM network WHERE id = $7),"
	 " m AS (INSERT INTO network_member (network_id, node_id, role, joined_on,"
	 "                                   agreement_signed_on, days_to_accept)"
	 "       SELECT o.id, $8::uuid, coalesce($9, 'member'), coalesce($10::date, current_date),"
	 "              $11::date, $12::int FROM o WHERE o.allowed RETURNING *),"
	 " au AS (" AUDIT_INSERT("network.member.add", "network", "m.network_id",
				 "jsonb_build_object('node_id', m.node_id, 'role', m.role)") " FROM m)"
	 "SELECT 'ok', " MEMBER_JSON("m", "n") ", m.version,"
	 "       '/v1/networks/' || m.network_id || '/members/' || m.node_id"
	 " FROM m JOIN node n ON n.id = m.node_id"
	 " UNION ALL SELECT 'forbidden', NULL, NULL, NULL FROM o WHERE NOT o.allowed"},
	/* actor, $5 $6 access, $7 patch, $8 network, $9 node, $10 expected version or NULL */
	{"network_member_update",
	 "WITH o AS (SELECT network_id, node_id, version, " COORDINATES("network_id") " AS allowed"
	 "           FROM network_member WHERE network_id = $8 AND node_id = $9),"
	 " u AS (UPDATE network_member t SET " PATCHED("role", "") ", " PATCHED("joined_on", "::date")
	 ",   " PATCHED("agreement_signed_on", "::date") ", " PATCHED("days_to_accept", "::int") ","
	 "   " PATCHED("active", "::boolean") ", version = t.version + 1, updated_at = now()"
	 "   FROM o WHERE t.network_id = o.network_id AND t.node_id = o.node_id AND o.allowed"
	 "     AND ($10::int IS NULL OR t.version = $10::int) RETURNING t.*),"
	 " au AS (" AUDIT_INSERT("network.member.update", "network", "u.network_id",
				 "jsonb_build_object('node_id', u.node_id, 'fields', " PATCH_KEYS ")")
	 " FROM u)"
	 "SELECT 'ok', " MEMBER_JSON("u", "n") ", u.version, NULL::text"
	 " FROM u JOIN node n ON n.id = u.node_id"
	 " UNION ALL SELECT CASE WHEN o.allowed THEN 'stale' ELSE 'forbidden' END, NULL, o.version,"
	 "   NULL FROM o WHERE NOT EXISTS (SELECT 1 FROM u)"},
	/*
	 * actor, $5 $6 access, $7 network, $8 node, $9 expected version or NULL. Deactivates
	 * (the row stays, for what refers to it); an inactive member is answered unchanged.
	 */
	{"network_member_deactivate",
	 "WITH o AS (SELECT network_id, node_id, version, active, " COORDINATES("network_id")
	 "           AS allowed FROM network_member WHERE network_id = $7 AND node_id = $8),"
	 " u AS (UPDATE network_member t SET active = false, version = t.version + 1,"
	 "   updated_at = now()"
	 "   FROM o WHERE t.network_id = o.network_id AND t.node_id = o.node_id AND o.allowed"
	 "     AND t.active AND ($9::int IS NULL OR t.version = $9::int) RETURNING t.*),"
	 " au AS (" AUDIT_INSERT("network.member.deactivate", "network", "u.network_id",
				 "jsonb_build_object('node_id', u.node_id)") " FROM u)"
	 "SELECT 'ok', " MEMBER_JSON("u", "n") ", u.version, NULL::text"
	 " FROM u JOIN node n ON n.id = u.node_id"
	 " UNION ALL SELECT CASE WHEN NOT o.allowed THEN 'forbidden'"
	 "                       WHEN $9::int IS NOT NULL AND o.version <> $9::int THEN 'stale'"
	 "                       ELSE 'ok' END, " MEMBER_JSON("x", "n") ", x.version, NULL"
	 " FROM o JOIN network_member x ON x.network_id = o.network_id AND x.node_id = o.node_id"
	 " JOIN node n ON n.id = x.node_id WHERE NOT EXISTS (SELECT 1 FROM u)"},

	/* $1 network, $2 $3 cursor (code, id), $4 limit + 1 */
	{"network_target_group_list",
	 "SELECT " TARGET_GROUP_JSON("g") ", g.code, g.id::text FROM target_group g"
	 " WHERE g.network_id = $1 AND ($2::text IS NULL OR (g.code, g.id) > ($2::text, $3::uuid))"
	 " ORDER BY g.code, g.id LIMIT $4::int"},
	{"network_target_group_get",
	 "SELECT " TARGET_GROUP_JSON("g") ", g.version FROM target_group g WHERE g.id = $1"},
	/* actor, $5 $6 access, $7 network, $8 code, $9 name, $10 criteria */
	{"network_target_group_create",
	 "WITH o AS (SELECT id, " COORDINATES("id") " AS allowed FROM network WHERE id = $7),"
	 " g AS (INSERT INTO target_group (network_id, code, name, criteria)"
	 "       SELECT o.id, $8, $9, $10 FROM o WHERE o.allowed RETURNING *),"
	 " au AS (" AUDIT_INSERT("target_group.create", "target_group", "g.id",
				 "jsonb_build_object('network_id', g.network_id, 'code', g.code)")
	 " FROM g)"
	 "SELECT 'ok', " TARGET_GROUP_JSON("g") ", g.version, '/v1/target-groups/' || g.id FROM g"
	 " UNION ALL SELECT 'forbidden', NULL, NULL, NULL FROM o WHERE NOT o.allowed"},
	/* actor, $5 $6 access, $7 patch, $8 id, $9 expected version or NULL */
	{"network_target_group_update",
	 "WITH o AS (SELECT id, version, " COORDINATES("network_id") " AS allowed"
	 "           FROM target_group WHERE id = $8),"
	 " u AS (UPDATE target_group t SET " PATCHED("code", "") ", " PATCHED("name", "") ","
	 "   " PATCHED("criteria", "") ", version = t.version + 1, updated_at = now()"
	 "   FROM o WHERE t.id = o.id AND o.allowed AND ($9::int IS NULL OR t.version = $9::int)"
	 "   RETURNING t.*),"
	 " au AS (" AUDIT_INSERT("target_group.update", "target_group", "u.id",
				 "jsonb_build_object('network_id', u.network_id, 'fields', " PATCH_KEYS
				 ")") " FROM u)"
	 "SELECT 'ok', " TARGET_GROUP_JSON("u") ", u.version, NULL::text FROM u"
	 " UNION ALL SELECT CASE WHEN o.allowed THEN 'stale' ELSE 'forbidden' END, NULL, o.version,"
	 "   NULL FROM o WHERE NOT EXISTS (SELECT 1 FROM u)"},
	/*
	 * actor, $5 $6 access, $7 id, $8 expected version or NULL. What still refers to the
	 * group (services, chains) makes the schema refuse with a foreign key violation.
	 */
	{"network_target_group_delete",
	 "WITH o AS (SELECT id, version, " COORDINATES("network_id") " AS allowed"
	 "           FROM target_group WHERE id = $7),"
	 " d AS (DELETE FROM target_group t USING o WHERE t.id = o.id AND o.allowed"
	 "       AND ($8::int IS NULL OR t.version = $8::int)"
	 "       RETURNING t.id, t.network_id, t.code),"
	 " au AS (" AUDIT_INSERT("target_group.delete", "target_group", "d.id",
				 "jsonb_build_object('network_id', d.network_id, 'code', d.code)")
	 " FROM d)"
	 "SELECT 'ok', NULL::text, NULL::int, NULL::text FROM d"
	 " UNION ALL SELECT CASE WHEN o.allowed THEN 'stale' ELSE 'forbidden' END, NULL, o.version,"
	 "   NULL FROM o WHERE NOT EXISTS (SELECT 1 FROM d)"},
};
/* clang-format on */

static const char *const member_roles[] = {"member", "coordinator", NULL};

/* Fields a network may be created or changed with; the required ones are checked apart. */
static const struct json_field network_fields[] = {
        {"name", JF_STRING, 0, 1, 200},
        {"locality", JF_STRING, 0, 1, 200},
        {"description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
        {"default_days_to_accept", JF_INTEGER, 0, 1, 90},
};

static const struct json_field member_create_fields[] = {
        {"node_id", JF_UUID, 0},
        {"role", JF_ENUM, 0, 0, 0, member_roles},
        {"joined_on", JF_DATE, 0},
        {"agreement_signed_on", JF_DATE, JF_NULLABLE},
        {"days_to_accept", JF_INTEGER, JF_NULLABLE, 1, 90},
};

static const struct json_field member_update_fields[] = {
        {"role", JF_ENUM, 0, 0, 0, member_roles},
        {"joined_on", JF_DATE, 0},
        {"agreement_signed_on", JF_DATE, JF_NULLABLE},
        {"days_to_accept", JF_INTEGER, JF_NULLABLE, 1, 90},
        {"active", JF_BOOLEAN, 0},
};

static const struct json_field target_group_fields[] = {
        {"code", JF_KEY, 0},
        {"name", JF_STRING, 0, 1, 200},
        {"criteria", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
};

/* A write's parameters after the actor: whether the caller is an admin, its network_ids. */
static void access_params(const struct req *r, const char **values)
{
	values[0] = r->auth.role == ROLE_ADMIN ? "true" : "false";
	values[1] = r->auth.role == ROLE_COORDINATOR && r->auth.network_ids ? r->auth.network_ids
	                                                                    : "{}";
}

/*
 * Check the body against fields and answer 422 naming every problem. A create names its
 * required fields (NULL-terminated); an update passes NULL and must change something.
 */
static bool body_valid(struct req *r, const struct json_field *fields, size_t n,
                       const char *const *required)
{
	json_t *errors =
	        required ? answer_check_body(r, fields, n) : answer_check_patch(r, fields, n);

	for (const char *const *f = required; f && *f; f++)
		if (!json_object_get(r->json, *f))
			json_add_error(errors, *f, JSON_CODE_REQUIRED, "is required");
	return !answer_invalid(r, errors);
}

/* The text of an integer field for a statement parameter: NULL when absent or null. */
static const char *int_text(const json_t *obj, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return NULL;
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

/* State of a write that carries If-Match and a JSON patch. */
struct write_ctx {
	char version[24];
	char *patch;
};

static void write_ctx_free(void *p)
{
	struct write_ctx *w = p;

	free(w->patch);
	free(w);
}

/*
 * Start a write: read If-Match (answers 400 and returns NULL when malformed) and keep the
 * body as the patch. The context belongs to r.
 */
static struct write_ctx *write_begin(struct req *r)
{
	struct write_ctx *w;
	char version[sizeof(w->version)];

	if (req_if_match_text(r, version) < 0)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	r->ctx = w;
	r->ctx_free = write_ctx_free;
	memcpy(w->version, version, sizeof(version));
	if (r->json)
		w->patch = json_dumps(r->json, JSON_COMPACT);
	return w;
}

static const char *write_version(const struct write_ctx *w)
{
	return w->version[0] ? w->version : NULL;
}

/* Answer a write statement's row: outcome, JSON, version, Location (see stmts). */
static void on_write(void *arg, const struct db_result *res)
{
	answer_write(arg, res, "object",
	             "Only admins and the coordinators of this network may change it.");
}

/* The network of a list exists: run the list (network, filters..., cursor, limit). */
static void list_in_network(struct req *r, const struct db_result *res, const char *stmt,
                            const char *const *filters, int nfilters)
{
	struct page *p = r->ctx;
	const char *values[6];
	int n = 0;

	if (!answer_found(r, res))
		return;
	values[n++] = req_param(r, "id");
	for (int i = 0; i < nfilters; i++)
		values[n++] = filters[i];
	values[n++] = page_key(p, 0);
	values[n++] = page_key(p, 1);
	values[n++] = p->limit_text;
	req_db(r, stmt, n, values, answer_page);
}

/* Networks */

static const char *const network_required[] = {"name", "locality", NULL};

static void create_network(struct req *r)
{
	char days[24];
	const char *values[ACTOR_PARAMS + 4];

	if (!body_valid(r, network_fields, ARRAY_SIZE(network_fields), network_required))
		return;
	req_actor(r, values);
	values[4] = json_get_string(r->json, "name");
	values[5] = json_get_string(r->json, "locality");
	values[6] = json_get_string(r->json, "description");
	values[7] = int_text(r->json, "default_days_to_accept", days, sizeof(days));
	req_db(r, "network_create", 8, values, on_write);
}

static void list_networks(struct req *r)
{
	struct page *p = answer_page_begin(r, 2, NULL);
	const char *values[3];

	if (!p)
		return;
	values[0] = page_key(p, 0);
	values[1] = page_key(p, 1);
	values[2] = p->limit_text;
	req_db(r, "network_list", 3, values, answer_page);
}

static void get_network(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	req_db(r, "network_get", 1, values, answer_row);
}

/* Patch the object at {id} with stmt: actor, access, $7 patch, $8 id, $9 expected version. */
static void update_by_id(struct req *r, const struct json_field *fields, size_t n, const char *stmt)
{
	struct write_ctx *w;
	const char *values[ACTOR_PARAMS + 5];

	if (!body_valid(r, fields, n, NULL) || !(w = write_begin(r)))
		return;
	req_actor(r, values);
	access_params(r, values + 4);
	values[6] = w->patch;
	values[7] = req_param(r, "id");
	values[8] = write_version(w);
	req_db(r, stmt, 9, values, on_write);
}

static void update_network(struct req *r)
{
	update_by_id(r, network_fields, ARRAY_SIZE(network_fields), "network_update");
}

/* Members */

static void on_members_network(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	const char *filters[2] = {req_query(r, "role"), req_query(r, "active")};

	list_in_network(r, res, "network_member_list", filters, 2);
}

static void list_members(struct req *r)
{
	static const char *const allowed[] = {"role", "active", NULL};
	const char *role, *active, *values[1];

	if (!answer_page_begin(r, 2, allowed))
		return; /* answered: r is gone */
	role = req_query(r, "role");
	active = req_query(r, "active");
	if (role && strcmp(role, "member") && strcmp(role, "coordinator")) {
		answer_bad_query(r, "role", JSON_CODE_NOT_IN_LIST, "must be member or coordinator");
		return;
	}
	if (active && strcmp(active, "true") && strcmp(active, "false")) {
		answer_bad_query(r, "active", JSON_CODE_WRONG_TYPE, "must be true or false");
		return;
	}
	values[0] = req_param(r, "id");
	req_db(r, "network_exists", 1, values, on_members_network);
}

static const char *const member_required[] = {"node_id", NULL};

static void add_member(struct req *r)
{
	char days[24];
	const char *values[ACTOR_PARAMS + 8];

	if (!body_valid(r, member_create_fields, ARRAY_SIZE(member_create_fields), member_required))
		return;
	req_actor(r, values);
	access_params(r, values + 4);
	values[6] = req_param(r, "id");
	values[7] = json_get_string(r->json, "node_id");
	values[8] = json_get_string(r->json, "role");
	values[9] = json_get_string(r->json, "joined_on");
	values[10] = json_get_string(r->json, "agreement_signed_on");
	values[11] = int_text(r->json, "days_to_accept", days, sizeof(days));
	req_db(r, "network_member_add", 12, values, on_write);
}

static void get_member(struct req *r)
{
	const char *values[2] = {req_param(r, "id"), req_param(r, "node_id")};

	req_db(r, "network_member_get", 2, values, answer_row);
}

static void update_member(struct req *r)
{
	struct write_ctx *w;
	const char *values[ACTOR_PARAMS + 6];

	if (!body_valid(r, member_update_fields, ARRAY_SIZE(member_update_fields), NULL) ||
	    !(w = write_begin(r)))
		return;
	req_actor(r, values);
	access_params(r, values + 4);
	values[6] = w->patch;
	values[7] = req_param(r, "id");
	values[8] = req_param(r, "node_id");
	values[9] = write_version(w);
	req_db(r, "network_member_update", 10, values, on_write);
}

static void deactivate_member(struct req *r)
{
	struct write_ctx *w = write_begin(r);
	const char *values[ACTOR_PARAMS + 5];

	if (!w)
		return;
	req_actor(r, values);
	access_params(r, values + 4);
	values[6] = req_param(r, "id");
	values[7] = req_param(r, "node_id");
	values[8] = write_version(w);
	req_db(r, "network_member_deactivate", 9, values, on_write);
}

/* Target groups */

static void on_target_groups_network(void *arg, const struct db_result *res)
{
	list_in_network(arg, res, "network_target_group_list", NULL, 0);
}

static void list_target_groups(struct req *r)
{
	const char *values[1];

	if (!answer_page_begin(r, 2, NULL))
		return; /* answered: r is gone */
	values[0] = req_param(r, "id");
	req_db(r, "network_exists", 1, values, on_target_groups_network);
}

static const char *const target_group_required[] = {"code", "name", NULL};

static void create_target_group(struct req *r)
{
	const char *values[ACTOR_PARAMS + 6];

	if (!body_valid(r, target_group_fields, ARRAY_SIZE(target_group_fields),
	                target_group_required))
		return;
	req_actor(r, values);
	access_params(r, values + 4);
	values[6] = req_param(r, "id");
	values[7] = json_get_string(r->json, "code");
	values[8] = json_get_string(r->json, "name");
	values[9] = json_get_string(r->json, "criteria");
	req_db(r, "network_target_group_create", 10, values, on_write);
}

static void get_target_group(struct req *r)
{
	const char *values[1] = {req_param(r, "id")};

	req_db(r, "network_target_group_get", 1, values, answer_row);
}

static void update_target_group(struct req *r)
{
	update_by_id(r, target_group_fields, ARRAY_SIZE(target_group_fields),
	             "network_target_group_update");
}

/* A target group something still refers to is a conflict, not a broken reference. */
static void on_target_group_deleted(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	const char *state = res->status == DB_ERROR && res->pg
	                            ? PQresultErrorField(res->pg, PG_DIAG_SQLSTATE)
	                            : NULL;

	if (state && !strcmp(state, "23503")) {
		http_problem(
		        r, 409, "in-use", "Conflict",
		        "The target group is still named by a service or a chain; change those "
		        "first.");
		return;
	}
	on_write(arg, res);
}

static void delete_target_group(struct req *r)
{
	struct write_ctx *w = write_begin(r);
	const char *values[ACTOR_PARAMS + 4];

	if (!w)
		return;
	req_actor(r, values);
	access_params(r, values + 4);
	values[6] = req_param(r, "id");
	values[7] = write_version(w);
	req_db(r, "network_target_group_delete", 8, values, on_target_group_deleted);
}

/* Reads are open to every role; writes to admins and coordinators, then decided in SQL. */
#define DIRECTORY_READ  ROLE_ANY, "directory:read"
#define DIRECTORY_WRITE ROLE_ADMIN | ROLE_COORDINATOR, "directory:write"

static const struct route routes[] = {
        {"POST", "/v1/networks", create_network, ROUTE_BODY, ROLE_ADMIN, "directory:write"},
        {"GET", "/v1/networks", list_networks, ROUTE_READ_REPLICA, DIRECTORY_READ},
        {"GET", "/v1/networks/{id}", get_network, 0, DIRECTORY_READ},
        {"PATCH", "/v1/networks/{id}", update_network, ROUTE_BODY, DIRECTORY_WRITE},
        {"GET", "/v1/networks/{id}/members", list_members, 0, DIRECTORY_READ},
        {"POST", "/v1/networks/{id}/members", add_member, ROUTE_BODY, DIRECTORY_WRITE},
        {"GET", "/v1/networks/{id}/members/{node_id}", get_member, 0, DIRECTORY_READ},
        {"PATCH", "/v1/networks/{id}/members/{node_id}", update_member, ROUTE_BODY,
         DIRECTORY_WRITE},
        {"DELETE", "/v1/networks/{id}/members/{node_id}", deactivate_member, 0, DIRECTORY_WRITE},
        {"GET", "/v1/networks/{id}/target-groups", list_target_groups, 0, DIRECTORY_READ},
        {"POST", "/v1/networks/{id}/target-groups", create_target_group, ROUTE_BODY,
         DIRECTORY_WRITE},
        {"GET", "/v1/target-groups/{id}", get_target_group, 0, DIRECTORY_READ},
        {"PATCH", "/v1/target-groups/{id}", update_target_group, ROUTE_BODY, DIRECTORY_WRITE},
        {"DELETE", "/v1/target-groups/{id}", delete_target_group, 0, DIRECTORY_WRITE},
};

API_MODULE(networks_api, "networks", routes, stmts);
