#include "tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "config.h"
#include "params.h"
#include "retention.h"
#include "retention_sql.h"

/* How often to try again while another instance holds the purge lock (a run takes moments). */
#define PURGE_TRIES 10

int purge_main(int argc, char **argv)
{
	PGconn *pg;
	PGresult *res = NULL;
	int rc = 1;

	if (argc > 0) {
		fprintf(stderr, "pnetd purge: unknown argument %s (see pnetd --help)\n", argv[0]);
		return 2;
	}
	pg = tools_connect(cfg.database, "pnetd purge");
	if (!pg)
		return 1;
	for (int i = 0; i < PURGE_TRIES; i++) {
		struct params p = {0};

		if (i > 0)
			sleep(1);
		PQclear(res);
		params_long(&p, "days", cfg.retention_days);
		params_text(&p, "request_id", "cli");
		params_text(&p, "client_addr", "local");
		if (tools_run(pg, &sql_retention_purge, &p, &res) < 0)
			goto out;
		if (PQgetvalue(res, 0, 0)[0] == 't')
			break;
	}
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		fprintf(stderr, "pnetd purge: another purge kept running; nothing done\n");
		goto out;
	}
	printf("purged: retention_days=%ld", cfg.retention_days);
	for (size_t i = 0; i < retention_counts_n; i++)
		printf(" %s=%s", retention_counts[i], PQgetvalue(res, 0, (int)i + 1));
	printf("\n");
	rc = 0;
out:
	PQclear(res);
	PQfinish(pg);
	return rc;
}
