/*
 * pnet stats report: the network report of a period and the one before
 * (GET /v1/networks/{id}/report, docs/user-guide/statistics.md). Printed as the overview of
 * both periods and the outcomes per provider; --json gives the whole report, --suppressed the
 * form for publication (hidden counts shown as x).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

/* The overview's rows: a figure of totals in both periods. */
static const char *const figures[] = {"referred",
                                      "accepted",
                                      "started",
                                      "open",
                                      "declined",
                                      "withdrawn",
                                      "dropped_out",
                                      "goal_reached",
                                      "partially_reached",
                                      "not_reached",
                                      "referred_on",
                                      "warm_handovers",
                                      "warm_handover_share",
                                      NULL};

/* Whether the report is the suppressed form: there null is a hidden count. */
static bool hiding;

/* A count or share as printed: x when the report hides it, - when there is none. */
static const char *shown(const json_t *obj, const char *key)
{
	if (json_is_null(json_object_get(obj, key)))
		return hiding ? "x" : NULL;
	return cli_text(obj, key);
}

static void figure_row(const json_t *item, const char **cells, const void *ctx)
{
	const char *figure = json_string_value(json_object_get(item, "figure"));

	(void)ctx;
	cells[0] = figure;
	cells[1] = shown(json_object_get(item, "current"), figure);
	cells[2] = shown(json_object_get(item, "previous"), figure);
}

static void provider_row(const json_t *item, const char **cells, const void *ctx)
{
	static const char *const keys[] = {"referred",          "open",        "declined",
	                                   "withdrawn",         "dropped_out", "goal_reached",
	                                   "partially_reached", "not_reached", "referred_on"};

	(void)ctx;
	cells[0] = cli_text(item, "name");
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		cells[i + 1] = shown(item, keys[i]);
}

int cmd_stats_report(int argc, char **argv)
{
	static const char *const figure_headers[] = {"FIGURE", "PERIOD", "BEFORE"};
	static const struct cli_table figure_table = {ARRAY_LEN(figure_headers), figure_headers,
	                                              figure_row, NULL};
	static const char *const provider_headers[] = {
	        "PROVIDER",    "REFERRED", "OPEN",   "DECLINED",    "WITHDRAWN",
	        "DROPPED OUT", "GOAL",     "PARTLY", "NOT REACHED", "REFERRED ON"};
	static const struct cli_table provider_table = {ARRAY_LEN(provider_headers),
	                                                provider_headers, provider_row, NULL};
	const char *since = NULL, *until = NULL, *group = NULL, *chain = NULL, *district = NULL;
	const char *network;
	bool suppressed = false;
	const struct cli_opt opts[] = {
	        {"since", true, &since},        {"until", true, &until},
	        {"target-group", true, &group}, {"chain", true, &chain},
	        {"district", true, &district},  {"suppressed", false, NULL, &suppressed},
	};
	struct cli_query q;
	json_t *report, *current, *previous, *rows;
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "NETWORK", &network)))
		return rc;
	if (!since || !until) {
		fprintf(stderr, "pnet: stats report needs --since DATE and --until DATE\n");
		return EXIT_USAGE;
	}
	if ((group && !cli_uuid_arg(group, "--target-group")) ||
	    (chain && !cli_uuid_arg(chain, "--chain")))
		return EXIT_USAGE;
	cli_query_init(&q, "/v1/networks/%s/report", network);
	cli_query_add(&q, "since", since);
	cli_query_add(&q, "until", until);
	cli_query_add(&q, "target_group", group);
	cli_query_add(&q, "chain", chain);
	cli_query_add(&q, "district", district);
	cli_query_add(&q, "suppress", suppressed ? "true" : NULL);
	rc = cli_call("GET", q.text, NULL, -1, &report);
	cli_query_free(&q);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json) {
		cli_print_json(report);
		json_decref(report);
		return EXIT_OK;
	}
	hiding = suppressed;
	current = json_object_get(report, "current");
	previous = json_object_get(report, "previous");
	printf("%s, %s to %s (before: %s to %s)%s\n", cli_text(report, "network_name"),
	       cli_text(current, "since"), cli_text(current, "until"), cli_text(previous, "since"),
	       cli_text(previous, "until"), suppressed ? ", small numbers hidden (x)" : "");
	rows = json_array();
	for (size_t i = 0; figures[i]; i++)
		json_array_append_new(rows,
		                      json_pack("{s:s,s:O,s:O}", "figure", figures[i], "current",
		                                json_object_get(current, "totals"), "previous",
		                                json_object_get(previous, "totals")));
	cli_print_table(&figure_table, rows);
	printf("\n");
	cli_print_table(&provider_table, json_object_get(current, "outcomes_by_provider"));
	json_decref(rows);
	json_decref(report);
	return EXIT_OK;
}
