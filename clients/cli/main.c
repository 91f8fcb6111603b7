/*
 * pnet: the command-line client of pnetd. This file holds the command table (name, usage,
 * help) that --help, `pnet help` and dispatching all read, and the global options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "pnet_config.h"
#include "referral.h"

/* Which of lib/referral.c's word lists a command's help ends with: the library is their
   only home, so a help text never lists them itself. */
enum words {
	WORDS_NONE,
	WORDS_STATUSES, /* for --status */
	WORDS_REASONS,  /* of the move the command makes (its second word) */
	WORDS_OUTCOMES,
	WORDS_CHANNELS,
};

struct command {
	const char *name; /* first word */
	const char *sub;  /* second word, or NULL */
	int (*run)(int argc, char **argv);
	const char *usage; /* after "pnet " */
	const char *help;  /* what it does; option lines indented by two spaces */
	enum words words;
};

/* clang-format off */
#define MOVE(verb, what, opts, words)                                                              \
	{"referral", verb, cmd_referral_move, "referral " verb " ID" opts,                         \
	 what "\nReads the referral first and sends its version as If-Match.", words}
/* clang-format on */

static const struct command commands[] = {
        {"login", NULL, cmd_login, "login [LOGIN] [--password-stdin]",
         "Log in and save the session token (mode 0600) in $XDG_CONFIG_HOME/pnet/session.json.\n"
         "Asks for the login and the password (without echo) on the terminal.\n"
         "  --password-stdin  read the password from the first line of stdin (needs LOGIN)\n"
         "  --server URL      the server to log in to; saved for the commands that follow"},
        {"logout", NULL, cmd_logout, "logout",
         "End the session on the server and forget the token."},
        {"whoami", NULL, cmd_whoami, "whoami", "Show the account and token in use."},
        {"inbox", NULL, cmd_box,
         "inbox [--status S[,S...]] [--case ID] [--overdue] [--limit N] "
         "[--after CURSOR] [--all]",
         "Referrals sent to your node, newest first.\n"
         "  --status   only these statuses (listed below), comma-separated\n"
         "  --case     only referrals of this case\n"
         "  --overdue  only overdue referrals\n"
         "  --all      every page, not just the first",
         WORDS_STATUSES},
        {"outbox", NULL, cmd_box,
         "outbox [--status S[,S...]] [--case ID] [--overdue] [--limit N] "
         "[--after CURSOR] [--all]",
         "Referrals your node sent, newest first; options as for inbox.", WORDS_STATUSES},
        {"referral", "show", cmd_referral_show, "referral show ID [--events]",
         "One referral.\n  --events  with its timeline (transitions and handovers)"},
        {"referral", "create", cmd_referral_create,
         "referral create --case ID --to NODE [--kind service|transfer] [--step KEY] "
         "[--service ID] [--reason TEXT] [--note TEXT] [--urgent | --priority P] "
         "[--redirected-from ID]",
         "Send a referral for a case to another node; prints its id. The case needs an active\n"
         "consent covering the receiver (pnet consent add)."},
        {"referral", "message", cmd_referral_message, "referral message ID --text TEXT",
         "Write a message on a referral to the other side (sender or receiver); prints its id.\n"
         "The other node sees it as unread until one of its accounts reads the thread."},
        {"referral", "messages", cmd_referral_messages,
         "referral messages ID [--limit N] [--after CURSOR] [--all]",
         "The thread of a referral, oldest first. Reading it marks the messages shown read for\n"
         "your node (NEW shows which were unread). A receiving agency whose consent no longer\n"
         "covers the case sees that a message exists, not its text.\n"
         "  --all  every page, not just the first"},
        MOVE("receive", "Confirm receipt (receiver).", "", WORDS_NONE),
        MOVE("waitlist", "Put on the waiting list until a date (receiver).",
             " --expected-on DATE [--note TEXT]", WORDS_NONE),
        MOVE("accept",
             "Accept (receiver). Accepting a transfer, --responsible names the colleague who\n"
             "will be responsible for the case (else you).",
             " [--appointment-at TIME] [--responsible ACCOUNT] [--note TEXT]", WORDS_NONE),
        MOVE("decline", "Decline (receiver), for a REASON listed below.",
             " --reason REASON [--note TEXT]", WORDS_REASONS),
        MOVE("start", "The service started (receiver).", " [--note TEXT]", WORDS_NONE),
        MOVE("complete",
             "The service ended (receiver), with an OUTCOME listed below. Completing a\n"
             "transfer takes the case over; --responsible names who is responsible for it.",
             " --outcome OUTCOME [--responsible ACCOUNT] [--note TEXT]", WORDS_OUTCOMES),
        MOVE("dropout",
             "The client did not come or broke off (receiver), for a REASON listed below.",
             " --reason REASON [--note TEXT]", WORDS_REASONS),
        MOVE("withdraw", "Take the referral back (sender), for a REASON listed below.",
             " [--reason REASON] [--note TEXT]", WORDS_REASONS),
        {"referral", "link", cmd_referral_link, "referral link send|revoke ID",
         "For a receiver without accounts, which answers through a link sent to its contact\n"
         "e-mail: send a new link (the old one stops working), or revoke the link. Sender only."},
        {"handover", NULL, cmd_handover,
         "handover ID --channel CHANNEL [--warm] [--at TIME] [--note TEXT]",
         "Log how the client was handed over (sender) through a CHANNEL listed below;\n"
         "--warm when the two services talked with the client present.",
         WORDS_CHANNELS},
        {"case", "open", cmd_case_open,
         "case open --reference REF --target-group ID [--district NAME]",
         "Open a case (a pseudonymous reference, no names) for your node; prints its id."},
        {"case", "list", cmd_case_list,
         "case list [--status open|closed] [--target-group ID] [--node] [--limit N] "
         "[--after CURSOR] [--all]",
         "Your cases (responsible, deputy or standing in); --node: all of your node's."},
        {"case", "hand-over", cmd_case_hand_over, "case hand-over CASE --to ACCOUNT",
         "Hand a case to a colleague of your node, who becomes responsible for it."},
        {"colleagues", NULL, cmd_colleagues, "colleagues",
         "The caseworkers of your node (to hand cases to), with their absences today."},
        {"follow-up", "add", cmd_follow_up_add, "follow-up add CASE --on DATE --reason TEXT",
         "Set a follow-up date (Wiedervorlage) on a case; prints its id."},
        {"follow-up", "list", cmd_follow_up_list,
         "follow-up list [--due overdue|today|due|all] [--node] [--case CASE] [--limit N] "
         "[--all]",
         "Open follow-ups of your cases, soonest first (--node: of all your node's cases;\n"
         "--case: every follow-up of one case)."},
        {"follow-up", "move", cmd_follow_up_move, "follow-up move ID --on DATE",
         "Move an open follow-up to another day."},
        {"follow-up", "done", cmd_follow_up_done, "follow-up done ID", "Mark a follow-up done."},
        {"absence", "add", cmd_absence_add,
         "absence add --from DATE --until DATE --stand-in ACCOUNT",
         "Mark yourself absent (days inclusive); meanwhile the colleague standing in sees\n"
         "your cases under their cases and hears of their events."},
        {"absence", "list", cmd_absence_list, "absence list",
         "Your absences that have not ended, with who stands in."},
        {"absence", "remove", cmd_absence_remove, "absence remove ID",
         "Take an absence back (you are present again)."},
        {"case", "show", cmd_case_show, "case show ID", "One case."},
        {"case", "close", cmd_case_close, "case close ID --reason REASON",
         "Close a case; REASON is goal_reached, moved_away, no_longer_eligible,\n"
         "client_withdrew, no_contact or other."},
        {"case", "enrol", cmd_case_enrol, "case enrol ID --chain CHAIN",
         "Enrol a case in the published version of a service chain."},
        {"case", "export", cmd_case_export, "case export ID",
         "Print everything pnet holds about a case as JSON (Art. 15 GDPR: for an access\n"
         "request of the client)."},
        {"case", "erase", cmd_case_erase, "case erase ID --yes",
         "Erase a case at once and for good (Art. 17 GDPR); its referrals stay only as\n"
         "anonymous statistics. Withdraw open referrals first."},
        {"contract", "list", cmd_contract_list, "contract list SERVICE",
         "A service's contracts (Kontingente): places, taken, free."},
        {"contract", "use", cmd_contract_use, "contract use NETWORK [--on DATE]",
         "Use against contract in a network on a day (coordinators)."},
        {"consent", "add", cmd_consent_add,
         "consent add CASE (--to NODE | --network) --purpose TEXT --purpose-code CODE "
         "[--basis CODE] --given-on DATE [--expires-on DATE] --evidence TEXT",
         "Record the client's consent to share the case with one node or the whole network,\n"
         "for a purpose of the list (GET /v1/legal-purposes) on a basis of kind consent\n"
         "(GET /v1/legal-bases; the default for the owner's kind of node); prints its id."},
        {"consent", "list", cmd_consent_list, "consent list CASE", "A case's consents."},
        {"consent", "revoke", cmd_consent_revoke, "consent revoke CONSENT",
         "Revoke a consent (open referrals it no longer covers are withdrawn)."},
        {"conference", "list", cmd_conference_list,
         "conference list [--case ID] [--status planned|held|cancelled] [--limit N] "
         "[--after CURSOR] [--all]",
         "Case conferences of your node's cases and those your node is invited to, by start."},
        {"conference", "show", cmd_conference_show, "conference show ID",
         "One case conference with its participants and decisions (agenda and decisions'\n"
         "text only where a consent of the client covers your node)."},
        {"conference", "create", cmd_conference_create,
         "conference create CASE --at TIME --with NODE[,NODE...] (--place TEXT | --video URL) "
         "[--until TIME] [--step KEY] [--agenda TEXT]",
         "Plan a case conference on your case with other members of its network; prints its id.\n"
         "Each node of --with is invited (an event). --video takes https:// links only."},
        {"conference", "decide", cmd_conference_decide, "conference decide ID --text TEXT",
         "Record a decision of a case conference; prints its id."},
        {"conference", "refer", cmd_conference_refer,
         "conference refer ID --decision DECISION --to NODE [--step KEY] [--service ID] "
         "[--reason TEXT] [--note TEXT] [--urgent]",
         "Send a referral from a decision (Vermittlung aus Beschluss); prints its id. The same\n"
         "rules as pnet referral create; --step defaults to the conference's step."},
        {"conference", "cancel", cmd_conference_cancel, "conference cancel ID",
         "Cancel a planned case conference (the invited nodes are told)."},
        {"services", "search", cmd_services_search,
         "services search [WORDS...] [--category CODE] [--target-group ID] [--district NAME] "
         "[--network ID] [--language xx] [--has-capacity] [--status S] [--limit N] [--all]",
         "Search the service directory."},
        {"nodes", "list", cmd_nodes_list,
         "nodes list [WORDS...] [--kind KIND] [--network ID] [--district NAME] "
         "[--active true|false] [--limit N] [--all]",
         "List the nodes (service locations) of the directory."},
        {"chain", "list", cmd_chain_list, "chain list NETWORK [--target-group ID]",
         "A network's service chains."},
        {"chain", "export", cmd_chain_export, "chain export CHAIN [--version N | --draft]",
         "Print a chain and the graph of one version as JSON (pnet chain import reads it).\n"
         "Without options: the published version, else the draft."},
        {"chain", "import", cmd_chain_import, "chain import NETWORK FILE [--name NAME] [--publish]",
         "Create a chain in NETWORK from an export (FILE, or - for stdin) with a draft holding\n"
         "its graph; prints the new chain's id.\n"
         "  --name     another name (names are unique within a network)\n"
         "  --publish  publish the draft too"},
        {"stats", "funnel", cmd_stats_funnel, "stats funnel CHAIN [--since DATE] [--until DATE]",
         "How many referrals each step of a chain received, accepted, started and completed."},
        {"stats", "report", cmd_stats_report,
         "stats report NETWORK --since DATE --until DATE [--target-group ID] [--chain ID] "
         "[--district NAME] [--suppressed]",
         "The network report of a period (until excluded) and the period before: the\n"
         "overview of both and the outcomes per provider (--json: the whole report).\n"
         "  --suppressed  the form for publication: small numbers and what would give them\n"
         "                away are hidden (x)"},
        {"hsds", "export", cmd_hsds_export, "hsds export DIR",
         "Write the directory as Open Referral HSDS 3.0 into DIR: hsds.json (what\n"
         "pnetd hsds-import reads) and one file per collection."},
        {"help", NULL, NULL, "help [COMMAND]", "Show the commands, or one command's help."},
};

