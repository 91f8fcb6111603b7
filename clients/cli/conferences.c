/*
 * pnet conference list|show|create|decide|refer|cancel: case conferences (Fallkonferenzen)
 * of the node's cases and those it is invited to (docs/cli.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *const conference_keys[] = {
        "id",        "case_id", "status",       "access",    "owner_node_id",
        "starts_at", "ends_at", "place",        "video_url", "chain_step_key",
        "agenda",    "held_at", "cancelled_at", "version",   NULL};

/* A conference row: what the list shows of it (the case's reference may be withheld). */
static void conference_row(const json_t *f, const char **cells, const void *ctx)
{
	(void)ctx;
	cells[0] = cli_text(f, "id");
	cells[1] = cli_text(f, "starts_at");
	cells[2] = cli_text(f, "status");
	cells[3] = cli_text(json_object_get(f, "case"), "reference");
	cells[4] = cli_text(f, "place");
	cells[5] = cli_text(f, "access");
}

int cmd_conference_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID", "STARTS", "STATUS", "CASE", "PLACE", "ACCESS"};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, conference_row, NULL};
	const char *case_id = NULL, *status = NULL;
	struct cli_paging paging = {0};
	const struct cli_opt opts[] = {
	        {"case", true, &case_id},
	        {"status", true, &status},
	        CLI_PAGING_OPTS(paging),
	};
	struct cli_query q;
	int rc;

	if ((rc = cli_parse_options(argc, argv, opts, ARRAY_LEN(opts))))
		return rc;
	if (case_id && !cli_uuid_arg(case_id, "--case"))
		return EXIT_USAGE;
	cli_query_init(&q, "/v1/conferences");
	cli_query_add(&q, "case_id", case_id);
	cli_query_add(&q, "status", status);
	return cli_show_page(&q, &paging, &table);
}

int cmd_conference_show(int argc, char **argv)
{
	const char *id;
	char path[80];
	json_t *f, *item;
	size_t i;
	int rc;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "ID", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/conferences/%s", id);
	if ((rc = cli_call("GET", path, NULL, -1, &f)))
		return rc;
	if (cli.json) {
		cli_print_json(f);
		json_decref(f);
		return EXIT_OK;
	}
	cli_print_fields(f, conference_keys);
	if (json_is_true(json_object_get(f, "agenda_withheld")))
		printf("(the agenda is withheld: no consent of the client covers your node)\n");
	printf("\nParticipants:\n");
	json_array_foreach(json_object_get(f, "participants"), i, item)
		printf("  %s\n", cli_node_name(cli_text(item, "node_id")));
	printf("\nDecisions:\n");
	json_array_foreach(json_object_get(f, "decisions"), i, item) {
		json_t *ref;
		size_t k;

		printf("  %s  %s\n", cli_text(item, "id"), cli_text(item, "created_at"));
		if (json_is_true(json_object_get(item, "text_withheld")))
			printf("    (text withheld: no consent of the client covers your node)\n");
		else
			printf("    %s\n", cli_text(item, "text"));
		json_array_foreach(json_object_get(item, "referrals"), k, ref)
			printf("    referral %s to %s (%s)\n", cli_text(ref, "id"),
			       cli_node_name(cli_text(ref, "to_node_id")), cli_text(ref, "status"));
	}
	json_decref(f);
	return EXIT_OK;
}

/* "a,b,c" as a JSON array of UUIDs; NULL after a usage message when one is not a UUID. */
static json_t *node_list(const char *text)
{
	json_t *list = json_array();
	char *copy = strdup(text), *save = NULL;

	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (!cli_uuid_arg(s, "--with")) {
			json_decref(list);
			list = NULL;
			break;
		}
		json_array_append_new(list, json_string(s));
	}
	free(copy);
	return list;
}

int cmd_conference_create(int argc, char **argv)
{
	const char *at = NULL, *until = NULL, *with = NULL, *place = NULL, *video = NULL;
	const char *step = NULL, *agenda = NULL, *case_id;
	const struct cli_opt opts[] = {
	        {"at", true, &at},         {"until", true, &until}, {"with", true, &with},
	        {"place", true, &place},   {"video", true, &video}, {"step", true, &step},
	        {"agenda", true, &agenda},
	};
	json_t *body, *nodes, *f;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "CASE", &case_id)))
		return rc;
	if (!at || !with)
		return cli_usage("--at and --with are required");
	if (!place && !video)
		return cli_usage("--place or --video is required");
	if (!(nodes = node_list(with)))
		return EXIT_USAGE;
	body = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:o}", "starts_at", at, "ends_at",
	                 until, "place", place, "video_url", video, "chain_step_key", step,
	                 "agenda", agenda, "participant_node_ids", nodes);
	if (!body)
		return cli_usage("the texts must be UTF-8");
	snprintf(path, sizeof(path), "/v1/cases/%s/conferences", case_id);
	if ((rc = cli_send("POST", path, body, -1, &f)))
		return rc;
	return cli_done(f, "%s\n", cli_text(f, "id"));
}

int cmd_conference_decide(int argc, char **argv)
{
	const char *text = NULL, *id;
	const struct cli_opt opts[] = {{"text", true, &text}};
	json_t *body, *d;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	if (!text)
		return cli_usage("--text is required");
	if (!(body = json_pack("{s:s}", "text", text)))
		return cli_usage("--text must be UTF-8 text");
	snprintf(path, sizeof(path), "/v1/conferences/%s/decisions", id);
	if ((rc = cli_send("POST", path, body, -1, &d)))
		return rc;
	return cli_done(d, "%s\n", cli_text(d, "id"));
}

int cmd_conference_refer(int argc, char **argv)
{
	const char *decision = NULL, *to = NULL, *step = NULL, *service = NULL, *reason = NULL;
	const char *note = NULL, *id;
	bool urgent = false;
	const struct cli_opt opts[] = {
	        {"decision", true, &decision},    {"to", true, &to},         {"step", true, &step},
	        {"service", true, &service},      {"reason", true, &reason}, {"note", true, &note},
	        {"urgent", false, NULL, &urgent},
	};
	json_t *body, *r;
	char path[160];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	if (!decision || !to)
		return cli_usage("--decision and --to are required");
	if (!cli_uuid_arg(decision, "--decision") || !cli_uuid_arg(to, "--to") ||
	    (service && !cli_uuid_arg(service, "--service")))
		return EXIT_USAGE;
	body = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s}", "to_node_id", to, "chain_step_key",
	                 step, "service_id", service, "reason", reason, "note", note, "priority",
	                 urgent ? "urgent" : "normal");
	if (!body)
		return cli_usage("the texts must be UTF-8");
	snprintf(path, sizeof(path), "/v1/conferences/%s/decisions/%s/referrals", id, decision);
	if ((rc = cli_send("POST", path, body, -1, &r)))
		return rc;
	return cli_done(r, "%s\n", cli_text(r, "id"));
}

int cmd_conference_cancel(int argc, char **argv)
{
	const char *id;
	json_t *f;
	char path[80];
	long version;
	int rc;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "ID", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/conferences/%s", id);
	if ((rc = cli_get_version(path, &version)))
		return rc;
	if ((rc = cli_send("PATCH", path, json_pack("{s:s}", "status", "cancelled"), version, &f)))
		return rc;
	return cli_done(f, "%s cancelled\n", cli_text(f, "id"));
}
