/* pnet inbox, outbox, referral show|create|<move>, handover: the referral lifecycle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The verbs of pnet referral and the status each moves a referral into. */
static const struct move {
	const char *verb;
	const char *to;
} moves[] = {
        {"receive", "received"},    {"waitlist", "waitlisted"}, {"accept", "accepted"},
        {"decline", "declined"},    {"start", "in_progress"},   {"complete", "completed"},
        {"dropout", "dropped_out"}, {"withdraw", "withdrawn"},
};

static int print_referrals(json_t *items, const char *next, bool outgoing)
{
	static const char *const headers[] = {"ID", "STATUS", "PRIORITY", "CASE",
	                                      NULL, "DUE",    "OVERDUE"};
	const char *h[ARRAY_LEN(headers)];
	struct table *t;
	json_t *item;
	size_t i;

	if (cli.json) {
		cli_print_list_json(items, next);
		return EXIT_OK;
	}
	memcpy(h, headers, sizeof(h));
	h[4] = outgoing ? "TO" : "FROM";
	t = table_new(ARRAY_LEN(h), h);
	json_array_foreach(items, i, item)
	{
		const char *node = cli_text(item, outgoing ? "to_node_id" : "from_node_id");
		const char *cells[] = {
		        cli_text(item, "id"),
		        cli_text(item, "status"),
		        cli_text(item, "priority"),
		        cli_text(json_object_get(item, "case"), "reference"),
		        cli_node_name(node),
		        cli_text(item, "due_at"),
		        json_is_true(json_object_get(item, "overdue")) ? "yes" : "",
		};
		table_add(t, cells);
	}
	table_print(t, stdout);
	table_free(t);
	if (next)
		printf("(more: --after %s, or --all)\n", next);
	return EXIT_OK;
}

int cmd_box(int argc, char **argv)
{
	const char *status = NULL, *case_id = NULL, *limit = NULL, *after = NULL;
	bool overdue = false, all = false;
	const struct cli_opt opts[] = {
	        {"status", true, &status},
	        {"case", true, &case_id},
	        {"limit", true, &limit},
	        {"after", true, &after},
	        {"overdue", false, NULL, &overdue},
	        {"all", false, NULL, &all},
	};
	const char *pos[CLI_MAX_POSITIONAL];
	bool outgoing = !strcmp(argv[0], "outbox");
	struct cli_query q;
	json_t *items;
	char *next;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 0, 0, pos, &npos)))
		return rc;
	if (case_id && !cli_uuid_arg(case_id, "--case"))
		return EXIT_USAGE;
	cli_query_init(&q, "/v1/referrals?box=%s", outgoing ? "outbox" : "inbox");
	cli_query_add(&q, "status", status);
	cli_query_add(&q, "case_id", case_id);
	cli_query_add(&q, "overdue", overdue ? "true" : NULL);
	cli_query_add(&q, "limit", limit);
	cli_query_add(&q, "after", after);
	rc = cli_list(q.text, all, &items, &next);
	cli_query_free(&q);
	if (rc == EXIT_OK)
		rc = print_referrals(items, next, outgoing);
	json_decref(items);
	free(next);
	return rc;
}

static void print_events(json_t *events)
{
	static const char *const headers[] = {"AT", "KIND", "FROM", "TO", "BY", "DETAIL"};
	struct table *t = table_new(ARRAY_LEN(headers), headers);
	json_t *e;
	size_t i;

	json_array_foreach(events, i, e)
	{
		char detail[256];
		const char *reason = cli_text(e, "status_reason"),
		           *outcome = cli_text(e, "outcome");
		const char *channel = cli_text(e, "channel"), *note = cli_text(e, "note");
		snprintf(detail, sizeof(detail), "%s%s%s%s%s%s%s", reason ? reason : "",
		         outcome ? outcome : "", channel ? channel : "",
		         json_is_true(json_object_get(e, "warm")) ? " (warm)" : "",
		         note && (reason || outcome || channel) ? ": " : "", note ? note : "", "");
		const char *cells[] = {
		        cli_text(e, "at"),
		        cli_text(e, "kind"),
		        cli_text(e, "from_status"),
		        cli_text(e, "to_status"),
		        cli_node_name(cli_text(e, "actor_node_id")),
		        detail[0] ? detail : NULL,
		};
		table_add(t, cells);
	}
	table_print(t, stdout);
	table_free(t);
}

int cmd_referral_show(int argc, char **argv)
{
	static const char *const keys[] = {
	        "id",         "status",  "kind",           "priority",    "from_node_id",
	        "to_node_id", "case_id", "chain_step_key", "service_id",  "reason",
	        "note",       "due_at",  "appointment_at", "expected_on", "status_reason",
	        "outcome",    "overdue", "version",        "created_at",  "updated_at",
	        NULL};
	bool events = false;
	const struct cli_opt opts[] = {{"events", false, NULL, &events}};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *referral, *timeline = NULL;
	char path[80];
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "ID"))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/referrals/%s", pos[0]);
	if ((rc = cli_call("GET", path, NULL, -1, &referral)))
		return rc;
	if (events) {
		char *next;
		snprintf(path, sizeof(path), "/v1/referrals/%s/events", pos[0]);
		rc = cli_list(path, true, &timeline, &next);
		free(next);
	}
	if (rc == EXIT_OK && cli.json) {
		if (timeline)
			json_object_set(referral, "events", timeline);
		cli_print_json(referral);
	} else if (rc == EXIT_OK) {
		cli_print_fields(referral, keys);
		printf("case:           %s\n",
		       cli_text(json_object_get(referral, "case"), "reference")
		               ? cli_text(json_object_get(referral, "case"), "reference")
		               : "-");
		if (timeline) {
			putchar('\n');
			print_events(timeline);
		}
	}
	json_decref(timeline);
	json_decref(referral);
	return rc;
}

