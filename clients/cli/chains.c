/*
 * pnet chain list|export|import and pnet stats funnel. An export is one JSON file holding a
 * chain's name, target group and the graph of one version; import creates a chain from it
 * with a draft holding that graph (and publishes it with --publish).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

/* The value of "format" in an export; import refuses files without it. */
#define CHAIN_FORMAT "pnet-chain/1"

int cmd_chain_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID", "NAME", "TARGET GROUP", "PUBLISHED", "DRAFT"};
	static const char *const keys[] = {
	        "id", "name", "target_group_id", "current_version", "draft_version", NULL};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, cli_row_keys, keys};
	const char *target_group = NULL, *network;
	const struct cli_opt opts[] = {{"target-group", true, &target_group}};
	struct cli_query q;
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "NETWORK", &network)))
		return rc;
	if (target_group && !cli_uuid_arg(target_group, "--target-group"))
		return EXIT_USAGE;
	cli_query_init(&q, "/v1/networks/%s/chains", network);
	cli_query_add(&q, "target_group_id", target_group);
	rc = cli_show_list(q.text, true, &table);
	cli_query_free(&q);
	return rc;
}

int cmd_chain_export(int argc, char **argv)
{
	const char *number = NULL, *id;
	bool draft = false;
	const struct cli_opt opts[] = {{"version", true, &number}, {"draft", false, NULL, &draft}};
	json_t *chain = NULL, *version = NULL, *doc;
	json_int_t n = 0;
	char path[128], *end;
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "CHAIN", &id)))
		return rc;
	if (number && draft)
		return cli_usage("give --version or --draft, not both");
	if (number) {
		n = strtoll(number, &end, 10);
		if (*end || end == number || n < 1)
			return cli_usage("--version must be a version number (1, 2, ...)");
	}
	snprintf(path, sizeof(path), "/v1/chains/%s", id);
	if ((rc = cli_call("GET", path, NULL, -1, &chain)))
		return rc;
	/* Without a choice: the published version, else the draft (for coordinators). */
	if (!number) {
		json_t *current = json_object_get(chain, "current_version");
		json_t *pending = json_object_get(chain, "draft_version");
		n = json_integer_value(draft || !json_is_integer(current) ? pending : current);
		if (n < 1) {
			fprintf(stderr,
			        "pnet chain export: the chain has no %s version to export\n",
			        draft ? "draft" : "published or draft");
			json_decref(chain);
			return EXIT_REFUSED;
		}
	}
	snprintf(path, sizeof(path), "/v1/chains/%s/versions/%" JSON_INTEGER_FORMAT, id, n);
	if ((rc = cli_call("GET", path, NULL, -1, &version))) {
		json_decref(chain);
		return rc;
	}
	doc = json_pack("{s:s, s:O, s:O, s:O, s:{s:O, s:O, s:O}, s:O, s:O, s:O}", "format",
	                CHAIN_FORMAT, "name", json_object_get(chain, "name"), "description",
	                json_object_get(chain, "description"), "target_group_id",
	                json_object_get(chain, "target_group_id"), "source", "chain_id",
	                json_object_get(chain, "id"), "number", json_object_get(version, "number"),
	                "status", json_object_get(version, "status"), "note",
	                json_object_get(version, "note"), "steps",
	                json_object_get(version, "steps"), "edges",
	                json_object_get(version, "edges"));
	if (!doc) {
		fprintf(stderr, "pnet chain export: the server's answer lacks fields\n");
		rc = EXIT_REFUSED;
	} else {
		cli_print_json(doc);
	}
	json_decref(doc);
	json_decref(version);
	json_decref(chain);
	return rc;
}

/* Check the export file's shape before anything is created; prints what is wrong. */
static bool check_export(const json_t *doc, const char *file)
{
	const char *format = json_string_value(json_object_get(doc, "format"));

	if (!json_is_object(doc) || !format || strcmp(format, CHAIN_FORMAT)) {
		fprintf(stderr, "pnet chain import: %s is not a pnet chain export (format %s)\n",
		        file, CHAIN_FORMAT);
		return false;
	}
	if (!json_is_string(json_object_get(doc, "name")) ||
	    !json_is_string(json_object_get(doc, "target_group_id")) ||
	    !json_is_array(json_object_get(doc, "steps")) ||
	    !json_is_array(json_object_get(doc, "edges"))) {
		fprintf(stderr,
		        "pnet chain import: %s lacks name, target_group_id, steps or edges\n",
		        file);
		return false;
	}
	return true;
}

