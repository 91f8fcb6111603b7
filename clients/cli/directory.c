/* pnet services search, nodes list and hsds export: the directory of the network. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Join the words of a search into one q (several positional words read as one query). */
static char *join_words(const char *const *words, int n)
{
	size_t len = 1;
	char *q;

	if (n == 0)
		return NULL;
	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	q = calloc(1, len);
	if (!q)
		abort();
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(q, " ");
		strcat(q, words[i]);
	}
	return q;
}

int cmd_services_search(int argc, char **argv)
{
	static const char *const headers[] = {"ID",       "NAME",     "PROVIDER",
	                                      "CATEGORY", "DISTRICT", "FREE"};
	const char *category = NULL, *target_group = NULL, *district = NULL, *network = NULL,
	           *language = NULL, *status = NULL, *limit = NULL, *after = NULL, *q = NULL;
	bool capacity = false, all = false;
	const struct cli_opt opts[] = {
	        {"category", true, &category},
	        {"target-group", true, &target_group},
	        {"district", true, &district},
	        {"network", true, &network},
	        {"language", true, &language},
	        {"status", true, &status},
	        {"has-capacity", false, NULL, &capacity},
	        {"q", true, &q},
	        {"limit", true, &limit},
	        {"after", true, &after},
	        {"all", false, NULL, &all},
	};
	const char *pos[CLI_MAX_POSITIONAL];
	struct cli_query query;
	json_t *items, *item;
	char *words, *next;
	size_t i;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 0, CLI_MAX_POSITIONAL, pos, &npos)))
		return rc;
	if (q && npos)
		return cli_usage("give the search words or --q, not both");
	if ((target_group && !cli_uuid_arg(target_group, "--target-group")) ||
	    (network && !cli_uuid_arg(network, "--network")))
		return EXIT_USAGE;
	words = join_words(pos, npos);
	cli_query_init(&query, "/v1/services");
	cli_query_add(&query, "q", q ? q : words);
	cli_query_add(&query, "category", category);
	cli_query_add(&query, "target_group_id", target_group);
	cli_query_add(&query, "district", district);
	cli_query_add(&query, "network_id", network);
	cli_query_add(&query, "language", language);
	cli_query_add(&query, "status", status);
	cli_query_add(&query, "has_capacity", capacity ? "true" : NULL);
	cli_query_add(&query, "limit", limit);
	cli_query_add(&query, "after", after);
	free(words);
	rc = cli_list(query.text, all, &items, &next);
	cli_query_free(&query);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json) {
		cli_print_list_json(items, next);
	} else {
		struct table *t = table_new(ARRAY_LEN(headers), headers);
		json_array_foreach(items, i, item)
		{
			json_t *node = json_object_get(item, "node");
			const char *district_text = cli_text(item, "district");
			const char *cells[] = {
			        cli_text(item, "id"),
			        cli_text(item, "name"),
			        cli_text(node, "name"),
			        cli_text(item, "category"),
			        district_text ? district_text : cli_text(node, "district"),
			        cli_text(item, "capacity_free"),
			};
			table_add(t, cells);
		}
		table_print(t, stdout);
		table_free(t);
		if (next)
			printf("(more: --after %s, or --all)\n", next);
	}
	json_decref(items);
	free(next);
	return EXIT_OK;
}

int cmd_nodes_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID", "NAME", "KIND", "DISTRICT", "ACTIVE"};
	const char *kind = NULL, *network = NULL, *district = NULL, *q = NULL, *active = NULL,
	           *limit = NULL, *after = NULL;
	bool all = false;
	const struct cli_opt opts[] = {
	        {"kind", true, &kind},   {"network", true, &network}, {"district", true, &district},
	        {"q", true, &q},         {"active", true, &active},   {"limit", true, &limit},
	        {"after", true, &after}, {"all", false, NULL, &all},
	};
	const char *pos[CLI_MAX_POSITIONAL];
	struct cli_query query;
	json_t *items, *item;
	char *words, *next;
	size_t i;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 0, CLI_MAX_POSITIONAL, pos, &npos)))
		return rc;
	if (q && npos)
		return cli_usage("give the search words or --q, not both");
	if (network && !cli_uuid_arg(network, "--network"))
		return EXIT_USAGE;
	if (active && strcmp(active, "true") && strcmp(active, "false"))
		return cli_usage("--active is true or false");
	words = join_words(pos, npos);
	cli_query_init(&query, "/v1/nodes");
	cli_query_add(&query, "q", q ? q : words);
	cli_query_add(&query, "kind", kind);
	cli_query_add(&query, "network_id", network);
	cli_query_add(&query, "district", district);
	cli_query_add(&query, "active", active);
	cli_query_add(&query, "limit", limit);
	cli_query_add(&query, "after", after);
	free(words);
	rc = cli_list(query.text, all, &items, &next);
	cli_query_free(&query);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json) {
		cli_print_list_json(items, next);
	} else {
		struct table *t = table_new(ARRAY_LEN(headers), headers);
		json_array_foreach(items, i, item)
		{
			const char *cells[] = {cli_text(item, "id"), cli_text(item, "name"),
			                       cli_text(item, "kind"), cli_text(item, "district"),
			                       cli_text(item, "active")};
			table_add(t, cells);
		}
		table_print(t, stdout);
		table_free(t);
		if (next)
			printf("(more: --after %s, or --all)\n", next);
	}
	json_decref(items);
	free(next);
	return EXIT_OK;
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
