/* pnet case open|list|show|close|enrol and pnet consent add|list|revoke. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"

static const char *const case_keys[] = {
        "id",           "reference",     "status",    "target_group_id", "district",
        "network_id",   "owner_node_id", "chain_id",  "chain_version",   "enrolled_at",
        "close_reason", "opened_at",     "closed_at", "version",         NULL};

int cmd_case_open(int argc, char **argv)
{
	const char *reference = NULL, *target_group = NULL, *district = NULL;
	const struct cli_opt opts[] = {
	        {"reference", true, &reference},
	        {"target-group", true, &target_group},
	        {"district", true, &district},
	};
	json_t *body, *c;
	int rc;

	if ((rc = cli_parse_options(argc, argv, opts, ARRAY_LEN(opts))))
		return rc;
	if (!reference || !target_group)
		return cli_usage("--reference and --target-group are required");
	if (!cli_uuid_arg(target_group, "--target-group"))
		return EXIT_USAGE;
	body = json_pack("{s:s?, s:s, s:s?}", "reference", reference, "target_group_id",
	                 target_group, "district", district);
	if (!body)
		return cli_usage("--reference and --district must be UTF-8 text");
	if ((rc = cli_send("POST", "/v1/cases", body, -1, &c)))
		return rc;
	return cli_done(c, "%s\n", cli_text(c, "id"));
}

int cmd_case_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID", "REFERENCE", "STATUS", "DISTRICT", "OPENED"};
	static const char *const keys[] = {"id",       "reference", "status",
	                                   "district", "opened_at", NULL};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, cli_row_keys, keys};
	const char *status = NULL, *target_group = NULL;
	bool node = false;
	struct cli_paging paging = {0};
	const struct cli_opt opts[] = {
	        {"status", true, &status},
	        {"target-group", true, &target_group},
	        {"node", false, NULL, &node},
	        CLI_PAGING_OPTS(paging),
	};
	struct cli_query q;
	int rc;

	if ((rc = cli_parse_options(argc, argv, opts, ARRAY_LEN(opts))))
		return rc;
	if (target_group && !cli_uuid_arg(target_group, "--target-group"))
		return EXIT_USAGE;
	cli_query_init(&q, "/v1/cases");
	cli_query_add(&q, "status", status);
	cli_query_add(&q, "target_group_id", target_group);
	cli_query_add(&q, "scope", node ? "node" : NULL);
	return cli_show_page(&q, &paging, &table);
}

int cmd_case_show(int argc, char **argv)
{
	const char *id;
	char path[80];
	json_t *c;
	int rc;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "ID", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/cases/%s", id);
	if ((rc = cli_call("GET", path, NULL, -1, &c)))
		return rc;
	if (cli.json)
		cli_print_json(c);
	else
		cli_print_fields(c, case_keys);
	json_decref(c);
	return EXIT_OK;
}

int cmd_case_close(int argc, char **argv)
{
	const char *reason = NULL, *id;
	const struct cli_opt opts[] = {{"reason", true, &reason}};
	json_t *c, *body;
	char path[80];
	long version;
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	if (!reason)
		return cli_usage("--reason is required (goal_reached, moved_away, "
		                 "no_longer_eligible, client_withdrew, no_contact, other)");
	snprintf(path, sizeof(path), "/v1/cases/%s", id);
	if ((rc = cli_get_version(path, &version)))
		return rc;
	body = json_pack("{s:s, s:s}", "status", "closed", "close_reason", reason);
	if ((rc = cli_send("PATCH", path, body, version, &c)))
		return rc;
	return cli_done(c, "%s closed (%s)\n", cli_text(c, "id"), reason);
}

int cmd_case_enrol(int argc, char **argv)
{
	const char *chain = NULL;
	const struct cli_opt opts[] = {{"chain", true, &chain}};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *body, *c;
	char path[96];
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 1, 1, pos, &npos)))
		return rc;
	if (!chain)
		return cli_usage("--chain is required");
	if (!cli_uuid_arg(pos[0], "CASE") || !cli_uuid_arg(chain, "--chain"))
		return EXIT_USAGE;
	body = json_pack("{s:s}", "chain_id", chain);
	snprintf(path, sizeof(path), "/v1/cases/%s/enrolment", pos[0]);
	if ((rc = cli_send("POST", path, body, -1, &c)))
		return rc;
	return cli_done(c, "%s enrolled in chain %s, version %s\n", pos[0], chain,
	                cli_text(c, "chain_version") ? cli_text(c, "chain_version") : "?");
}

int cmd_consent_add(int argc, char **argv)
{
	const char *to = NULL, *purpose = NULL, *given = NULL, *expires = NULL, *evidence = NULL;
	const char *purpose_code = NULL, *basis = NULL, *case_id;
	bool network = false;
	const struct cli_opt opts[] = {
	        {"to", true, &to},
	        {"network", false, NULL, &network},
	        {"purpose", true, &purpose},
	        {"purpose-code", true, &purpose_code},
	        {"basis", true, &basis},
	        {"given-on", true, &given},
	        {"expires-on", true, &expires},
	        {"evidence", true, &evidence},
	};
	json_t *body, *consent;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "CASE", &case_id)))
		return rc;
	if (to && !cli_uuid_arg(to, "--to"))
		return EXIT_USAGE;
	if (!to == !network)
		return cli_usage("give either --to NODE or --network");
	if (!purpose || !purpose_code || !given || !evidence)
		return cli_usage(
		        "--purpose, --purpose-code, --given-on and --evidence are required");
	body = json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s, s:s, s:s?}", "scope",
	                 network ? "network" : "node", "recipient_node_id", to, "purpose", purpose,
	                 "given_on", given, "expires_on", expires, "evidence", evidence,
	                 "purpose_code", purpose_code, "legal_basis", basis);
	if (!body)
		return cli_usage("--purpose and --evidence must be UTF-8 text");
	snprintf(path, sizeof(path), "/v1/cases/%s/consents", case_id);
	if ((rc = cli_send("POST", path, body, -1, &consent)))
		return rc;
	return cli_done(consent, "%s\n", cli_text(consent, "id"));
}

static void consent_row(const json_t *item, const char **cells, const void *ctx)
{
	const char *recipient = cli_text(item, "recipient_node_id");

	cells[0] = cli_text(item, "id");
	cells[1] = cli_text(item, "scope");
	cells[2] = recipient ? cli_node_name(recipient) : "(network)";
	cells[3] = cli_text(item, "given_on");
	cells[4] = cli_text(item, "expires_on");
	cells[5] = json_is_true(json_object_get(item, "active")) ? "yes" : "no";
	/* The purpose from the list; a consent from before the list has only its words. */
	cells[6] = cli_text(item, "purpose_code") ? cli_text(item, "purpose_code")
	                                          : cli_text(item, "purpose");
	cells[7] = cli_text(item, "legal_basis");
}

int cmd_consent_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID",      "SCOPE",  "RECIPIENT", "GIVEN",
	                                      "EXPIRES", "ACTIVE", "PURPOSE",   "BASIS"};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, consent_row, NULL};
	const char *case_id;
	char path[96];
	int rc;

	json_t *items;
	char *next;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "CASE", &case_id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/cases/%s/consents", case_id);
	if ((rc = cli_list(path, true, &items, &next)))
		return rc;
	if (cli.json)
		cli_print_list_json(items, next);
	else if (json_array_size(items) == 0)
		/* Said in words: without a consent nothing of the case may be shared. */
		printf("No consent recorded for this case yet: nobody can be referred.\n");
	else
		cli_print_table(&table, items);
	json_decref(items);
	free(next);
	return EXIT_OK;
}

int cmd_consent_revoke(int argc, char **argv)
{
	const char *id;
	json_t *answer;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "CONSENT", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/consents/%s/revoke", id);
	if ((rc = cli_call("POST", path, NULL, -1, &answer)))
		return rc;
	return cli_done(answer, "%s revoked\n", id);
}