static const char global_help[] =
        "Global options (anywhere on the command line):\n"
        "  --server URL    the pnetd to talk to (default: the saved one, $PNET_SERVER,\n"
        "                  or " CLI_DEFAULT_SERVER ")\n"
        "  --json          print the API's JSON instead of tables\n"
        "  --cacert FILE   trust the CA certificates in FILE (PEM) for https\n"
        "  --timeout SECS  give up on a request after SECS seconds (default 30)\n"
        "  --help          help on a command; --version\n"
        "Environment: PNET_SERVER, PNET_TOKEN (an integration token instead of the saved one),\n"
        "XDG_CONFIG_HOME.\n"
        "Exit codes: 0 ok, 1 the server refused, 2 bad usage, 3 cannot connect.\n";

static void print_overview(FILE *out)
{
	fprintf(out, "usage: pnet [OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(out, "  pnet %s\n", commands[i].usage);
	fprintf(out, "\n%s\nSee pnet COMMAND --help and man pnet.\n", global_help);
}

static void print_list(const char *label, const char *const *names)
{
	printf("\n%s:", label);
	for (size_t i = 0; names && names[i]; i++)
		printf("%s %s", i ? "," : "", names[i]);
	printf("\n");
}

static void print_help(const struct command *c)
{
	enum referral_status into;

	printf("usage: pnet %s\n\n%s\n", c->usage, c->help);
	switch (c->words) {
	case WORDS_NONE:
		break;
	case WORDS_STATUSES:
		print_list("Statuses", referral_status_names);
		break;
	case WORDS_REASONS:
		if (referral_status_by_command(c->sub, &into) == 0)
			print_list("Reasons", referral_reasons(into));
		break;
	case WORDS_OUTCOMES:
		print_list("Outcomes", referral_outcomes());
		break;
	case WORDS_CHANNELS:
		print_list("Channels", referral_channels);
		break;
	}
}

/* The command named by words (one or two); NULL when there is none. *used tells how many. */
static const struct command *find(int n, char **words, int *used)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		const struct command *c = &commands[i];
		if (strcmp(c->name, words[0]))
			continue;
		if (!c->sub) {
			*used = 1;
			return c;
		}
		if (n > 1 && !strcmp(c->sub, words[1])) {
			*used = 2;
			return c;
		}
	}
	return NULL;
}

