/*
 * The asynchronous PostgreSQL pool of one worker: a few non-blocking libpq connections
 * driven by the worker's event_base, every statement prepared when a connection comes up,
 * and a bounded FIFO of queries waiting for a free connection. Nothing here ever blocks.
 *
 * When the database is unreachable, queries fail at once (or after db-queue-timeout-ms in
 * the queue) with DB_UNAVAILABLE and the pool keeps reconnecting with backoff; when the
 * database is back, queries succeed again without anyone restarting anything.
 */
#ifndef PNET_DB_H
#define PNET_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "util.h"

struct event_base;
struct db_pool;

/*
 * The time zone of the sessions of pnetd's pools and tools (the event listener only LISTENs):
 * pnet's days are Germany's (a consent's or a follow-up's "today", a stand-in's period, the
 * times statements render), whatever zone the PostgreSQL server defaults to (initdb takes the
 * machine's, often UTC), docs/architecture.md.
 */
#define DB_TIME_ZONE "Europe/Berlin"

struct params;

/*
 * A statement prepared on every connection; parameter types are inferred by the server.
 * Statements live in .sql files next to the code that runs them and are embedded at build
 * time (server/sql_embed.py), which names each one sql_<name>.
 */
struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
	const char *const *params; /* the names of $1..$nparams (the "-- params:" line) */
};

/* The statements of one .sql file. */
struct db_stmts {
	const struct db_stmt *const *items;
	size_t n;
};

enum db_status {
	DB_OK,          /* the statement ran: res->pg holds the rows */
	DB_ERROR,       /* the statement failed: res->pg holds the error fields */
	DB_UNAVAILABLE, /* no connection, queue full or timed out, connection lost: res->pg NULL */
	DB_MISUSED, /* not sent: the parameters are not the statement's (logged); res->pg NULL */
};

struct db_result {
	enum db_status status;
	PGresult *pg; /* borrowed: valid during the callback only */
};

/* Called exactly once per db_query, from the worker's event loop, never from inside db_query. */
typedef void (*db_callback)(void *arg, const struct db_result *res);

struct db_pool_stats {
	int connections; /* configured */
	int ready;       /* connected and prepared */
	int busy;        /* running a query */
	size_t queued;
	/* The last connection failed while preparing statements: the schema is likely behind. */
	bool prepare_failed;
};

/*
 * One non-blocking connection that keeps itself up: it connects on the owner's event_base
 * (PQconnectStart/PQconnectPoll on the socket), tells the owner when it is connected, and
 * after a failure or a loss closes, logs and connects again after a growing pause (from 0
 * after a connection that was ready, else 100 ms doubling up to db-reconnect-max-ms, spread
 * apart at random). The pool's connections are links; so is the event listener's
 * (server/notify.c). Everything on the connection once it is up is the owner's.
 */
struct db_link;

struct db_link_handlers {
	/* Connected: arm the owner's events on PQsocket(db_link_pg(l)), send the first command. */
	void (*up)(void *arg);
	/*
	 * After any failure (a connection that could not be made or was lost), before the
	 * connection is closed: drop whatever uses it (the owner's events, its command).
	 */
	void (*down)(void *arg);
};

/*
 * A link named label in the log ("database connection 2") to conninfo (a dbname or conninfo
 * string) as application_name, with options (NULL: none); the strings are copied, h and arg
 * kept. It starts connecting at once.
 */
struct db_link *db_link_new(struct event_base *base, const char *label, const char *conninfo,
                            const char *application_name, const char *options,
                            const struct db_link_handlers *h, void *arg);

/* Close and free the link without calling the owner's handlers. NULL is fine. */
void db_link_free(struct db_link *l);

/* The connection while connected, else NULL. */
PGconn *db_link_pg(const struct db_link *l);

/* The owner's work is established on the connection (prepared, listening): reset the pause. */
void db_link_ready(struct db_link *l);

/*
 * The owner found the connection broken or unusable: log why (with libpq's message), call
 * down, close it and connect again after the pause. The connection is gone on return.
 */
void db_link_lost(struct db_link *l, const char *why);

/* A pool of size connections to conninfo, preparing stmts[0..nstmts) on each (kept, not copied). */
struct db_pool *db_pool_new(struct event_base *base, const char *conninfo, int size,
                            const struct db_stmt *const *stmts, size_t nstmts);

/* Close every connection; queued and running queries are told DB_UNAVAILABLE first. NULL is fine.
 */
void db_pool_free(struct db_pool *pool);

/*
 * Run a prepared statement with the parameters p gives (copied, then cleared: p is spent).
 * The callback runs later, exactly once; DB_MISUSED when p does not give the parameters the
 * statement names.
 */
void db_query(struct db_pool *pool, const struct db_stmt *stmt, struct params *p, db_callback cb,
              void *arg);

/* How a query may share a connection with others (--db-pipeline, docs/architecture.md). */
enum db_send {
	/* Sent ahead: behind the running query of a busy connection with room, when none is
	   idle. For writes, whose backends wait for their commit's flush while the next one
	   could run. */
	DB_SEND_AHEAD,
	/* To an idle connection, else the queue (the first connection that frees up takes it);
	   queries may be sent ahead behind it. For reads, whose backends work rather than wait:
	   measured slower sent ahead (docs/performance.md, lever 13). */
	DB_SEND_WHEN_FREE,
	/* To an idle connection, else the queue, and nothing is sent behind it: for work whose
	   length no request bounds (a periodic scan, a batch of e-mails or webhook
	   deliveries), so that no request waits for it to end. */
	DB_SEND_ALONE,
};

/* db_query, sent as send says (db_query sends DB_SEND_AHEAD). */
void db_query_sent(struct db_pool *pool, const struct db_stmt *stmt, struct params *p,
                   enum db_send send, db_callback cb, void *arg);

/* Whether at least one connection is up: used to fail fast while the database is away. */
bool db_pool_available(const struct db_pool *pool);

void db_pool_get_stats(const struct db_pool *pool, struct db_pool_stats *out);

#endif
