/*
 * Service chains (Dienstleistungsketten): one per network and target group, with versions
 * (chain_versions.c). Coordinators of the network (and admins) create and rename chains;
 * caseworkers of active member nodes read them; everyone else gets 404. Who may see what is
 * decided in SQL by chain_access() (schema/0004_chain_functions.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_sql.h"
#include "answer.h"
#include "api.h"
#include "chains.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "validate.h"

/* The caller as chain_access() takes it, at $1..$3 of a read or $5..$7 of a write. */
#define CALLER_READ "$1::boolean, $2::uuid[], $3::uuid"

static const struct db_stmt stmts[] = {
        /* caller, $4 network: one row with the caller's access (NULL: none) when it exists */
        {"chain_network_access",
         "SELECT chain_access(n.id, " CALLER_READ ") FROM network n WHERE n.id = $4"},
        /* caller, $4 network, $5 target group filter, $6 $7 cursor (name, id), $8 limit + 1 */
        {"chain_list",
         "SELECT chain_json(c, a.access = 'coordinator')::text, c.name, c.id::text"
         " FROM chain c CROSS JOIN LATERAL (SELECT chain_access(c.network_id, " CALLER_READ
         ") AS access) a"
         " WHERE c.network_id = $4 AND a.access IS NOT NULL"
         "   AND ($5::uuid IS NULL OR c.target_group_id = $5::uuid)"
         "   AND ($6::text IS NULL OR (c.name, c.id) > ($6::text, $7::uuid))"
         " ORDER BY c.name, c.id LIMIT $8::int"},
        /* caller, $4 chain */
        {"chain_get",
         "SELECT chain_json(c, a.access = 'coordinator')::text, c.version"
         " FROM chain c CROSS JOIN LATERAL (SELECT chain_access(c.network_id, " CALLER_READ
         ") AS access) a"
         " WHERE c.id = $4 AND a.access IS NOT NULL"},
        /* actor, $5 admin, $6 networks, $7 network, $8 target group, $9 name, $10 description */
        {"chain_create",
         "WITH n AS (SELECT w.id FROM network w WHERE w.id = $7"
         "           AND chain_access(w.id, $5::boolean, $6::uuid[], NULL) = 'coordinator'),"
         " c AS (INSERT INTO chain (network_id, target_group_id, name, description)"
         "       SELECT n.id, $8::uuid, $9, $10 FROM n RETURNING *),"
         " au AS (" AUDIT_INSERT(
                 "chain.create", "chain", "c.id",
                 "jsonb_build_object('network_id', c.network_id, 'target_group_id',"
                 " c.target_group_id, 'name', c.name)") " FROM c)"
                                                        "SELECT chain_json(ROW(c.*)::chain, "
                                                        "true)::text, c.version, '/v1/chains/' || "
                                                        "c.id FROM c"},
        /*
         * actor, $5 admin, $6 networks, $7 chain, $8 expected version or NULL, $9 patch (jsonb of
         * the fields given). Answers 'ok' + the chain, or 'stale' when it is at another version.
         */
        {"chain_update",
         "WITH c0 AS (SELECT * FROM chain WHERE id = $7"
         "            AND chain_access(network_id, $5::boolean, $6::uuid[], NULL) = "
         "'coordinator'),"
         " u AS (UPDATE chain c SET"
         "   name = CASE WHEN $9::jsonb ? 'name' THEN $9::jsonb->>'name' ELSE c.name END,"
         "   description = CASE WHEN $9::jsonb ? 'description' THEN $9::jsonb->>'description'"
         "                 ELSE c.description END,"
         "   version = c.version + 1, updated_at = now()"
         "   FROM c0 WHERE c.id = c0.id AND ($8::int IS NULL OR c.version = $8::int)"
         "   RETURNING c.*),"
         " au AS (" AUDIT_INSERT(
                 "chain.update", "chain", "u.id",
                 "jsonb_build_object('fields', (SELECT jsonb_agg(k) FROM"
                 " jsonb_object_keys($9::jsonb) k))") " FROM u)"
                                                      "SELECT 'ok', chain_json(ROW(u.*)::chain, "
                                                      "true)::text, u.version FROM u"
                                                      " UNION ALL SELECT 'stale', NULL, "
                                                      "c0.version "
                                                      "FROM c0 WHERE NOT EXISTS (SELECT 1 FROM "
                                                      "u)"},
};

