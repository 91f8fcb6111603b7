/*
 * pnet inbox, outbox, referral show|create|<move>|message|messages, handover: the referral
 * lifecycle and the thread of messages under a referral.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "referral.h"

/* A row of the inbox (ctx points at false) or the outbox (at true). */
static void referral_row(const json_t *item, const char **cells, const void *ctx)
{
	bool outgoing = *(const bool *)ctx;

	cells[0] = cli_text(item, "id");
	cells[1] = cli_text(item, "status");
	cells[2] = cli_text(item, "priority");
	cells[3] = cli_text(json_object_get(item, "case"), "reference");
	cells[4] = cli_node_name(cli_text(item, outgoing ? "to_node_id" : "from_node_id"));
	cells[5] = cli_text(item, "due_at");
	cells[6] = json_is_true(json_object_get(item, "overdue")) ? "yes" : "";
}

int cmd_box(int argc, char **argv)
{
	const char *status = NULL, *case_id = NULL;
	bool overdue = false;
	struct cli_paging paging = {0};
	const struct cli_opt opts[] = {
	        {"status", true, &status},
	        {"case", true, &case_id},
	        {"overdue", false, NULL, &overdue},
	        CLI_PAGING_OPTS(paging),
	};
	bool outgoing = !strcmp(argv[0], "outbox");
	const char *headers[] = {"ID",  "STATUS", "PRIORITY", "CASE", outgoing ? "TO" : "FROM",
	                         "DUE", "OVERDUE"};
	const struct cli_table table = {ARRAY_LEN(headers), headers, referral_row, &outgoing};
	struct cli_query q;
	int rc;

	if ((rc = cli_parse_options(argc, argv, opts, ARRAY_LEN(opts))))
		return rc;
	if (case_id && !cli_uuid_arg(case_id, "--case"))
		return EXIT_USAGE;
	cli_query_init(&q, "/v1/referrals?box=%s", outgoing ? "outbox" : "inbox");
	cli_query_add(&q, "status", status);
	cli_query_add(&q, "case_id", case_id);
	cli_query_add(&q, "overdue", overdue ? "true" : NULL);
	return cli_show_page(&q, &paging, &table);
}

/* A row of a referral's timeline; the detail is made in a buffer the next row reuses. */
static void event_row(const json_t *e, const char **cells, const void *ctx)
{
	static char detail[256];
	const char *reason = cli_text(e, "status_reason"), *outcome = cli_text(e, "outcome");
	const char *channel = cli_text(e, "channel"), *note = cli_text(e, "note");

	snprintf(detail, sizeof(detail), "%s%s%s%s%s%s%s", reason ? reason : "",
	         outcome ? outcome : "", channel ? channel : "",
	         json_is_true(json_object_get(e, "warm")) ? " (warm)" : "",
	         note && (reason || outcome || channel) ? ": " : "", note ? note : "", "");
	cells[0] = cli_text(e, "at");
	cells[1] = cli_text(e, "kind");
	cells[2] = cli_text(e, "from_status");
	cells[3] = cli_text(e, "to_status");
	cells[4] = cli_node_name(cli_text(e, "actor_node_id"));
	cells[5] = detail[0] ? detail : NULL;
}

/* The moves the caller may make now (the referral's allowed_moves), as pnet referral verbs. */
static void print_moves(const json_t *allowed)
{
	const json_t *move;
	size_t i;

	printf("moves:          ");
	json_array_foreach(allowed, i, move) {
		enum referral_status to;
		const char *verb = NULL;

		if (referral_status_parse(cli_text(move, "to"), &to) == 0)
			verb = referral_status_info(to)->command;
		printf("%s%s", i ? ", " : "", verb ? verb : cli_text(move, "to"));
	}
	printf("%s\n", json_array_size(allowed) ? "" : "-");
}

