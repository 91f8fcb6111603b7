#include "tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "config.h"

/* How often to try again while another instance holds the purge lock (a run takes moments). */
#define PURGE_TRIES 10

int purge_main(int argc, char **argv)
{
	static const char *const names[] = {"cases",          "consents",     "referrals",
	                                    "events",         "archived",     "idempotency_keys",
	                                    "login_failures", "outbox_events"};
	char days[24];
	const char *values[1] = {days};
	PGconn *pg;
	PGresult *res = NULL;
	int rc = 1;

	if (argc > 0) {
		fprintf(stderr, "pnetd purge: unknown argument %s (see pnetd --help)\n", argv[0]);
		return 2;
	}
	snprintf(days, sizeof(days), "%ld", cfg.retention_days);
	pg = PQconnectdb(cfg.database);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "pnetd purge: cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return 1;
	}
	for (int i = 0; i < PURGE_TRIES; i++) {
		if (i > 0)
			sleep(1);
		PQclear(res);
		res = PQexecParams(pg,
		                   "SELECT locked, cases, consents, referrals, events, archived,"
		                   " idempotency_keys, login_failures, outbox_events"
		                   " FROM retention_purge($1::int, 'cli', 'local')",
		                   1, NULL, values, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "pnetd purge: %s", PQerrorMessage(pg));
			goto out;
		}
		if (PQgetvalue(res, 0, 0)[0] == 't')
			break;
	}
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		fprintf(stderr, "pnetd purge: another purge kept running; nothing done\n");
		goto out;
	}
	printf("purged: retention_days=%s", days);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		printf(" %s=%s", names[i], PQgetvalue(res, 0, (int)i + 1));
	printf("\n");
	rc = 0;
out:
	PQclear(res);
	PQfinish(pg);
	return rc;
}
