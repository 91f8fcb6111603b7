#include "worker.h"

#include <stdlib.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api/api.h"
#include "config.h"
#include "conn.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "follow_up_timer.h"
#include "mail.h"
#include "overdue_timer.h"
#include "retention.h"
#include "sse.h"
#include "webhook.h"
#include "token_cache.h"
#include "token_use.h"
#include "util.h"

static void publish_gauges(struct worker *w)
{
	struct db_pool_stats stats, read_stats;

	db_pool_get_stats(w->db, &stats);
	if (w->db_read)
		db_pool_get_stats(w->db_read, &read_stats);
	metrics_worker(w->index, &stats, w->db_read ? &read_stats : NULL, w->inflight);
}

static void on_gauge_timer(evutil_socket_t fd, short what, void *arg)
{
	publish_gauges(arg);
}

/*
 * Leave the loop a moment after the last answer: evhttp has queued it, and the loop must
 * turn a few more times to write it before the connections are closed.
 */
static void finish(struct worker *w)
{
	struct timeval grace = {.tv_sec = 0, .tv_usec = 200000};

	w->closing = true;
	event_base_loopexit(w->base, &grace);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	/* A job (a password hash, well under a second) must come back to a loop that still
	   runs: wait for it past the deadline, looking again every 50 ms. */
	if (w->jobs > 0) {
		struct timeval again = {.tv_sec = 0, .tv_usec = 50000};

		if (!w->waited_for_jobs)
			log_warn("worker %d: waiting for %zu password checks before stopping",
			         w->index, w->jobs);
		w->waited_for_jobs = true;
		event_add(w->ev_deadline, &again);
		return;
	}
	log_warn("worker %d: %zu requests still running at the shutdown deadline", w->index,
	         w->inflight);
	finish(w);
}

/* SIGTERM reached this worker: stop accepting, let in-flight requests finish. */
static void on_shutdown(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = {.tv_sec = cfg.shutdown_timeout_s};

	w->draining = true;
	conn_hub_drain(w->conns);
	if (w->bound) {
		evhttp_del_accept_socket(w->http, w->bound);
		w->bound = NULL;
	}
	/* Streams would otherwise hold the worker until the deadline: end them now. */
	sse_hub_drain(w->sse);
	webhooks_drain(w->webhooks);
	mail_drain(w->mail);
	token_use_flush(w->token_use);
	if (w->inflight == 0) {
		finish(w);
		return;
	}
	event_add(w->ev_deadline, &tv);
}

void worker_request_done(struct worker *w)
{
	w->inflight--;
	if (w->draining && w->inflight == 0)
		finish(w);
}

/* The outbox has news (notify.c): streams and webhook deliveries look. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	if (w->draining)
		return;
	sse_hub_wake(w->sse);
	if (w->webhooks)
		webhooks_wake(w->webhooks);
	mail_wake(w->mail);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	/*
	 * Drained: close this worker's connections now, on its own thread, rather than when
	 * workers_stop gets to it. Otherwise an idle keep-alive connection stays open without
	 * anyone reading it while other workers drain, and a request sent on it hangs.
	 * The pool first: it may still answer requests (after the deadline), through evhttp.
	 */
	db_pool_free(w->db);
	w->db = NULL;
	db_pool_free(w->db_read);
	w->db_read = NULL;
	token_use_free(w->token_use);
	w->token_use = NULL;
	token_cache_free(w->token_cache);
	w->token_cache = NULL;
	sse_hub_free(w->sse);
	w->sse = NULL;
	webhooks_free(w->webhooks);
	w->webhooks = NULL;
	mail_free(w->mail);
	w->mail = NULL;
	evhttp_free(w->http);
	w->http = NULL;
	conn_hub_free(w->conns); /* after evhttp: closing its connections tells the hub */
	w->conns = NULL;
	return NULL;
}

struct worker *workers_start(int n, int listen_fd)
{
	struct worker *workers = xcalloc((size_t)n, sizeof(*workers));
	size_t nstmts;
	const struct db_stmt *const *stmts = api_statements(&nstmts);

	for (int i = 0; i < n; i++) {
		struct worker *w = &workers[i];
		struct timeval second = {.tv_sec = 1};

		w->index = i;
		w->base = event_base_new();
		w->http = evhttp_new(w->base);
		if (!w->base || !w->http) {
			log_error("worker %d: cannot create its event loop", i);
			abort();
		}
		http_setup(w);
		/* Each worker owns a dup: evhttp closes the descriptor it was given. */
		w->listen_fd = dup(listen_fd);
		w->bound = evhttp_accept_socket_with_handle(w->http, w->listen_fd);
		if (!w->bound) {
			log_error("worker %d: cannot accept on the listening socket", i);
			abort();
		}
		w->conns = conn_hub_new(w);
		w->db = db_pool_new(w->base, cfg.database, (int)cfg.db_pool_size, stmts, nstmts);
		/* Every statement is prepared on the standby too (PREPARE does not write); only
		   ROUTE_READ_REPLICA routes run theirs there. */
		if (cfg.database_read[0])
			w->db_read = db_pool_new(w->base, cfg.database_read, (int)cfg.db_pool_size,
			                         stmts, nstmts);
		w->ev_shutdown = event_new(w->base, -1, 0, on_shutdown, w);
		w->ev_deadline = event_new(w->base, -1, 0, on_deadline, w);
		w->ev_gauges = event_new(w->base, -1, EV_PERSIST, on_gauge_timer, w);
		event_add(w->ev_gauges, &second);
		if (i == 0) {
			retention_start(w); /* one purge timer per process */
			follow_up_timer_start(w);
			overdue_start(w); /* one overdue scan timer per process */
		}
		w->ev_wake = event_new(w->base, -1, 0, on_wake, w);
		w->sse = sse_hub_new(w);
		w->token_use = token_use_new(w);
		w->token_cache = token_cache_new();
		/* One dispatcher per process; SKIP LOCKED shares the work between processes. */
		if (i == 0)
			w->webhooks = webhooks_start(w);
		if (i == 0)
			w->mail = mail_start(w); /* notification e-mails, shared the same way */
		pthread_create(&w->thread, NULL, worker_main, w);
	}
	return workers;
}

void workers_drain(struct worker *workers, int n)
{
	for (int i = 0; i < n; i++)
		event_active(workers[i].ev_shutdown, 0, 0);
	for (int i = 0; i < n; i++) {
		pthread_join(workers[i].thread, NULL);
		if (i == 0) {
			retention_stop();
			follow_up_timer_stop();
			overdue_stop();
		}
	}
}

void workers_free(struct worker *workers, int n)
{
	for (int i = 0; i < n; i++) {
		struct worker *w = &workers[i];

		event_free(w->ev_shutdown);
		event_free(w->ev_deadline);
		event_free(w->ev_gauges);
		event_free(w->ev_wake);
		event_base_free(w->base);
	}
	free(workers);
}
