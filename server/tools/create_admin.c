#include "tools.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <libpq-fe.h>

#include "config.h"
#include "crypto.h"
#include "params.h"
#include "tools_sql.h"
#include "validate.h"

int create_admin_main(int argc, char **argv)
{
	const char *login = NULL, *display = NULL;
	bool from_stdin = false;
	char password[CRYPTO_PASSWORD_MAX + 2], hash[CRYPTO_PASSWORD_HASH_MAX]; /* + newline, NUL */
	struct params p = {0};
	PGconn *pg;
	PGresult *res;
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--login") && i + 1 < argc)
			login = argv[++i];
		else if (!strncmp(argv[i], "--login=", 8))
			login = argv[i] + 8;
		else if (!strcmp(argv[i], "--display-name") && i + 1 < argc)
			display = argv[++i];
		else if (!strncmp(argv[i], "--display-name=", 15))
			display = argv[i] + 15;
		else if (!strcmp(argv[i], "--password-stdin"))
			from_stdin = true;
		else {
			fprintf(stderr, "pnetd create-admin: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!login || !validate_login(login)) {
		fprintf(stderr,
		        "pnetd create-admin: --login is required: 3 to 64 of a-z 0-9 . _ -\n");
		return 2;
	}
	if (!display)
		display = "Administrator";
	if (from_stdin) {
		if (!fgets(password, sizeof(password), stdin))
			password[0] = '\0';
		password[strcspn(password, "\r\n")] = '\0';
		if (strlen(password) < CRYPTO_PASSWORD_MIN) {
			fprintf(stderr,
			        "pnetd create-admin: the password needs at least %d characters\n",
			        CRYPTO_PASSWORD_MIN);
			return 2;
		}
	} else {
		unsigned char raw[18];
		if (crypto_random_bytes(raw, sizeof(raw)) < 0)
			return 1;
		crypto_base64url(raw, sizeof(raw), password);
	}
	if (crypto_password_hash(password, (unsigned)cfg.scrypt_log_n, hash, sizeof(hash)) < 0) {
		fprintf(stderr, "pnetd create-admin: hashing the password failed\n");
		return 1;
	}

	pg = tools_connect(cfg.database, "pnetd create-admin");
	if (!pg)
		return 1;
	params_text(&p, "login", login);
	params_text(&p, "display_name", display);
	params_text(&p, "password_hash", hash);
	if (tools_run(pg, &sql_admin_create, &p, &res) < 0)
		res = NULL;
	if (!res) {
		/* tools_run said why */
	} else if (PQntuples(res) == 0) {
		fprintf(stderr, "pnetd create-admin: an account \"%s\" exists already\n", login);
	} else {
		printf("created admin %s (%s)\n", login, PQgetvalue(res, 0, 0));
		if (!from_stdin)
			printf("password (shown once): %s\n", password);
		rc = 0;
	}
	PQclear(res);
	PQfinish(pg);
	return rc;
}
