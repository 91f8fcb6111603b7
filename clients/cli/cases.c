/* pnet case open|list|show|close|enrol and pnet consent add|list|revoke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const case_keys[] = {
        "id",           "reference",     "status",    "target_group_id", "district",
        "network_id",   "owner_node_id", "chain_id",  "chain_version",   "enrolled_at",
        "close_reason", "opened_at",     "closed_at", "version",         NULL};

static int print_case(json_t *c)
{
	if (cli.json)
		cli_print_json(c);
	else
		cli_print_fields(c, case_keys);
	return EXIT_OK;
}

int cmd_case_open(int argc, char **argv)
{
	const char *reference = NULL, *target_group = NULL, *district = NULL;
	const struct cli_opt opts[] = {
	        {"reference", true, &reference},
	        {"target-group", true, &target_group},
	        {"district", true, &district},
	};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *body, *c;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 0, 0, pos, &npos)))
		return rc;
	if (!reference || !target_group)
		return cli_usage("--reference and --target-group are required");
	if (!cli_uuid_arg(target_group, "--target-group"))
		return EXIT_USAGE;
	body = json_pack("{s:s?, s:s, s:s?}", "reference", reference, "target_group_id",
	                 target_group, "district", district);
	if (!body)
		return cli_usage("--reference and --district must be UTF-8 text");
	rc = cli_call("POST", "/v1/cases", body, -1, &c);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json)
		cli_print_json(c);
	else
		printf("%s\n", cli_text(c, "id"));
	json_decref(c);
	return EXIT_OK;
}

int cmd_case_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID", "REFERENCE", "STATUS", "DISTRICT", "OPENED"};
	const char *status = NULL, *target_group = NULL, *limit = NULL, *after = NULL;
	bool all = false;
	const struct cli_opt opts[] = {
	        {"status", true, &status},  {"target-group", true, &target_group},
	        {"limit", true, &limit},    {"after", true, &after},
	        {"all", false, NULL, &all},
	};
	const char *pos[CLI_MAX_POSITIONAL];
	struct cli_query q;
	json_t *items, *item;
	char *next;
	size_t i;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 0, 0, pos, &npos)))
		return rc;
	if (target_group && !cli_uuid_arg(target_group, "--target-group"))
		return EXIT_USAGE;
	cli_query_init(&q, "/v1/cases");
	cli_query_add(&q, "status", status);
	cli_query_add(&q, "target_group_id", target_group);
	cli_query_add(&q, "limit", limit);
	cli_query_add(&q, "after", after);
	rc = cli_list(q.text, all, &items, &next);
	cli_query_free(&q);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json) {
		cli_print_list_json(items, next);
	} else {
		struct table *t = table_new(ARRAY_LEN(headers), headers);
		json_array_foreach(items, i, item)
		{
			const char *cells[] = {cli_text(item, "id"), cli_text(item, "reference"),
			                       cli_text(item, "status"), cli_text(item, "district"),
			                       cli_text(item, "opened_at")};
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

int cmd_case_show(int argc, char **argv)
{
	const char *pos[CLI_MAX_POSITIONAL];
	char path[80];
	json_t *c;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, NULL, 0, 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "ID"))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/cases/%s", pos[0]);
	if ((rc = cli_call("GET", path, NULL, -1, &c)))
		return rc;
	rc = print_case(c);
	json_decref(c);
	return rc;
}

int cmd_case_close(int argc, char **argv)
{
	const char *reason = NULL;
	const struct cli_opt opts[] = {{"reason", true, &reason}};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *c, *body;
	char path[80];
	long version;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "ID"))
		return EXIT_USAGE;
	if (!reason)
		return cli_usage("--reason is required (goal_reached, moved_away, "
		                 "no_longer_eligible, client_withdrew, no_contact, other)");
	snprintf(path, sizeof(path), "/v1/cases/%s", pos[0]);
	if ((rc = cli_call("GET", path, NULL, -1, &c)))
		return rc;
	version = (long)json_integer_value(json_object_get(c, "version"));
	json_decref(c);
	body = json_pack("{s:s, s:s}", "status", "closed", "close_reason", reason);
	rc = cli_call("PATCH", path, body, version, &c);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json)
		cli_print_json(c);
	else
		printf("%s closed (%s)\n", cli_text(c, "id"), reason);
	json_decref(c);
	return EXIT_OK;
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
	rc = cli_call("POST", path, body, -1, &c);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json)
		cli_print_json(c);
	else
		printf("%s enrolled in chain %s, version %s\n", pos[0], chain,
		       cli_text(c, "chain_version") ? cli_text(c, "chain_version") : "?");
	json_decref(c);
	return EXIT_OK;
}

int cmd_consent_add(int argc, char **argv)
{
	const char *to = NULL, *purpose = NULL, *given = NULL, *expires = NULL, *evidence = NULL;
	bool network = false;
	const struct cli_opt opts[] = {
	        {"to", true, &to},
	        {"network", false, NULL, &network},
	        {"purpose", true, &purpose},
	        {"given-on", true, &given},
	        {"expires-on", true, &expires},
	        {"evidence", true, &evidence},
	};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *body, *consent;
	char path[96];
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "CASE") || (to && !cli_uuid_arg(to, "--to")))
		return EXIT_USAGE;
	if (!to == !network)
		return cli_usage("give either --to NODE or --network");
	if (!purpose || !given || !evidence)
		return cli_usage("--purpose, --given-on and --evidence are required");
	body = json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s}", "scope", network ? "network" : "node",
	                 "recipient_node_id", to, "purpose", purpose, "given_on", given,
	                 "expires_on", expires, "evidence", evidence);
	if (!body)
		return cli_usage("--purpose and --evidence must be UTF-8 text");
	snprintf(path, sizeof(path), "/v1/cases/%s/consents", pos[0]);
	rc = cli_call("POST", path, body, -1, &consent);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json)
		cli_print_json(consent);
	else
		printf("%s\n", cli_text(consent, "id"));
	json_decref(consent);
	return EXIT_OK;
}

int cmd_consent_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID",      "SCOPE",  "RECIPIENT", "GIVEN",
	                                      "EXPIRES", "ACTIVE", "PURPOSE"};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *items, *item;
	char path[96], *next;
	size_t i;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, NULL, 0, 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "CASE"))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/cases/%s/consents", pos[0]);
	if ((rc = cli_list(path, true, &items, &next)))
		return rc;
	if (cli.json) {
		cli_print_list_json(items, next);
	} else {
		struct table *t = table_new(ARRAY_LEN(headers), headers);
		json_array_foreach(items, i, item)
		{
			const char *recipient = cli_text(item, "recipient_node_id");
			const char *cells[] = {
			        cli_text(item, "id"),
			        cli_text(item, "scope"),
			        recipient ? cli_node_name(recipient) : "(network)",
			        cli_text(item, "given_on"),
			        cli_text(item, "expires_on"),
			        json_is_true(json_object_get(item, "active")) ? "yes" : "no",
			        cli_text(item, "purpose"),
			};
			table_add(t, cells);
		}
		table_print(t, stdout);
		table_free(t);
	}
	json_decref(items);
	free(next);
	return EXIT_OK;
}

int cmd_consent_revoke(int argc, char **argv)
{
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *answer;
	char path[96];
	int npos, rc;

	if ((rc = cli_parse(argc, argv, NULL, 0, 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "CONSENT"))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/consents/%s/revoke", pos[0]);
	if ((rc = cli_call("POST", path, NULL, -1, &answer)))
		return rc;
	if (cli.json)
		cli_print_json(answer ? answer : json_null());
	else
		printf("%s revoked\n", pos[0]);
	json_decref(answer);
	return EXIT_OK;
}
