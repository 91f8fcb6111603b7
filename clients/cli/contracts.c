/* pnet case export|erase (the client's rights) and pnet contract list|use (Kontingente). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

int cmd_case_export(int argc, char **argv)
{
	const char *id;
	char path[80];
	json_t *x;
	int rc;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "ID", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/cases/%s/export", id);
	if ((rc = cli_call("GET", path, NULL, -1, &x)))
		return rc;
	cli_print_json(x);
	json_decref(x);
	return EXIT_OK;
}

int cmd_case_erase(int argc, char **argv)
{
	const char *id;
	bool yes = false;
	const struct cli_opt opts[] = {{"yes", false, NULL, &yes}};
	char path[80];
	json_t *x;
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	if (!yes)
		return cli_usage("erasing a case cannot be undone: confirm with --yes");
	snprintf(path, sizeof(path), "/v1/cases/%s/erase", id);
	if ((rc = cli_send("POST", path, NULL, -1, &x)))
		return rc;
	return cli_done(x, "%s erased (%lld referrals kept as anonymous statistics)\n", id,
	                json_integer_value(json_object_get(x, "referrals_archived")));
}

int cmd_contract_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID",     "PERIOD", "START", "LIMIT",
	                                      "PLACES", "TAKEN",  "FREE"};
	static const char *const keys[] = {"id",     "period",       "period_start", "limit",
	                                   "places", "places_taken", "places_free",  NULL};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, cli_row_keys, keys};
	const char *id;
	char path[80];
	json_t *x;
	int rc;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "SERVICE", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/services/%s/contracts", id);
	if ((rc = cli_call("GET", path, NULL, -1, &x)))
		return rc;
	if (cli.json)
		cli_print_json(x);
	else
		cli_print_table(&table, json_object_get(x, "items"));
	json_decref(x);
	return EXIT_OK;
}

int cmd_contract_use(int argc, char **argv)
{
	static const char *const headers[] = {"SERVICE", "NODE", "FUNDER", "PLACES",
	                                      "TAKEN",   "FREE", "WAITING"};
	static const char *const keys[] = {
	        "service_name", "node_name",   "funding_source_name", "places",
	        "places_taken", "places_free", "waiting_count",       NULL};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, cli_row_keys, keys};
	const char *id, *on = NULL;
	const struct cli_opt opts[] = {{"on", true, &on}};
	struct cli_query q;
	json_t *x;
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "NETWORK", &id)))
		return rc;
	cli_query_init(&q, "/v1/networks/%s/contract-use", id);
	cli_query_add(&q, "on", on);
	rc = cli_call("GET", q.text, NULL, -1, &x);
	cli_query_free(&q);
	if (rc)
		return rc;
	if (cli.json)
		cli_print_json(x);
	else
		cli_print_table(&table, json_object_get(x, "items"));
	json_decref(x);
	return EXIT_OK;
}
