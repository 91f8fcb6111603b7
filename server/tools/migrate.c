#include "tools.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "crypto.h"
#include "util.h"

/* A key only pnetd's migrations take, so that instances starting together run them once. */
#define MIGRATE_LOCK_KEY "7031946201"

struct migration {
	int version;
	char *name;
	char *path;
};

static int by_version(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

/* NNNN_name.sql files of dir, sorted; returns the count or -1. */
static int list_migrations(const char *dir, struct migration **out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct migration *list = NULL;
	int n = 0;

	*out = NULL;
	if (!d) {
		fprintf(stderr, "pnetd: cannot open schema dir %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		int version;
		char tail;

		if (len < 10 || strcmp(e->d_name + len - 4, ".sql") != 0 || e->d_name[4] != '_' ||
		    sscanf(e->d_name, "%4d%c", &version, &tail) != 2 || tail != '_')
			continue;
		list = xrealloc(list, (size_t)(n + 1) * sizeof(*list));
		list[n].version = version;
		list[n].name = xstrndup(e->d_name, len - 4);
		list[n].path = xasprintf("%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	qsort(list, (size_t)n, sizeof(*list), by_version);
	for (int i = 1; i < n; i++) {
		if (list[i].version == list[i - 1].version) {
			fprintf(stderr, "pnetd: two migrations numbered %04d\n", list[i].version);
			n = -1;
			break;
		}
	}
	*out = list;
	return n;
}

static void free_migrations(struct migration *list, int n)
{
	for (int i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].path);
	}
	free(list);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = xmalloc((size_t)len + 1);
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		text = NULL;
	} else {
		text[len] = '\0';
	}
	fclose(f);
	return text;
}

static int exec_ok(PGconn *pg, const char *sql, const char *what)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;

	if (rc)
		fprintf(stderr, "pnetd: %s: %s", what, PQerrorMessage(pg));
	PQclear(res);
	return rc;
}

int migrate_latest(const char *dir)
{
	struct migration *list;
	int n = list_migrations(dir, &list), latest = 0;

	if (n > 0)
		latest = list[n - 1].version;
	free_migrations(list, n > 0 ? n : 0);
	return latest;
}

static int apply_one(PGconn *pg, const struct migration *m)
{
	char *sql = read_file(m->path);
	char version[16], checksum[CRYPTO_SHA256_HEX_LEN + 1];
	const char *values[3] = {version, m->name, checksum};
	PGresult *res;
	int rc = -1;

	if (!sql) {
		fprintf(stderr, "pnetd: cannot read %s\n", m->path);
		return -1;
	}
	snprintf(version, sizeof(version), "%d", m->version);
	crypto_sha256_hex(sql, strlen(sql), checksum);
	if (exec_ok(pg, "BEGIN", "begin") < 0)
		goto out;
	if (exec_ok(pg, sql, m->path) < 0) {
		exec_ok(pg, "ROLLBACK", "rollback");
		goto out;
	}
	res = PQexecParams(
	        pg, "INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)", 3,
	        NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "pnetd: recording %s: %s", m->name, PQerrorMessage(pg));
		PQclear(res);
		exec_ok(pg, "ROLLBACK", "rollback");
		goto out;
	}
	PQclear(res);
	if (exec_ok(pg, "COMMIT", "commit") < 0)
		goto out;
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"migration applied\",\"migration\":\"%s\"}\n",
	        m->name);
	rc = 0;
out:
	free(sql);
	return rc;
}

int migrate_run(const char *conninfo, const char *dir)
{
	struct migration *list;
	int n = list_migrations(dir, &list), rc = -1;
	PGconn *pg;

	if (n < 0) {
		free_migrations(list, 0);
		return -1;
	}
	pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "pnetd: cannot connect to the database: %s", PQerrorMessage(pg));
		goto out;
	}
	if (exec_ok(pg, "SET client_min_messages = warning", "settings") < 0 ||
	    exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "advisory lock") < 0 ||
	    exec_ok(pg,
	            "CREATE TABLE IF NOT EXISTS schema_migration ("
	            " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
	            " applied_at timestamptz NOT NULL DEFAULT now())",
	            "schema_migration") < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		char version[16];
		const char *values[1] = {version};
		PGresult *res;
		bool applied;

		snprintf(version, sizeof(version), "%d", list[i].version);
		res = PQexecParams(pg, "SELECT 1 FROM schema_migration WHERE version = $1", 1, NULL,
		                   values, NULL, NULL, 0);
		applied = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
		PQclear(res);
		if (!applied && apply_one(pg, &list[i]) < 0)
			goto out;
	}
	rc = 0;
out:
	PQfinish(pg); /* ends the session, and with it the advisory lock */
	free_migrations(list, n);
	return rc;
}