int cmd_referral_show(int argc, char **argv)
{
	static const char *const keys[] = {
	        "id",         "status",  "kind",           "priority",    "from_node_id",
	        "to_node_id", "case_id", "chain_step_key", "service_id",  "reason",
	        "note",       "due_at",  "appointment_at", "expected_on", "status_reason",
	        "outcome",    "overdue", "version",        "created_at",  "updated_at",
	        NULL};
	static const char *const event_headers[] = {"AT", "KIND", "FROM", "TO", "BY", "DETAIL"};
	static const struct cli_table event_table = {ARRAY_LEN(event_headers), event_headers,
	                                             event_row, NULL};
	bool events = false;
	const struct cli_opt opts[] = {{"events", false, NULL, &events}};
	const char *id;
	json_t *referral, *timeline = NULL;
	char path[80];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/referrals/%s", id);
	if ((rc = cli_call("GET", path, NULL, -1, &referral)))
		return rc;
	if (events) {
		char *next;
		snprintf(path, sizeof(path), "/v1/referrals/%s/events", id);
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
		print_moves(json_object_get(referral, "allowed_moves"));
		if (timeline) {
			putchar('\n');
			cli_print_table(&event_table, timeline);
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
	json_t *body, *referral;
	int rc;

	if ((rc = cli_parse_options(argc, argv, opts, ARRAY_LEN(opts))))
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
	if ((rc = cli_send("POST", "/v1/referrals", body, -1, &referral)))
		return rc;
	return cli_done(referral, "%s\n", cli_text(referral, "id"));
}

int cmd_referral_move(int argc, char **argv)
{
	const char *reason = NULL, *outcome = NULL, *appointment = NULL, *expected = NULL,
	           *note = NULL, *responsible = NULL;
	const struct cli_opt opts[] = {
	        {"reason", true, &reason},
	        {"outcome", true, &outcome},
	        {"appointment-at", true, &appointment},
	        {"expected-on", true, &expected},
	        {"note", true, &note},
	        {"responsible", true, &responsible},
	};
	const char *id, *to;
	enum referral_status status;
	json_t *body, *moved;
	long version;
	char path[96];
	int rc;

	/* The verbs are lib/referral.c's words for the moves ("accept" leads to accepted). */
	if (referral_status_by_command(argv[0], &status) < 0)
		return cli_usage("unknown move '%s'", argv[0]);
	to = referral_status_name(status);
	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	if (responsible && !cli_uuid_arg(responsible, "--responsible"))
		return EXIT_USAGE;
	body = json_pack("{s:s}", "to", to);
	put(body, "reason", reason);
	put(body, "outcome", outcome);
	put(body, "appointment_at", appointment);
	put(body, "expected_on", expected);
	/* Who takes the case on when a transfer arrives (the server says when it may be named). */
	put(body, "responsible_account_id", responsible);
	if (!put_text(body, "note", note, "--note")) {
		json_decref(body);
		return EXIT_USAGE;
	}
	/* The move names the version we read, so that a change meanwhile is refused (412). */
	snprintf(path, sizeof(path), "/v1/referrals/%s", id);
	if ((rc = cli_get_version(path, &version))) {
		json_decref(body);
		return rc;
	}
	snprintf(path, sizeof(path), "/v1/referrals/%s/transitions", id);
	if ((rc = cli_send("POST", path, body, version, &moved)))
		return rc;
	return cli_done(moved, "%s %s (version %s)\n", cli_text(moved, "id"),
	                cli_text(moved, "status"), cli_text(moved, "version"));
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
	const char *id;
	json_t *body, *event;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	if (!channel)
		return cli_usage("--channel is required (in_person, phone, video, letter, portal)");
	body = json_pack("{s:s, s:b}", "channel", channel, "warm", warm);
	put(body, "at", at);
	if (!put_text(body, "note", note, "--note")) {
		json_decref(body);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/referrals/%s/handovers", id);
	if ((rc = cli_send("POST", path, body, -1, &event)))
		return rc;
	return cli_done(event, "Handover logged: %s%s.\n", channel, warm ? ", warm" : "");
}

/*
 * "referral link send ID" sends (again) the link of a referral to a receiver without accounts
 * (the old one stops working); "referral link revoke ID" revokes it (docs/cli.md).
 */
int cmd_referral_link(int argc, char **argv)
{
	bool send;
	const char *id;
	json_t *link;
	char path[96];
	int rc;

	if (argc < 2 || (strcmp(argv[1], "send") && strcmp(argv[1], "revoke")))
		return cli_usage("say send or revoke");
	send = !strcmp(argv[1], "send");
	if ((rc = cli_parse_id(argc - 1, argv + 1, NULL, 0, "ID", &id)))
		return rc;
	snprintf(path, sizeof(path), "/v1/referrals/%s/link", id);
	if ((rc = cli_call(send ? "POST" : "DELETE", path, NULL, -1, &link)))
		return rc;
	if (send)
		return cli_done(link, "Link sent to %s, valid until %s.\n",
		                cli_text(link, "recipient"), cli_text(link, "expires_at"));
	return cli_done(link, "Link to %s revoked.\n", cli_text(link, "recipient"));
}

int cmd_referral_message(int argc, char **argv)
{
	const char *text = NULL;
	const struct cli_opt opts[] = {{"text", true, &text}};
	const char *id;
	json_t *body, *message;
	char path[96];
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	if (!text || !text[0])
		return cli_usage("--text is required");
	body = json_object();
	if (!put_text(body, "text", text, "--text")) {
		json_decref(body);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/referrals/%s/messages", id);
	if ((rc = cli_send("POST", path, body, -1, &message)))
		return rc;
	return cli_done(message, "%s\n", cli_text(message, "id"));
}

/* A message of the thread: its text, or that it is withheld (no consent covers the case). */
static void message_row(const json_t *m, const char **cells, const void *ctx)
{
	(void)ctx;
	cells[0] = cli_text(m, "created_at");
	cells[1] = cli_node_name(cli_text(m, "author_node_id"));
	cells[2] = cli_text(m, "author_name");
	cells[3] = json_is_true(json_object_get(m, "unread")) ? "new" : "";
	cells[4] = json_is_true(json_object_get(m, "withheld")) ? "(withheld: no consent)"
	                                                        : cli_text(m, "text");
}

int cmd_referral_messages(int argc, char **argv)
{
	static const char *const headers[] = {"AT", "FROM", "BY", "NEW", "TEXT"};
	static const struct cli_table table = {ARRAY_LEN(headers), headers, message_row, NULL};
	struct cli_paging paging = {0};
	const struct cli_opt opts[] = {CLI_PAGING_OPTS(paging)};
	struct cli_query q;
	const char *id;
	int rc;

	if ((rc = cli_parse_id(argc, argv, opts, ARRAY_LEN(opts), "ID", &id)))
		return rc;
	cli_query_init(&q, "/v1/referrals/%s/messages", id);
	return cli_show_page(&q, &paging, &table);
}
