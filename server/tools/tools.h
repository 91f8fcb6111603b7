/* pnetd's one-shot commands. They run before (or instead of) the event loops, so they may block. */
#ifndef PNET_TOOLS_H
#define PNET_TOOLS_H

/* Apply pending migrations from dir under an advisory lock; 0 or -1 (after printing why). */
int migrate_run(const char *conninfo, const char *dir);

/* The highest migration number in dir (0 when none), for /readyz. */
int migrate_latest(const char *dir);

/* pnetd create-admin [--login L] [--display-name N] [--password-stdin]; returns the exit code. */
int create_admin_main(int argc, char **argv);

/* pnetd hsds-import FILE: load an HSDS 3.0 export (docs/hsds.md); returns the exit code. */
int hsds_import_main(int argc, char **argv);

/* pnetd purge: run the retention purge once (docs/operations.md); returns the exit code. */
int purge_main(int argc, char **argv);

#endif
