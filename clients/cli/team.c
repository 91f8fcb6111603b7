/*
 * pnet colleagues, pnet case hand-over, pnet absence add|list|remove and pnet follow-up
 * add|list|move|done: who works on a case, who stands in, and when to look at it again
 * (docs/cli.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

/* The display name of an account reference ({id, display_name}) member, or "(nobody)". */
static const char *person(const json_t *item, const char *key)
{
	const json_t *ref = json_object_get(item, key);

	return json_is_object(ref) ? cli_text(ref, "display_name") : "(nobody)";
}

static void colleague_row(const json_t *item, const char **cells, const void *ctx)
{
	const json_t *absence = json_object_get(item, "absence");

	(void)ctx;
	cells[0] = cli_text(item, "id");
	cells[1] = cli_text(item, "display_name");
	cells[2] = json_is_object(absence) ? cli_text(absence, "ends_on") : NULL;
	cells[3] = json_is_object(absence) ? person(absence, "stand_in") : NULL;
}

int cmd_colleagues(int argc, char **argv)
{
	static const char *const headers[] = {"ID", "NAME", "ABSENT UNTIL", "STAND-IN"};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, colleague_row, NULL};
	int rc;

	if ((rc = cli_parse_options(argc, argv, NULL, 0)))
		return rc;
	return cli_show_list("/v1/colleagues", true, &table);
}

int cmd_case_hand_over(int argc, char **argv)
{
	const char *to = NULL, *case_id;
	const struct cli_opt opts[] = {{"to", true, &to}};
	json_t *c;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "CASE", &case_id)))
		return rc;
	if (!to)
		return cli_usage("--to ACCOUNT is required (pnet colleagues lists them)");
	if (!cli_uuid_arg(to, "--to"))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/cases/%s/responsible", case_id);
	if ((rc = cli_send("PUT", path, json_pack("{s:s}", "account_id", to), -1, &c)))
		return rc;
	return cli_done(c, "%s: %s is responsible\n", case_id, person(c, "responsible"));
}

int cmd_absence_add(int argc, char **argv)
{
	const char *from = NULL, *until = NULL, *stand_in = NULL;
	const struct cli_opt opts[] = {
	        {"from", true, &from}, {"until", true, &until}, {"stand-in", true, &stand_in}};
	json_t *a;
	int rc;

	if ((rc = cli_parse_options(argc, argv, opts, ARRAY_LEN(opts))))
		return rc;
	if (!from || !until || !stand_in)
		return cli_usage("--from DATE, --until DATE and --stand-in ACCOUNT are required "
		                 "(pnet colleagues lists them)");
	if (!cli_uuid_arg(stand_in, "--stand-in"))
		return EXIT_USAGE;
	if ((rc = cli_send("POST", "/v1/me/absences",
	                   json_pack("{s:s, s:s, s:s}", "starts_on", from, "ends_on", until,
	                             "stand_in_account_id", stand_in),
	                   -1, &a)))
		return rc;
	return cli_done(a, "%s: absent %s to %s, %s stands in\n", cli_text(a, "id"),
	                cli_text(a, "starts_on"), cli_text(a, "ends_on"), person(a, "stand_in"));
}

static void absence_row(const json_t *item, const char **cells, const void *ctx)
{
	(void)ctx;
	cells[0] = cli_text(item, "id");
	cells[1] = cli_text(item, "starts_on");
	cells[2] = cli_text(item, "ends_on");
	cells[3] = person(item, "stand_in");
}

int cmd_absence_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID", "FROM", "UNTIL", "STAND-IN"};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, absence_row, NULL};
	int rc;

	if ((rc = cli_parse_options(argc, argv, NULL, 0)))
		return rc;
	return cli_show_list("/v1/me/absences", true, &table);
}

int cmd_absence_remove(int argc, char **argv)
{
	const char *id;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "ABSENCE", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/me/absences/%s", id);
	if ((rc = cli_call("DELETE", path, NULL, -1, NULL)))
		return rc;
	return cli_done(NULL, "%s removed\n", id);
}

int cmd_follow_up_add(int argc, char **argv)
{
	const char *on = NULL, *reason = NULL, *case_id;
	const struct cli_opt opts[] = {{"on", true, &on}, {"reason", true, &reason}};
	json_t *body, *f;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "CASE", &case_id)))
		return rc;
	if (!on || !reason)
		return cli_usage("--on DATE and --reason TEXT are required");
	body = json_pack("{s:s, s:s}", "due_on", on, "reason", reason);
	if (!body)
		return cli_usage("--reason must be UTF-8 text");
	snprintf(path, sizeof(path), "/v1/cases/%s/follow-ups", case_id);
	if ((rc = cli_send("POST", path, body, -1, &f)))
		return rc;
	return cli_done(f, "%s\n", cli_text(f, "id"));
}

static void follow_up_row(const json_t *item, const char **cells, const void *ctx)
{
	const char *reason = cli_text(item, "reason");

	(void)ctx;
	cells[0] = cli_text(item, "id");
	cells[1] = cli_text(item, "due_on");
	cells[2] = cli_text(item, "state");
	cells[3] = cli_text(item, "case_reference");
	cells[4] = person(item, "responsible");
	cells[5] = reason ? reason : "(hidden: consent revoked)";
}

int cmd_follow_up_list(int argc, char **argv)
{
	static const char *const headers[] = {"ID",   "DUE",         "STATE",
	                                      "CASE", "RESPONSIBLE", "REASON"};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, follow_up_row, NULL};
	const char *case_id = NULL, *due = NULL;
	bool node = false;
	struct cli_paging paging = {0};
	const struct cli_opt opts[] = {
	        {"case", true, &case_id},
	        {"due", true, &due},
	        {"node", false, NULL, &node},
	        CLI_PAGING_OPTS(paging),
	};
	struct cli_query q;
	char path[96];
	int rc;

	if ((rc = cli_parse_options(argc, argv, opts, ARRAY_LEN(opts))))
		return rc;
	if (case_id) {
		/* One case's follow-ups, done ones too. */
		if (!cli_uuid_arg(case_id, "--case"))
			return EXIT_USAGE;
		if (due || node)
			return cli_usage(
			        "--case lists all of one case: no --due or --node with it");
		snprintf(path, sizeof(path), "/v1/cases/%s/follow-ups", case_id);
		return cli_show_list(path, true, &table);
	}
	cli_query_init(&q, "/v1/follow-ups");
	cli_query_add(&q, "scope", node ? "node" : NULL);
	cli_query_add(&q, "due", due);
	return cli_show_page(&q, &paging, &table);
}

int cmd_follow_up_move(int argc, char **argv)
{
	const char *on = NULL, *id;
	const struct cli_opt opts[] = {{"on", true, &on}};
	json_t *f;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "FOLLOW-UP", &id)))
		return rc;
	if (!on)
		return cli_usage("--on DATE is required");
	snprintf(path, sizeof(path), "/v1/follow-ups/%s", id);
	if ((rc = cli_send("PATCH", path, json_pack("{s:s}", "due_on", on), -1, &f)))
		return rc;
	return cli_done(f, "%s due on %s\n", id, cli_text(f, "due_on"));
}

int cmd_follow_up_done(int argc, char **argv)
{
	const char *id;
	json_t *f;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, NULL, 0, "FOLLOW-UP", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/follow-ups/%s/done", id);
	if ((rc = cli_call("POST", path, NULL, -1, &f)))
		return rc;
	return cli_done(f, "%s done\n", id);
}
