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
#include "util.h"

#define MAX_FILE (64L * 1024 * 1024)

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= MAX_FILE &&
	    fseek(f, 0, SEEK_SET) == 0) {
		text = xmalloc((size_t)n + 1);
		if (fread(text, 1, (size_t)n, f) != (size_t)n) {
			free(text);
			text = NULL;
		} else {
			text[n] = '\0';
			*len = (size_t)n;
		}
	} else {
		errno = EFBIG;
	}
	fclose(f);
	return text;
}

/* Upserts: a row changes only when a kept field differs, and then gets version + 1. */
static const char *const upserts[] = {
        "WITH up AS (INSERT INTO organization (id, name, kind, email, phone, url, street,"
        "                                      postal_code, city)"
        " SELECT id, name, kind, email, phone, url, street, postal_code, city"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, kind text, email text,"
        "      phone text, url text, street text, postal_code text, city text)"
        " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,"
        "   email = EXCLUDED.email, phone = EXCLUDED.phone, url = EXCLUDED.url,"
        "   street = EXCLUDED.street, postal_code = EXCLUDED.postal_code, city = EXCLUDED.city,"
        "   version = organization.version + 1, updated_at = now()"
        " WHERE (organization.name, organization.kind, organization.email, organization.phone,"
        "        organization.url, organization.street, organization.postal_code,"
        "        organization.city) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind,"
        "        EXCLUDED.email, EXCLUDED.phone, EXCLUDED.url, EXCLUDED.street,"
        "        EXCLUDED.postal_code, EXCLUDED.city)"
        " RETURNING (xmax = 0) AS inserted)"
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",

        "WITH up AS (INSERT INTO node (id, organization_id, name, kind, district, street,"
        "                              postal_code, city, geo_lat, geo_lon, phone, email, url,"
        "                              languages, accessibility, active)"
        " SELECT id, organization_id, name, kind, district, street, postal_code, city, geo_lat,"
        "        geo_lon, phone, email, url, languages, accessibility, active"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, organization_id uuid, name text,"
        "      kind text, district text, street text, postal_code text, city text,"
        "      geo_lat double precision, geo_lon double precision, phone text, email text,"
        "      url text, languages text[], accessibility text, active boolean)"
        " ON CONFLICT (id) DO UPDATE SET organization_id = EXCLUDED.organization_id,"
        "   name = EXCLUDED.name, kind = EXCLUDED.kind, district = EXCLUDED.district,"
        "   street = EXCLUDED.street, postal_code = EXCLUDED.postal_code, city = EXCLUDED.city,"
        "   geo_lat = EXCLUDED.geo_lat, geo_lon = EXCLUDED.geo_lon, phone = EXCLUDED.phone,"
        "   email = EXCLUDED.email, url = EXCLUDED.url, languages = EXCLUDED.languages,"
        "   accessibility = EXCLUDED.accessibility, active = EXCLUDED.active,"
        "   version = node.version + 1, updated_at = now()"
        " WHERE (node.organization_id, node.name, node.kind, node.district, node.street,"
        "        node.postal_code, node.city, node.geo_lat, node.geo_lon, node.phone, node.email,"
        "        node.url, node.languages, node.accessibility, node.active)"
        "   IS DISTINCT FROM (EXCLUDED.organization_id, EXCLUDED.name, EXCLUDED.kind,"
        "        EXCLUDED.district, EXCLUDED.street, EXCLUDED.postal_code, EXCLUDED.city,"
        "        EXCLUDED.geo_lat, EXCLUDED.geo_lon, EXCLUDED.phone, EXCLUDED.email,"
        "        EXCLUDED.url, EXCLUDED.languages, EXCLUDED.accessibility, EXCLUDED.active)"
        " RETURNING (xmax = 0) AS inserted)"
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",

        /* Target groups are not part of HSDS: an update keeps a service's target_group_ids. */
        "WITH up AS (INSERT INTO service (id, node_id, category, name, description, eligibility,"
        "                                 capacity_total, capacity_free, wait_days, district,"
        "                                 place, schedule, status)"
        " SELECT id, node_id, category, name, description, eligibility, capacity_total,"
        "        capacity_free, wait_days, district, place, schedule, status"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, node_id uuid, category text,"
        "      name text, description text, eligibility text, capacity_total integer,"
        "      capacity_free integer, wait_days integer, district text, place text,"
        "      schedule jsonb, status text)"
        " ON CONFLICT (id) DO UPDATE SET node_id = EXCLUDED.node_id,"
        "   category = EXCLUDED.category, name = EXCLUDED.name,"
        "   description = EXCLUDED.description, eligibility = EXCLUDED.eligibility,"
        "   capacity_total = EXCLUDED.capacity_total, capacity_free = EXCLUDED.capacity_free,"
        "   wait_days = EXCLUDED.wait_days, district = EXCLUDED.district,"
        "   place = EXCLUDED.place, schedule = EXCLUDED.schedule, status = EXCLUDED.status,"
        "   version = service.version + 1, updated_at = now()"
        " WHERE (service.node_id, service.category, service.name, service.description,"
        "        service.eligibility, service.capacity_total, service.capacity_free,"
        "        service.wait_days, service.district, service.place, service.schedule,"
        "        service.status)"
        "   IS DISTINCT FROM (EXCLUDED.node_id, EXCLUDED.category, EXCLUDED.name,"
        "        EXCLUDED.description, EXCLUDED.eligibility, EXCLUDED.capacity_total,"
        "        EXCLUDED.capacity_free, EXCLUDED.wait_days, EXCLUDED.district, EXCLUDED.place,"
        "        EXCLUDED.schedule, EXCLUDED.status)"
        " RETURNING (xmax = 0) AS inserted)"
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",
};
static const char *const table_names[] = {"organizations", "locations", "services"};