/* Whether any command starts with name (to tell "pnet case" from "pnet nonsense"). */
static bool is_group(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (!strcmp(commands[i].name, name))
			return true;
	return false;
}

static int help(int n, char **words)
{
	const struct command *c;
	int used;
	bool any = false;

	if (n == 0) {
		print_overview(stdout);
		return EXIT_OK;
	}
	c = find(n, words, &used);
	if (c && (c->sub || n == 1)) {
		print_help(c);
		return EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (!strcmp(commands[i].name, words[0])) {
			printf("%susage: pnet %s\n", any ? "" : "", commands[i].usage);
			any = true;
		}
	if (any)
		return EXIT_OK;
	fprintf(stderr, "pnet help: no command '%s'; see pnet help\n", words[0]);
	return EXIT_USAGE;
}

/*
 * Take the global options out of argv (up to a "--"), leaving the command and its own
 * arguments in order. Returns EXIT_OK or EXIT_USAGE.
 */
static int take_globals(int *argc, char **argv, bool *want_help, bool *want_version)
{
	static const struct {
		const char *name;
		const char **value;
	} valued[] = {{"--server", &cli.server}, {"--cacert", &cli.cacert}};
	const char *timeout = NULL;
	int out = 1, i;

	for (i = 1; i < *argc; i++) {
		char *a = argv[i];
		bool taken = false;
		if (!strcmp(a, "--"))
			break;
		if (!strcmp(a, "--json")) {
			cli.json = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*want_help = true;
			continue;
		}
		/* Before the command only: "chain export --version N" is the command's own. */
		if (!strcmp(a, "--version") && out == 1) {
			*want_version = true;
			continue;
		}
		for (size_t k = 0; k < ARRAY_LEN(valued) + 1 && !taken; k++) {
			const char *name = k < ARRAY_LEN(valued) ? valued[k].name : "--timeout";
			const char **dest = k < ARRAY_LEN(valued) ? valued[k].value : &timeout;
			size_t len = strlen(name);
			if (strncmp(a, name, len))
				continue;
			if (a[len] == '=') {
				*dest = a + len + 1;
			} else if (a[len] == '\0') {
				if (i + 1 >= *argc) {
					fprintf(stderr, "pnet: option %s needs a value\n", name);
					return EXIT_USAGE;
				}
				*dest = argv[++i];
			} else {
				continue;
			}
			taken = true;
		}
		if (!taken)
			argv[out++] = a;
	}
	for (; i < *argc; i++)
		argv[out++] = argv[i];
	*argc = out;
	argv[out] = NULL;
	if (timeout) {
		char *end;
		long t = strtol(timeout, &end, 10);
		if (*end || end == timeout || t < 1 || t > 3600) {
			fprintf(stderr, "pnet: --timeout must be 1..3600 seconds\n");
			return EXIT_USAGE;
		}
		cli.timeout = t;
	}
	if (cli.server && !*cli.server) {
		fprintf(stderr, "pnet: --server must not be empty\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	bool want_help = false, want_version = false;
	const struct command *c;
	int used, rc;

	rc = take_globals(&argc, argv, &want_help, &want_version);
	if (rc != EXIT_OK)
		return rc;
	if (want_version) {
		printf("pnet %s\n", PNET_VERSION);
		return EXIT_OK;
	}
	if (argc < 2) {
		if (want_help) {
			print_overview(stdout);
			return EXIT_OK;
		}
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help"))
		return help(argc - 2, argv + 2);
	c = find(argc - 1, argv + 1, &used);
	if (!c) {
		if (is_group(argv[1])) {
			if (want_help)
				return help(1, argv + 1);
			fprintf(stderr, "pnet %s: %s%s; see pnet help %s\n", argv[1],
			        argc > 2 ? "no such command " : "needs a command",
			        argc > 2 ? argv[2] : "", argv[1]);
		} else {
			fprintf(stderr, "pnet: no command '%s'; see pnet help\n", argv[1]);
		}
		return EXIT_USAGE;
	}
	if (want_help) {
		print_help(c);
		return EXIT_OK;
	}
	{
		/* "pnet referral accept" names itself "referral accept" in messages. */
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s", c->name, c->sub ? " " : "",
		         c->sub ? c->sub : "");
		cli_set_command(name, c->usage);
		rc = c->run(argc - used, argv + used);
		cli_set_command("", "");
	}
	cli_node_names_free();
	return rc;
}
