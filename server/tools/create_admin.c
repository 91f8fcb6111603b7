#include "tools.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <libpq-fe.h>

#include "config.h"
#include "crypto.h"
#include "validate.h"

#define MIN_PASSWORD 12

int create_admin_main(int argc, char **argv)
{
	const char *login = NULL, *display = NULL;
	bool from_stdin = false;
	char password[1024], hash[CRYPTO_PASSWORD_HASH_MAX];
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
		if (strlen(password) < MIN_PASSWORD) {
			fprintf(stderr,
			        "pnetd create-admin: the password needs at least %d characters\n",
			        MIN_PASSWORD);
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

	pg = PQconnectdb(cfg.database);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "pnetd create-admin: cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return 1;
	}
	const char *values[3] = {login, display, hash};
	res = PQexecParams(
	        pg,
	        "WITH a AS (INSERT INTO account (login, display_name, password_hash, role)"
	        "  VALUES ($1, $2, $3, 'admin') ON CONFLICT (login) DO NOTHING RETURNING id)"
	        "SELECT id, audit(NULL, NULL, 'account.create', 'account', id, 'cli', 'local',"
	        "                 jsonb_build_object('via', 'pnetd create-admin', 'login', "
	        "$1::text))"
	        " FROM a",
	        3, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "pnetd create-admin: %s", PQerrorMessage(pg));
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
