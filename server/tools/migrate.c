/*
 * pnetd migrate (docs/architecture.md, "Migrations"): under an advisory lock, check that the
 * migrations applied before are the files of schema-dir as they were then (SHA-256), apply
 * the new ones (each in its own transaction with the row that records it), then drop and
 * create again, in one transaction, the functions, triggers and views of schema-dir/functions
 * in the order of its ORDER file, with the referral vocabulary of lib/referral.c.
 */
#include "tools.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "crypto.h"
#include "params.h"
#include "referral.h"
#include "tools_sql.h"
#include "util.h"

/* What a rewritten migration says of the text a database may have applied instead. */
#define REPLACES "-- replaces sha256 "

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

int migrate_latest(const char *dir)
{
	struct migration *list;
	int n = list_migrations(dir, &list), latest = 0;

	if (n > 0)
		latest = list[n - 1].version;
	free_migrations(list, n > 0 ? n : 0);
	return latest;
}

/* Whether the text of a rewritten migration names checksum as the one it replaces. */
static bool replaces(const char *sql, const char *checksum)
{
	size_t n = strlen(checksum);

	for (const char *line = sql; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, REPLACES, strlen(REPLACES)) &&
		    !strncmp(line + strlen(REPLACES), checksum, n) &&
		    (line[strlen(REPLACES) + n] == '\n' || line[strlen(REPLACES) + n] == '\0'))
			return true;
	return false;
}

/* One migration's file and checksum; NULL after printing why when it cannot be read. */
static char *read_migration(const struct migration *m, char checksum[CRYPTO_SHA256_HEX_LEN + 1])
{
	char *sql = tools_read_file(m->path, NULL);

	if (!sql) {
		fprintf(stderr, "pnetd: cannot read %s: %s\n", m->path, strerror(errno));
		return NULL;
	}
	crypto_sha256_hex(sql, strlen(sql), checksum);
	return sql;
}

/*
 * Compare an applied migration with its file: the same checksum, or a rewrite that names
 * the recorded one (then the new one is recorded). 0, or -1 after printing why.
 */
static int verify_applied(PGconn *pg, const struct migration *m, const char *recorded)
{
	char checksum[CRYPTO_SHA256_HEX_LEN + 1];
	char *sql = read_migration(m, checksum);
	struct params p = {0};
	int rc = -1;

	if (!sql)
		return -1;
	if (!strcmp(checksum, recorded)) {
		rc = 0;
	} else if (replaces(sql, recorded)) {
		params_long(&p, "version", m->version);
		params_text(&p, "checksum", checksum);
		if (tools_run(pg, &sql_migrate_rewritten, &p, NULL) == 0) {
			fprintf(stderr,
			        "{\"level\":\"info\",\"msg\":\"migration rewritten\","
			        "\"migration\":\"%s\"}\n",
			        m->name);
			rc = 0;
		}
	} else {
		fprintf(stderr,
		        "pnetd: migration %s changed after it was applied (applied: sha256 %s, "
		        "file: %s); an applied migration never changes: put the change in a new "
		        "migration\n",
		        m->name, recorded, checksum);
	}
	free(sql);
	return rc;
}

static int apply_one(PGconn *pg, const struct migration *m)
{
	char checksum[CRYPTO_SHA256_HEX_LEN + 1];
	char *sql = read_migration(m, checksum);
	struct params p = {0};
	int rc = -1;

	if (!sql)
		return -1;
	if (tools_exec(pg, "BEGIN", "begin") < 0)
		goto out;
	params_long(&p, "version", m->version);
	params_text(&p, "name", m->name);
	params_text(&p, "checksum", checksum);
	if (tools_exec(pg, sql, m->path) < 0 || tools_run(pg, &sql_migrate_record, &p, NULL) < 0) {
		tools_exec(pg, "ROLLBACK", "rollback");
		goto out;
	}
	if (tools_exec(pg, "COMMIT", "commit") < 0)
		goto out;
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"migration applied\",\"migration\":\"%s\"}\n",
	        m->name);
	rc = 0;
out:
	params_clear(&p);
	free(sql);
	return rc;
}

/* Check what is applied and apply what is not; 0 or -1. */
static int apply_migrations(PGconn *pg, const struct migration *list, int n)
{
	struct params none = {0};
	PGresult *applied;
	int rc = 0, row = 0, rows;

	if (tools_run(pg, &sql_migrate_applied, &none, &applied) < 0)
		return -1;
	rows = PQntuples(applied);
	/* Every applied one is checked before anything new is applied. */
	for (int i = 0; i < n && rc == 0; i++) {
		while (row < rows && atoi(PQgetvalue(applied, row, 0)) < list[i].version)
			row++;
		if (row < rows && atoi(PQgetvalue(applied, row, 0)) == list[i].version)
			rc = verify_applied(pg, &list[i], PQgetvalue(applied, row, 2));
	}
	for (int i = 0, at = 0; i < n && rc == 0; i++) {
		while (at < rows && atoi(PQgetvalue(applied, at, 0)) < list[i].version)
			at++;
		if (at >= rows || atoi(PQgetvalue(applied, at, 0)) != list[i].version)
			rc = apply_one(pg, &list[i]);
	}
	PQclear(applied);
	return rc;
}