int cmd_chain_import(int argc, char **argv)
{
	const char *name = NULL;
	bool publish = false;
	const struct cli_opt opts[] = {{"name", true, &name}, {"publish", false, NULL, &publish}};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *doc, *body, *chain = NULL, *draft = NULL, *graph = NULL, *done = NULL;
	const char *chain_id;
	json_int_t number, version;
	char path[160];
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 2, 2, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "NETWORK"))
		return EXIT_USAGE;
	doc = cli_load_json_file(pos[1]);
	if (!doc)
		return EXIT_USAGE;
	if (!check_export(doc, pos[1])) {
		json_decref(doc);
		return EXIT_USAGE;
	}
	/* 1. the chain */
	body = json_pack("{s:O, s:s?}", "target_group_id", json_object_get(doc, "target_group_id"),
	                 "name", name);
	if (!body) {
		json_decref(doc);
		return cli_usage("--name must be UTF-8 text");
	}
	if (!name)
		json_object_set(body, "name", json_object_get(doc, "name"));
	if (json_is_string(json_object_get(doc, "description")))
		json_object_set(body, "description", json_object_get(doc, "description"));
	snprintf(path, sizeof(path), "/v1/networks/%s/chains", pos[0]);
	if ((rc = cli_send("POST", path, body, -1, &chain)))
		goto out;
	chain_id = json_string_value(json_object_get(chain, "id"));
	/* 2. an empty draft, 3. its graph; a failure leaves the chain with a draft to fix. */
	body = json_pack("{s:s}", "from", "empty");
	snprintf(path, sizeof(path), "/v1/chains/%s/versions", chain_id);
	if ((rc = cli_send("POST", path, body, -1, &draft)))
		goto created;
	number = json_integer_value(json_object_get(draft, "number"));
	version = json_integer_value(json_object_get(draft, "version"));
	body = json_pack("{s:O, s:O}", "steps", json_object_get(doc, "steps"), "edges",
	                 json_object_get(doc, "edges"));
	if (json_is_string(json_object_get(doc, "note")))
		json_object_set(body, "note", json_object_get(doc, "note"));
	snprintf(path, sizeof(path), "/v1/chains/%s/versions/%" JSON_INTEGER_FORMAT, chain_id,
	         number);
	if ((rc = cli_send("PUT", path, body, (long)version, &graph)))
		goto created;
	version = json_integer_value(json_object_get(graph, "version"));
	if (publish) {
		snprintf(path, sizeof(path),
		         "/v1/chains/%s/versions/%" JSON_INTEGER_FORMAT "/publish", chain_id,
		         number);
		if ((rc = cli_call("POST", path, NULL, (long)version, &done)))
			goto created;
	}
	if (cli.json) {
		json_t *result =
		        json_pack("{s:O, s:O}", "chain", chain, "version", done ? done : graph);
		cli_print_json(result);
		json_decref(result);
	} else {
		json_t *warnings = json_object_get(done ? done : graph, "warnings"), *w;
		size_t i;
		printf("%s\n", chain_id);
		fprintf(stderr, "Imported as chain %s, version %" JSON_INTEGER_FORMAT " (%s).\n",
		        chain_id, number, publish ? "published" : "draft");
		json_array_foreach(warnings, i, w) {
			const char *step = json_string_value(json_object_get(w, "step"));
			const char *message = json_string_value(json_object_get(w, "message"));
			const char *code = json_string_value(json_object_get(w, "code"));
			fprintf(stderr, "  warning%s%s: %s\n", step ? ", step " : "",
			        step ? step : "",
			        message ? message
			        : code  ? code
			                : "?");
		}
	}
	goto out;
created:
	fprintf(stderr, "pnet chain import: chain %s was created; its draft %s\n", chain_id,
	        draft ? "is incomplete" : "could not be made");
out:
	json_decref(done);
	json_decref(graph);
	json_decref(draft);
	json_decref(chain);
	json_decref(doc);
	return rc;
}

static void funnel_row(const json_t *step, const char **cells, const void *ctx)
{
	cells[0] = cli_text(step, "name") ? cli_text(step, "name") : cli_text(step, "key");
	cells[1] = cli_text(step, "referred");
	cells[2] = cli_text(step, "accepted");
	cells[3] = cli_text(step, "started");
	cells[4] = cli_text(step, "completed");
	cells[5] = cli_text(step, "declined");
	cells[6] = cli_text(step, "dropped_out");
	cells[7] = cli_text(step, "median_days_to_accept");
	cells[8] = cli_text(step, "median_days_to_start");
	cells[9] = cli_text(step, "overdue_now");
}

int cmd_stats_funnel(int argc, char **argv)
{
	static const char *const headers[] = {
	        "STEP",     "REFERRED",    "ACCEPTED",       "STARTED",       "COMPLETED",
	        "DECLINED", "DROPPED OUT", "DAYS TO ACCEPT", "DAYS TO START", "OVERDUE"};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, funnel_row, NULL};
	const char *since = NULL, *until = NULL, *chain;
	const struct cli_opt opts[] = {{"since", true, &since}, {"until", true, &until}};
	struct cli_query q;
	json_t *funnel;
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "CHAIN", &chain)))
		return rc;
	cli_query_init(&q, "/v1/chains/%s/stats/funnel", chain);
	cli_query_add(&q, "since", since);
	cli_query_add(&q, "until", until);
	rc = cli_call("GET", q.text, NULL, -1, &funnel);
	cli_query_free(&q);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json) {
		cli_print_json(funnel);
	} else {
		const char *s = cli_text(funnel, "since"), *u = cli_text(funnel, "until");
		printf("Chain %s, %s to %s\n", chain, s ? s : "the start", u ? u : "now");
		cli_print_table(&table, json_object_get(funnel, "steps"));
	}
	json_decref(funnel);
	return EXIT_OK;
}