/* Put value under key unless it is NULL. */
static void put(json_t *obj, const char *key, const char *value)
{
	if (value)
		json_object_set_new(obj, key, json_string(value));
}

/* A JSON string member from a command-line argument, refused when it is not UTF-8. */
static bool put_text(json_t *obj, const char *key, const char *value, const char *option)
{
	json_t *s;

	if (!value)
		return true;
	s = json_string(value);
	if (!s) {
		cli_usage("%s must be UTF-8 text", option);
		return false;
	}
	json_object_set_new(obj, key, s);
	return true;
}

int cmd_referral_create(int argc, char **argv)
{
	const char *case_id = NULL, *to = NULL, *kind = NULL, *step = NULL, *service = NULL,
	           *reason = NULL, *note = NULL, *priority = NULL, *from = NULL;
	bool urgent = false;
	const struct cli_opt opts[] = {
	        {"case", true, &case_id},
	        {"to", true, &to},
	        {"kind", true, &kind},
	        {"step", true, &step},
	        {"service", true, &service},
	        {"reason", true, &reason},
	        {"note", true, &note},
	        {"priority", true, &priority},
	        {"urgent", false, NULL, &urgent},
	        {"redirected-from", true, &from},
	};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *body, *referral;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 0, 0, pos, &npos)))
		return rc;
	if (!case_id || !to)
		return cli_usage("--case and --to are required");
	if (!cli_uuid_arg(case_id, "--case") || !cli_uuid_arg(to, "--to") ||
	    (service && !cli_uuid_arg(service, "--service")) ||
	    (from && !cli_uuid_arg(from, "--redirected-from")))
		return EXIT_USAGE;
	if (urgent && priority)
		return cli_usage("give --urgent or --priority, not both");
	body = json_object();
	put(body, "case_id", case_id);
	put(body, "to_node_id", to);
	put(body, "kind", kind);
	put(body, "chain_step_key", step);
	put(body, "service_id", service);
	put(body, "priority", urgent ? "urgent" : priority);
	put(body, "redirected_from", from);
	if (!put_text(body, "reason", reason, "--reason") ||
	    !put_text(body, "note", note, "--note")) {
		json_decref(body);
		return EXIT_USAGE;
	}
	rc = cli_call("POST", "/v1/referrals", body, -1, &referral);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json)
		cli_print_json(referral);
	else
		printf("%s\n", cli_text(referral, "id"));
	json_decref(referral);
	return EXIT_OK;
}

int cmd_referral_move(int argc, char **argv)
{
	const char *reason = NULL, *outcome = NULL, *appointment = NULL, *expected = NULL,
	           *note = NULL;
	const struct cli_opt opts[] = {
	        {"reason", true, &reason},
	        {"outcome", true, &outcome},
	        {"appointment-at", true, &appointment},
	        {"expected-on", true, &expected},
	        {"note", true, &note},
	};
	const char *pos[CLI_MAX_POSITIONAL], *to = NULL;
	json_t *referral, *body, *moved;
	json_int_t version;
	char path[96];
	int npos, rc;

	for (size_t i = 0; i < ARRAY_LEN(moves); i++)
		if (!strcmp(moves[i].verb, argv[0]))
			to = moves[i].to;
	if (!to)
		return cli_usage("unknown move '%s'", argv[0]);
	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "ID"))
		return EXIT_USAGE;
	body = json_pack("{s:s}", "to", to);
	put(body, "reason", reason);
	put(body, "outcome", outcome);
	put(body, "appointment_at", appointment);
	put(body, "expected_on", expected);
	if (!put_text(body, "note", note, "--note")) {
		json_decref(body);
		return EXIT_USAGE;
	}
	/* The move names the version we read, so that a change meanwhile is refused (412). */
	snprintf(path, sizeof(path), "/v1/referrals/%s", pos[0]);
	if ((rc = cli_call("GET", path, NULL, -1, &referral))) {
		json_decref(body);
		return rc;
	}
	version = json_integer_value(json_object_get(referral, "version"));
	json_decref(referral);
	snprintf(path, sizeof(path), "/v1/referrals/%s/transitions", pos[0]);
	rc = cli_call("POST", path, body, (long)version, &moved);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json)
		cli_print_json(moved);
	else
		printf("%s %s (version %s)\n", cli_text(moved, "id"), cli_text(moved, "status"),
		       cli_text(moved, "version"));
	json_decref(moved);
	return EXIT_OK;
}

int cmd_handover(int argc, char **argv)
{
	const char *channel = NULL, *at = NULL, *note = NULL;
	bool warm = false;
	const struct cli_opt opts[] = {
	        {"channel", true, &channel},
	        {"warm", false, NULL, &warm},
	        {"at", true, &at},
	        {"note", true, &note},
	};
	const char *pos[CLI_MAX_POSITIONAL];
	json_t *body, *event;
	char path[96];
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 1, 1, pos, &npos)))
		return rc;
	if (!cli_uuid_arg(pos[0], "ID"))
		return EXIT_USAGE;
	if (!channel)
		return cli_usage("--channel is required (in_person, phone, video, letter, portal)");
	body = json_pack("{s:s, s:b}", "channel", channel, "warm", warm);
	put(body, "at", at);
	if (!put_text(body, "note", note, "--note")) {
		json_decref(body);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/referrals/%s/handovers", pos[0]);
	rc = cli_call("POST", path, body, -1, &event);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (cli.json)
		cli_print_json(event);
	else
		printf("Handover logged: %s%s.\n", channel, warm ? ", warm" : "");
	json_decref(event);
	return EXIT_OK;
}
