/*
 * A worker thread: its own event_base, evhttp and database pool (memcached's thread.c
 * model). Workers share the listening socket (each holds a dup of it) and nothing else.
 */
#ifndef PNET_WORKER_H
#define PNET_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct db_pool;
struct event;
struct sse_hub;
struct webhook_dispatcher;
struct mail_sender;
struct conn_hub;
struct token_cache;
struct token_use;

struct worker {
	int index;
	pthread_t thread;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct db_pool *db;
	struct db_pool *db_read;             /* --database-read, or NULL */
	struct event *ev_shutdown;           /* activated from the main thread on SIGTERM */
	struct event *ev_deadline;           /* the shutdown timeout */
	struct event *ev_gauges;             /* publishes pool figures to /metrics each second */
	struct event *ev_wake;               /* activated by notify.c when the outbox has news */
	struct sse_hub *sse;                 /* this worker's event streams (sse.c) */
	struct webhook_dispatcher *webhooks; /* worker 0 only: webhook deliveries (webhook.c) */
	struct mail_sender *mail;            /* worker 0 only: notification e-mails (mail.c) */
	struct conn_hub *conns;              /* its client connections and their limits (conn.c) */
	struct token_use *token_use;         /* last use of tokens, written in batches */
	struct token_cache *token_cache;     /* token checks kept (token_cache.h) */
	int listen_fd;
	size_t inflight; /* requests taken and not yet answered */
	size_t jobs;     /* jobs.c: submitted from this loop and not yet back on it */
	bool draining;
	bool closing; /* the loop ends in a moment: no new jobs (they would not come back) */
	bool waited_for_jobs; /* the deadline passed while jobs were out (logged once) */
};

/* Start n workers serving on listen_fd. Returns the array (n entries) or NULL. */
struct worker *workers_start(int n, int listen_fd);

/*
 * Ask every worker to stop accepting and finish in-flight requests, and wait until every
 * worker thread has ended (each keeps its loop until its jobs are back). The event bases stay
 * until workers_free.
 */
void workers_drain(struct worker *workers, int n);

/* Free what workers_start made; after workers_drain and jobs_stop. */
void workers_free(struct worker *workers, int n);

/* A request was answered: let a draining worker finish when it was the last. */
void worker_request_done(struct worker *w);

#endif
