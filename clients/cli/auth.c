/* pnet login, logout and whoami: the saved session. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"

/* Read one line from f into buf (without its newline); false at EOF or when it is too long. */
static bool read_line(FILE *f, char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, f))
		return false;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f))
		return false; /* longer than the buffer */
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return true;
}

/* Ask on the terminal (not stdin, which may be a pipe); without echo when secret. */
static bool prompt(const char *question, bool secret, char *buf, size_t size)
{
	struct termios saved, quiet;
	bool ok, restore = false;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	FILE *tty;

	if (fd < 0) {
		fprintf(stderr, "pnet: no terminal to ask on (use --password-stdin): %s\n",
		        strerror(errno));
		return false;
	}
	tty = fdopen(fd, "r+");
	if (!tty) {
		close(fd);
		return false;
	}
	fputs(question, tty);
	fflush(tty);
	if (secret && tcgetattr(fd, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	ok = read_line(tty, buf, size);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &saved);
	fclose(tty);
	return ok;
}

int cmd_login(int argc, char **argv)
{
	bool from_stdin = false;
	const struct cli_opt opts[] = {{"password-stdin", false, NULL, &from_stdin}};
	const char *pos[CLI_MAX_POSITIONAL];
	char login[128], password[1100];
	struct session s, saved;
	json_t *body, *answer = NULL;
	int npos, rc;

	if ((rc = cli_parse(argc, argv, opts, ARRAY_LEN(opts), 0, 1, pos, &npos)))
		return rc;
	if (npos == 1) {
		if (strlen(pos[0]) >= sizeof(login))
			return cli_usage("the login is too long");
		strcpy(login, pos[0]);
	} else if (from_stdin) {
		return cli_usage("name the login when the password comes from stdin");
	} else if (!prompt("Login: ", false, login, sizeof(login))) {
		return EXIT_USAGE;
	}
	if (from_stdin) {
		if (!read_line(stdin, password, sizeof(password))) {
			fprintf(stderr, "pnet login: no password on stdin\n");
			return EXIT_USAGE;
		}
	} else if (!prompt("Password: ", true, password, sizeof(password))) {
		return EXIT_USAGE;
	}
	body = json_pack("{s:s, s:s}", "login", login, "password", password);
	explicit_bzero(password, sizeof(password));
	if (!body) {
		fprintf(stderr, "pnet login: the login and password must be UTF-8\n");
		return EXIT_USAGE;
	}
	rc = cli_call_anonymous("POST", "/v1/auth/login", body, &answer);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (config_load(&saved) < 0) {
		json_decref(answer);
		return EXIT_REFUSED;
	}
	const char *token = json_string_value(json_object_get(answer, "token"));
	const char *expires = json_string_value(json_object_get(answer, "expires_at"));
	s = (struct session){
	        .server = strdup(cli_server_url(&saved)),
	        .token = token ? strdup(token) : NULL,
	        .login = strdup(login),
	        .expires_at = expires ? strdup(expires) : NULL,
	};
	if (!s.token) {
		fprintf(stderr, "pnet login: the server sent no token\n");
		rc = EXIT_REFUSED;
	} else if (config_save(&s) < 0) {
		rc = EXIT_REFUSED;
	} else if (cli.json) {
		json_object_del(answer, "token"); /* a secret has no business on stdout */
		cli_print_json(answer);
	} else {
		json_t *account = json_object_get(answer, "account");
		const char *role = cli_text(account, "role");
		printf("Logged in to %s as %s (%s) until %s.\n", s.server, login, role ? role : "?",
		       s.expires_at ? s.expires_at : "?");
	}
	config_clear(&s);
	config_clear(&saved);
	json_decref(answer);
	return rc;
}

int cmd_logout(int argc, char **argv)
{
	struct session s;
	int rc;

	if ((rc = cli_parse_options(argc, argv, NULL, 0)))
		return rc;
	if (config_load(&s) < 0)
		return EXIT_REFUSED;
	if (!s.token) {
		fprintf(stderr, "pnet logout: not logged in\n");
		config_clear(&s);
		return EXIT_OK;
	}
	if (cli.server && s.server && strcmp(cli.server, s.server)) {
		fprintf(stderr, "pnet logout: the saved session is for %s\n", s.server);
		config_clear(&s);
		return EXIT_USAGE;
	}
	/* The saved server, not $PNET_SERVER: the token belongs there. */
	cli.server = s.server;
	rc = cli_call("POST", "/v1/auth/logout", NULL, -1, NULL);
	/* Refused (401: the token had expired or was revoked) still ends the local session;
	   unreachable keeps it, so that logging out can be tried again. */
	if (rc != EXIT_CONNECT) {
		free(s.token);
		s.token = NULL;
		free(s.expires_at);
		s.expires_at = NULL;
		if (config_save(&s) < 0)
			rc = EXIT_REFUSED;
		else {
			if (rc != EXIT_OK)
				fprintf(stderr, "pnet logout: the token was no longer valid\n");
			rc = EXIT_OK;
			if (!cli.json)
				printf("Logged out of %s.\n", s.server);
		}
	}
	cli.server = NULL;
	config_clear(&s);
	return rc;
}

int cmd_whoami(int argc, char **argv)
{
	static const char *const account_keys[] = {"login",   "display_name", "role",
	                                           "node_id", "network_ids",  NULL};
	json_t *me, *account, *token;
	struct session s;
	int rc;

	if ((rc = cli_parse_options(argc, argv, NULL, 0)))
		return rc;
	if ((rc = cli_call("GET", "/v1/me", NULL, -1, &me)))
		return rc;
	if (cli.json) {
		cli_print_json(me);
		json_decref(me);
		return EXIT_OK;
	}
	account = json_object_get(me, "account");
	token = json_object_get(me, "token");
	cli_print_fields(account, account_keys);
	if (cli_text(account, "node_id"))
		printf("node:         %s\n", cli_node_name(cli_text(account, "node_id")));
	printf("token:        %s, expires %s\n",
	       cli_text(token, "kind") ? cli_text(token, "kind") : "?",
	       cli_text(token, "expires_at") ? cli_text(token, "expires_at") : "never");
	if (config_load(&s) == 0) {
		printf("server:       %s\n", cli_server_url(&s));
		config_clear(&s);
	}
	json_decref(me);
	return EXIT_OK;
}
