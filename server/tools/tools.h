/*
 * pnetd's one-shot commands, and what they share. They run before (or instead of) the event
 * loops, so they may block: plain libpq, one connection.
 */
#ifndef PNET_TOOLS_H
#define PNET_TOOLS_H

#include <stddef.h>
#include <libpq-fe.h>

struct db_stmt;
struct params;

/* Apply pending migrations and schema-dir/functions under an advisory lock; 0 or -1. */
int migrate_run(const char *conninfo, const char *dir);

/* The highest migration number in dir (0 when none), for /readyz. */
int migrate_latest(const char *dir);

/* pnetd create-admin [--login L] [--display-name N] [--password-stdin]; returns the exit code. */
int create_admin_main(int argc, char **argv);

/* pnetd hsds-import FILE: load an HSDS 3.0 export (docs/hsds.md); returns the exit code. */
int hsds_import_main(int argc, char **argv);

/* pnetd purge: run the retention purge once (docs/operations.md); returns the exit code. */
int purge_main(int argc, char **argv);

/*
 * A connection to conninfo in pnetd's time zone (db.h), or NULL after printing why ("<who>:
 * cannot connect ...").
 */
PGconn *tools_connect(const char *conninfo, const char *who);

/* Run sql (any number of statements, no parameters); 0, or -1 after printing what failed. */
int tools_exec(PGconn *pg, const char *sql, const char *what);

/*
 * Run stmt with p (spent); 0, or -1 after printing why. With out, the result is kept there
 * for the caller to PQclear.
 */
int tools_run(PGconn *pg, const struct db_stmt *stmt, struct params *p, PGresult **out);

/* A whole file (at most 64 MiB) as a NUL-terminated string, its length in *len when not
   NULL; NULL with errno set when it cannot be read. */
char *tools_read_file(const char *path, size_t *len);

/* Free n strings and the list holding them. */
void tools_free_list(char **list, int n);

#endif
