/* pnet services search, nodes list and hsds export: the directory of the network. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"

/* Parse a search's options and its words (several words read as one query, instead of --q). */
static int parse_search(int argc, char **argv, const struct cli_opt *opts, size_t nopts,
                        const char *const *q, const char *words[CLI_MAX_POSITIONAL], int *nwords)
{
	int rc;

	if ((rc = cli_parse(argc, argv, opts, nopts, 0, CLI_MAX_POSITIONAL, words, nwords)))
		return rc;
	if (*q && *nwords)
		return cli_usage("give the search words or --q, not both");
	return 0;
}

/*
 * Start the query of a search at path with q: --q, else the positional words joined into one
 * (several words read as one query).
 */
static void search_query(struct cli_query *query, const char *path, const char *q,
                         const char *const *words, int n)
{
	size_t len = 1;
	char *joined = NULL;

	if (!q && n > 0) {
		for (int i = 0; i < n; i++)
			len += strlen(words[i]) + 1;
		joined = calloc(1, len);
		if (!joined)
			abort();
		for (int i = 0; i < n; i++) {
			if (i)
				strcat(joined, " ");
			strcat(joined, words[i]);
		}
	}
	cli_query_init(query, "%s", path);
	cli_query_add(query, "q", q ? q : joined);
	free(joined);
}

static void service_row(const json_t *item, const char **cells, const void *ctx)
{
	json_t *node = json_object_get(item, "node");
	const char *district = cli_text(item, "district");

	cells[0] = cli_text(item, "id");
	cells[1] = cli_text(item, "name");
	cells[2] = cli_text(node, "name");
	cells[3] = cli_text(item, "category");
	cells[4] = district ? district : cli_text(node, "district");
	cells[5] = cli_text(item, "capacity_free");
}

int cmd_services_search(int argc, char **argv)
{
	static const char *const headers[] = {"ID",       "NAME",     "PROVIDER",
	                                      "CATEGORY", "DISTRICT", "FREE"};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, service_row, NULL};
	const char *category = NULL, *target_group = NULL, *district = NULL, *network = NULL,
	           *language = NULL, *status = NULL, *q = NULL;
	bool capacity = false;
	struct cli_paging paging = {0};
	const struct cli_opt opts[] = {
	        {"category", true, &category},
	        {"target-group", true, &target_group},
	        {"district", true, &district},
	        {"network", true, &network},
	        {"language", true, &language},
	        {"status", true, &status},
	        {"has-capacity", false, NULL, &capacity},
	        {"q", true, &q},
	        CLI_PAGING_OPTS(paging),
	};
	const char *pos[CLI_MAX_POSITIONAL];
	struct cli_query query;
	int npos, rc;

	if ((rc = parse_search(argc, argv, opts, ARRAY_LEN(opts), &q, pos, &npos)))
		return rc;
	if ((target_group && !cli_uuid_arg(target_group, "--target-group")) ||
	    (network && !cli_uuid_arg(network, "--network")))
		return EXIT_USAGE;
	search_query(&query, "/v1/services", q, pos, npos);
	cli_query_add(&query, "category", category);
	cli_query_add(&query, "target_group_id", target_group);
	cli_query_add(&query, "district", district);
	cli_query_add(&query, "network_id", network);
	cli_query_add(&query, "language", language);
	cli_query_add(&query, "status", status);
	cli_query_add(&query, "has_capacity", capacity ? "true" : NULL);
	return cli_show_page(&query, &paging, &table);
}

int cmd_nodes_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID", "NAME", "KIND", "DISTRICT", "ACTIVE"};
	static const char *const keys[] = {"id", "name", "kind", "district", "active", NULL};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, cli_row_keys, keys};
	const char *kind = NULL, *network = NULL, *district = NULL, *q = NULL, *active = NULL;
	struct cli_paging paging = {0};
	const struct cli_opt opts[] = {
	        {"kind", true, &kind}, {"network", true, &network}, {"district", true, &district},
	        {"q", true, &q},       {"active", true, &active},   CLI_PAGING_OPTS(paging),
	};
	const char *pos[CLI_MAX_POSITIONAL];
	struct cli_query query;
	int npos, rc;

	if ((rc = parse_search(argc, argv, opts, ARRAY_LEN(opts), &q, pos, &npos)))
		return rc;
	if (network && !cli_uuid_arg(network, "--network"))
		return EXIT_USAGE;
	if (active && strcmp(active, "true") && strcmp(active, "false"))
		return cli_usage("--active is true or false");
	search_query(&query, "/v1/nodes", q, pos, npos);
	cli_query_add(&query, "kind", kind);
	cli_query_add(&query, "network_id", network);
	cli_query_add(&query, "district", district);
	cli_query_add(&query, "active", active);
	return cli_show_page(&query, &paging, &table);
}

/* Write value as indented JSON to dir/name; false (with a message) on failure. */
static bool write_json(const char *dir, const char *name, const json_t *value)
{
	char *path;
	bool ok;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	ok = json_dump_file(value, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0;
	if (!ok)
		fprintf(stderr, "pnet hsds export: cannot write %s: %s\n", path, strerror(errno));
	free(path);
	return ok;
}

int cmd_hsds_export(int argc, char **argv)
{
	static const char *const collections[] = {"organizations", "locations", "services",
	                                          "service_at_locations"};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *doc;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, NULL, 0, 1, 1, pos, &npos)))
		return rc;
	if (mkdir(pos[0], 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "pnet hsds export: cannot create %s: %s\n", pos[0],
		        strerror(errno));
		return EXIT_USAGE;
	}
	if ((rc = cli_call("GET", "/v1/hsds/export", NULL, -1, &doc)))
		return rc;
	/* The whole document (what pnetd hsds-import reads) and one file per collection. */
	rc = write_json(pos[0], "hsds.json", doc) ? EXIT_OK : EXIT_USAGE;
	for (size_t i = 0; rc == EXIT_OK && i < ARRAY_LEN(collections); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s.json", collections[i]);
		json_t *items = json_object_get(doc, collections[i]);
		if (!write_json(pos[0], name, items ? items : json_array()))
			rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK && !cli.json) {
		printf("Wrote %s/hsds.json:", pos[0]);
		for (size_t i = 0; i < ARRAY_LEN(collections); i++)
			printf(" %zu %s%s", json_array_size(json_object_get(doc, collections[i])),
			       collections[i], i + 1 < ARRAY_LEN(collections) ? "," : ".\n");
	} else if (rc == EXIT_OK) {
		json_t *counts = json_object();
		for (size_t i = 0; i < ARRAY_LEN(collections); i++)
			json_object_set_new(counts, collections[i],
			                    json_integer((json_int_t)json_array_size(
			                            json_object_get(doc, collections[i]))));
		cli_print_json(counts);
		json_decref(counts);
	}
	json_decref(doc);
	return rc;
}
