#include "tools.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "params.h"
#include "util.h"

#define FILE_MAX (64L * 1024 * 1024)

PGconn *tools_connect(const char *conninfo, const char *who)
{
	PGconn *pg = PQconnectdb(conninfo);

	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "%s: cannot connect to the database: %s", who, PQerrorMessage(pg));
		PQfinish(pg);
		return NULL;
	}
	/* Germany's days here too, as on pnetd's own connections (db.h). */
	if (tools_exec(pg, "SET TimeZone = '" DB_TIME_ZONE "'", "time zone") < 0) {
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

int tools_exec(PGconn *pg, const char *sql, const char *what)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc =
	        st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY ? 0 : -1;

	if (rc)
		fprintf(stderr, "pnetd: %s: %s", what, PQerrorMessage(pg));
	PQclear(res);
	return rc;
}

int tools_run(PGconn *pg, const struct db_stmt *stmt, struct params *p, PGresult **out)
{
	PGresult *res;
	ExecStatusType st;

	if (out)
		*out = NULL;
	if (!params_match(p, stmt)) {
		params_clear(p);
		fprintf(stderr, "pnetd: %s: the parameters are not the statement's\n", stmt->name);
		return -1;
	}
	res = PQexecParams(pg, stmt->sql, p->n, NULL, p->values, NULL, NULL, 0);
	params_clear(p);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "pnetd: %s: %s", stmt->name, PQerrorMessage(pg));
		PQclear(res);
		return -1;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

char *tools_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= FILE_MAX &&
	    fseek(f, 0, SEEK_SET) == 0) {
		text = xmalloc((size_t)n + 1);
		if (fread(text, 1, (size_t)n, f) != (size_t)n) {
			free(text);
			text = NULL;
			errno = EIO;
		} else {
			text[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	} else {
		errno = EFBIG;
	}
	fclose(f);
	return text;
}

void tools_free_list(char **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