/* Whether every .sql file of folder is listed exactly once in files[0..n); prints why not. */
static bool all_listed(const char *folder, char **files, int n)
{
	DIR *d = opendir(folder);
	struct dirent *e;
	bool ok = d != NULL;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		int listed = 0;

		if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		for (int i = 0; i < n; i++)
			listed += !strcmp(files[i], e->d_name);
		if (listed != 1) {
			fprintf(stderr, "pnetd: %s/%s is listed %d times in ORDER, not once\n",
			        folder, e->d_name, listed);
			ok = false;
		}
	}
	if (d)
		closedir(d);
	return ok;
}

/*
 * The files of dir/functions in the order of its ORDER file (one name a line; # comments),
 * each listed once and every .sql file of the folder listed. Returns the count (0 when there
 * is no ORDER: a schema dir without functions), or -1 after printing why.
 */
static int list_functions(const char *dir, char ***out)
{
	char *folder = xasprintf("%s/functions", dir), *path = xasprintf("%s/ORDER", folder);
	char *order = tools_read_file(path, NULL), *save = NULL;
	char **files = NULL;
	int n = 0;

	*out = NULL;
	if (!order) {
		if (errno != ENOENT) {
			fprintf(stderr, "pnetd: cannot read %s: %s\n", path, strerror(errno));
			n = -1;
		}
		goto out;
	}
	for (char *line = strtok_r(order, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (*line == '#')
			continue;
		files = xrealloc(files, (size_t)(n + 1) * sizeof(*files));
		files[n++] = xstrdup(line);
	}
	if (!all_listed(folder, files, n)) {
		tools_free_list(files, n);
		files = NULL;
		n = -1;
	}
	*out = files;
	free(order);
out:
	free(path);
	free(folder);
	return n;
}

/* Drop and create again what dir/functions defines, in one transaction; 0 or -1. */
static int apply_functions(PGconn *pg, const char *dir)
{
	char **files;
	int n = list_functions(dir, &files), rc = -1;
	json_t *vocabulary;
	char *text;
	struct params p = {0}, none = {0};

	if (n <= 0)
		return n;
	vocabulary = referral_vocabulary();
	text = json_dumps(vocabulary, JSON_COMPACT);
	json_decref(vocabulary);
	params_text(&p, "vocabulary", text);
	if (tools_exec(pg, "BEGIN", "begin") < 0)
		goto out;
	if (tools_run(pg, &sql_functions_vocabulary, &p, NULL) < 0 ||
	    tools_run(pg, &sql_functions_drop, &none, NULL) < 0)
		goto rollback;
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/functions/%s", dir, files[i]);
		char *sql = tools_read_file(path, NULL);
		int ok = sql ? tools_exec(pg, sql, path) : -1;

		if (!sql)
			fprintf(stderr, "pnetd: cannot read %s: %s\n", path, strerror(errno));
		free(sql);
		free(path);
		if (ok < 0)
			goto rollback;
	}
	if (tools_exec(pg, "COMMIT", "commit") < 0)
		goto out;
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"functions applied\",\"files\":%d}\n", n);
	rc = 0;
	goto out;
rollback:
	tools_exec(pg, "ROLLBACK", "rollback");
out:
	params_clear(&p);
	free(text);
	tools_free_list(files, n);
	return rc;
}

int migrate_run(const char *conninfo, const char *dir)
{
	struct migration *list;
	int n = list_migrations(dir, &list), rc = -1;
	struct params none = {0};
	PGconn *pg;

	if (n < 0) {
		free_migrations(list, 0);
		return -1;
	}
	pg = tools_connect(conninfo, "pnetd");
	if (!pg)
		goto out;
	if (tools_exec(pg, "SET client_min_messages = warning", "settings") < 0 ||
	    tools_run(pg, &sql_migrate_lock, &none, NULL) < 0 ||
	    tools_run(pg, &sql_migrate_table, &none, NULL) < 0)
		goto out;
	if (apply_migrations(pg, list, n) == 0 && apply_functions(pg, dir) == 0)
		rc = 0;
out:
	PQfinish(pg); /* ends the session, and with it the advisory lock */
	free_migrations(list, n);
	return rc;
}