static const struct json_field create_fields[] = {
        {"target_group_id", JF_UUID, JF_REQUIRED},
        {"name", JF_STRING, JF_REQUIRED, 1, 200},
        {"description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
};

static const struct json_field update_fields[] = {
        {"name", JF_STRING, 0, 1, 200},
        {"description", JF_STRING, JF_NULLABLE | JF_MULTILINE, 1, 4000},
};

void chains_caller(const struct req *r, const char **values)
{
	values[0] = r->auth.role == ROLE_ADMIN ? "true" : "false";
	values[1] = r->auth.role == ROLE_COORDINATOR ? r->auth.network_ids : NULL;
	values[2] = r->auth.role == ROLE_CASEWORKER && r->auth.node_id[0] ? r->auth.node_id : NULL;
}

void chains_write_caller(const struct req *r, const char **values)
{
	const char *caller[CHAIN_CALLER_PARAMS];

	chains_caller(r, caller);
	values[ACTOR_PARAMS] = caller[0];
	values[ACTOR_PARAMS + 1] = caller[1];
}

static void on_list_access(void *arg, const struct db_result *res)
{
	struct req *r = arg;
	struct page *p = r->ctx;
	const char *values[CHAIN_CALLER_PARAMS + 5];

	if (!answer_found(r, res))
		return;
	chains_caller(r, values);
	values[3] = req_param(r, "id");
	values[4] = req_query(r, "target_group_id");
	values[5] = page_key(p, 0);
	values[6] = page_key(p, 1);
	values[7] = p->limit_text;
	req_db(r, "chain_list", 8, values, answer_page);
}

static void list_chains(struct req *r)
{
	static const char *const allowed[] = {"target_group_id", NULL};
	const char *group = req_query(r, "target_group_id");
	const char *values[CHAIN_CALLER_PARAMS + 1];
	json_t *errors;

	if (!answer_page_begin(r, 2, allowed))
		return;
	errors = json_array();
	if (group && !validate_uuid(group))
		json_add_error(errors, "target_group_id", JSON_CODE_UUID, "must be a UUID");
	if (answer_bad_queries(r, errors, "target_group_id is not a UUID."))
		return;
	chains_caller(r, values);
	values[3] = req_param(r, "id");
	req_db(r, "chain_network_access", 4, values, on_list_access);
}

static void get_chain(struct req *r)
{
	const char *values[CHAIN_CALLER_PARAMS + 1];

	chains_caller(r, values);
	values[3] = req_param(r, "id");
	req_db(r, "chain_get", 4, values, answer_row);
}

static void create_chain(struct req *r)
{
	json_t *errors = answer_check_body(r, create_fields, ARRAY_SIZE(create_fields));
	const char *values[ACTOR_PARAMS + 6];

	if (answer_invalid(r, errors))
		return;
	req_actor(r, values);
	chains_write_caller(r, values);
	values[6] = req_param(r, "id");
	values[7] = json_get_string(r->json, "target_group_id");
	values[8] = json_get_string(r->json, "name");
	values[9] = json_get_string(r->json, "description");
	req_db(r, "chain_create", 10, values, answer_created);
}

static void on_updated(void *arg, const struct db_result *res)
{
	answer_write(arg, res, "chain", NULL);
}

static void update_chain(struct req *r)
{
	json_t *errors = answer_check_patch(r, update_fields, ARRAY_SIZE(update_fields));
	const char *values[ACTOR_PARAMS + 5];
	char version_text[24], *patch;
	int if_match;

	if (answer_invalid(r, errors))
		return;
	if_match = req_if_match_text(r, version_text);
	if (if_match < 0)
		return;
	patch = json_dumps(r->json, JSON_COMPACT);
	req_actor(r, values);
	chains_write_caller(r, values);
	values[6] = req_param(r, "id");
	values[7] = if_match ? version_text : NULL;
	values[8] = patch;
	req_db(r, "chain_update", 9, values, on_updated);
	free(patch);
}

static const struct route routes[] = {
        {"GET", "/v1/networks/{id}/chains", list_chains, ROUTE_READ_REPLICA, ROLE_ANY,
         "chains:read"},
        {"POST", "/v1/networks/{id}/chains", create_chain, ROUTE_BODY,
         ROLE_ADMIN | ROLE_COORDINATOR, "chains:write"},
        {"GET", "/v1/chains/{id}", get_chain, 0, ROLE_ANY, "chains:read"},
        {"PATCH", "/v1/chains/{id}", update_chain, ROUTE_BODY, ROLE_ADMIN | ROLE_COORDINATOR,
         "chains:write"},
};

API_MODULE(chains_api, "chains", routes, stmts);
