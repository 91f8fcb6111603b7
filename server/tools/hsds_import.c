/*
 * pnetd hsds-import FILE: load an Open Referral HSDS 3.0 document (the shape GET
 * /v1/hsds/export answers: {"organizations", "locations", "services",
 * "service_at_locations"}) into the registry. The whole file is checked first by the mapping
 * (lib/hsds_map.c, given what the database holds) and every problem is reported with its JSON
 * path; then one transaction upserts by id (rows that would not change are not touched, so a
 * second import of the same file changes nothing) and writes one "hsds.import" audit row with
 * the counts. docs/hsds.md holds the mapping.
 */
#include "tools.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"
#include "hsds_map.h"
#include "json.h"
#include "params.h"
#include "tools_sql.h"

static const struct db_stmt *const upserts[] = {
        &sql_hsds_upsert_organizations,
        &sql_hsds_upsert_nodes,
        &sql_hsds_upsert_services,
};
static const char *const table_names[] = {"organizations", "locations", "services"};

/* Write the rows in one transaction with the audit row; true when committed. */
static bool write_all(PGconn *pg, json_t *const rows[3], const char *file)
{
	json_t *counts = json_object();
	struct params p = {0};
	bool ok = false;
	PGresult *res;

	if (tools_exec(pg, "BEGIN", "hsds-import: begin") < 0)
		goto out;
	for (size_t t = 0; t < 3; t++) {
		long created, updated;

		params_json(&p, "rows", rows[t]);
		if (tools_run(pg, upserts[t], &p, &res) < 0)
			goto rollback;
		created = strtol(PQgetvalue(res, 0, PQfnumber(res, "created")), NULL, 10);
		updated = strtol(PQgetvalue(res, 0, PQfnumber(res, "updated")), NULL, 10);
		PQclear(res);
		json_object_set_new(
		        counts, table_names[t],
		        json_pack("{s:I, s:I, s:I}", "created", (json_int_t)created, "updated",
		                  (json_int_t)updated, "unchanged",
		                  (json_int_t)json_array_size(rows[t]) - created - updated));
	}
	json_object_set_new(counts, "file", json_string(file));
	json_object_set_new(counts, "via", json_string("pnetd hsds-import"));
	params_json(&p, "detail", counts);
	if (tools_run(pg, &sql_hsds_audit, &p, NULL) < 0)
		goto rollback;
	if (tools_exec(pg, "COMMIT", "hsds-import: commit") < 0)
		goto out;
	for (size_t t = 0; t < 3; t++) {
		json_t *c = json_object_get(counts, table_names[t]);
		printf("%s: %lld created, %lld updated, %lld unchanged\n", table_names[t],
		       (long long)json_integer_value(json_object_get(c, "created")),
		       (long long)json_integer_value(json_object_get(c, "updated")),
		       (long long)json_integer_value(json_object_get(c, "unchanged")));
	}
	ok = true;
	goto out;
rollback:
	tools_exec(pg, "ROLLBACK", "hsds-import: rollback");
out:
	json_decref(counts);
	return ok;
}

/* The first column of stmt's rows (run with ids, a JSON array, or none) as a JSON array. */
static json_t *column_list(PGconn *pg, const struct db_stmt *stmt, const json_t *ids)
{
	struct params p = {0};
	PGresult *res;
	json_t *list;

	if (ids)
		params_json(&p, "ids", ids);
	if (tools_run(pg, stmt, &p, &res) < 0)
		return NULL;
	list = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(list, json_string(PQgetvalue(res, i, 0)));
	PQclear(res);
	return list;
}

/*
 * What the mapping needs to know of the database: the service categories, and which of the
 * organizations and nodes the document refers to exist.
 */
static json_t *load_known(PGconn *pg, const json_t *doc)
{
	json_t *refs = hsds_map_references(doc), *known = NULL;
	json_t *categories = column_list(pg, &sql_hsds_categories, NULL);
	json_t *orgs = column_list(pg, &sql_hsds_known_organizations,
	                           json_object_get(refs, "organizations"));
	json_t *nodes = column_list(pg, &sql_hsds_known_nodes, json_object_get(refs, "nodes"));

	if (categories && orgs && nodes)
		known = json_pack("{s:O, s:O, s:O}", "categories", categories, "organizations",
		                  orgs, "nodes", nodes);
	json_decref(categories);
	json_decref(orgs);
	json_decref(nodes);
	json_decref(refs);
	return known;
}

int hsds_import_main(int argc, char **argv)
{
	struct hsds_map map = {0};
	json_t *doc = NULL, *known = NULL, *item;
	PGconn *pg = NULL;
	char *text = NULL, err[256];
	size_t len = 0, i;
	int rc = 1;

	if (argc != 1 || argv[0][0] == '-') {
		fprintf(stderr, "usage: pnetd hsds-import FILE [options]\n");
		return 2;
	}
	text = tools_read_file(argv[0], &len);
	if (!text) {
		fprintf(stderr, "pnetd hsds-import: cannot read %s: %s\n", argv[0],
		        strerror(errno));
		return 1;
	}
	doc = json_parse_object(text, len, err, sizeof(err));
	free(text);
	if (!doc) {
		fprintf(stderr, "pnetd hsds-import: %s: %s\n", argv[0], err);
		return 1;
	}

	pg = tools_connect(cfg.database, "pnetd hsds-import");
	if (!pg)
		goto out;
	known = load_known(pg, doc);
	if (!known)
		goto out;
	if (hsds_map(doc, known, &map) < 0) {
		fprintf(stderr, "pnetd hsds-import: %s: %zu problem%s, nothing imported:\n",
		        argv[0], json_array_size(map.errors),
		        json_array_size(map.errors) == 1 ? "" : "s");
		json_array_foreach(map.errors, i, item)
			fprintf(stderr, "  %s: %s\n", json_get_string(item, "field"),
			        json_get_string(item, "message"));
		goto out;
	}
	if (write_all(pg, (json_t *const[3]){map.organizations, map.nodes, map.services}, argv[0]))
		rc = 0;
out:
	hsds_map_clear(&map);
	json_decref(known);
	json_decref(doc);
	PQfinish(pg);
	return rc;
}