static bool exec_ok(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "pnetd hsds-import: %s: %s", sql, PQerrorMessage(pg));
	PQclear(res);
	return ok;
}

/* Write the rows in one transaction with the audit row; true when committed. */
static bool write_all(PGconn *pg, json_t *const rows[3], const char *file)
{
	json_t *counts = json_object();
	bool ok = false;
	PGresult *res;

	if (!exec_ok(pg, "BEGIN"))
		goto out;
	for (size_t t = 0; t < 3; t++) {
		char *text = json_dumps(rows[t], JSON_COMPACT);
		const char *values[1] = {text};
		long inserted, updated;

		res = PQexecParams(pg, upserts[t], 1, NULL, values, NULL, NULL, 0);
		free(text);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "pnetd hsds-import: writing %s: %s", table_names[t],
			        PQerrorMessage(pg));
			PQclear(res);
			exec_ok(pg, "ROLLBACK");
			goto out;
		}
		inserted = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		updated = strtol(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
		json_object_set_new(
		        counts, table_names[t],
		        json_pack("{s:I, s:I, s:I}", "created", (json_int_t)inserted, "updated",
		                  (json_int_t)updated, "unchanged",
		                  (json_int_t)json_array_size(rows[t]) - inserted - updated));
	}
	json_object_set_new(counts, "file", json_string(file));
	json_object_set_new(counts, "via", json_string("pnetd hsds-import"));
	{
		char *text = json_dumps(counts, JSON_COMPACT);
		const char *values[1] = {text};
		res = PQexecParams(
		        pg,
		        "SELECT audit(NULL, NULL, 'hsds.import', NULL, NULL, 'cli', 'local',"
		        " $1::jsonb)",
		        1, NULL, values, NULL, NULL, 0);
		free(text);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "pnetd hsds-import: audit: %s", PQerrorMessage(pg));
		PQclear(res);
		exec_ok(pg, "ROLLBACK");
		goto out;
	}
	PQclear(res);
	if (!exec_ok(pg, "COMMIT"))
		goto out;
	for (size_t t = 0; t < 3; t++) {
		json_t *c = json_object_get(counts, table_names[t]);
		printf("%s: %lld created, %lld updated, %lld unchanged\n", table_names[t],
		       (long long)json_integer_value(json_object_get(c, "created")),
		       (long long)json_integer_value(json_object_get(c, "updated")),
		       (long long)json_integer_value(json_object_get(c, "unchanged")));
	}
	ok = true;
out:
	json_decref(counts);
	return ok;
}

/* The rows of sql (one text column) as a JSON array of strings; NULL after saying why. */
static json_t *column_list(PGconn *pg, const char *sql, const char *param, const char *what)
{
	const char *values[1] = {param};
	PGresult *res = PQexecParams(pg, sql, param ? 1 : 0, NULL, values, NULL, NULL, 0);
	json_t *list;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "pnetd hsds-import: reading %s: %s", what, PQerrorMessage(pg));
		PQclear(res);
		return NULL;
	}
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
	char *orgs = json_dumps(json_object_get(refs, "organizations"), JSON_COMPACT);
	char *nodes = json_dumps(json_object_get(refs, "nodes"), JSON_COMPACT);
	json_t *categories = column_list(pg, "SELECT code FROM taxonomy", NULL, "the taxonomy");
	json_t *known_orgs =
	        column_list(pg,
	                    "SELECT id::text FROM organization"
	                    " WHERE id IN (SELECT jsonb_array_elements_text($1)::uuid)",
	                    orgs, "the organizations");
	json_t *known_nodes =
	        column_list(pg,
	                    "SELECT id::text FROM node"
	                    " WHERE id IN (SELECT jsonb_array_elements_text($1)::uuid)",
	                    nodes, "the nodes");

	if (categories && known_orgs && known_nodes)
		known = json_pack("{s:O, s:O, s:O}", "categories", categories, "organizations",
		                  known_orgs, "nodes", known_nodes);
	json_decref(categories);
	json_decref(known_orgs);
	json_decref(known_nodes);
	free(orgs);
	free(nodes);
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
	text = read_all(argv[0], &len);
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

	pg = PQconnectdb(cfg.database);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "pnetd hsds-import: cannot connect: %s", PQerrorMessage(pg));
		goto out;
	}
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
