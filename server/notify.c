#include "notify.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <libpq-fe.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "token_cache.h"
#include "util.h"
#include "worker.h"

/*
 * Why a thread of its own rather than worker 0's loop: the listener must outlive a worker
 * that is draining, and a worker busy with a slow callback must not delay the other
 * workers' wake-ups. The thread holds one connection (a db_link: connecting, and
 * reconnecting with backoff, are db.c's) and nearly nothing else.
 */
static struct {
	pthread_t thread;
	struct event_base *base;
	struct event *ev_stop;
	struct event *ev_read; /* persistent while connected */
	struct db_link *link;
	bool listening; /* LISTEN has answered on this connection */
	struct worker *workers;
	int nworkers;
} nt;

static void wake_all(void)
{
	for (int i = 0; i < nt.nworkers; i++)
		event_active(nt.workers[i].ev_wake, 0, 0);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	PGconn *pg = db_link_pg(nt.link);
	PGnotify *n;
	PGresult *res;
	bool any = false, auth = false;

	if (!PQconsumeInput(pg)) {
		db_link_lost(nt.link, "connection lost");
		return;
	}
	while (!PQisBusy(pg) && (res = PQgetResult(pg))) {
		if (!nt.listening && PQresultStatus(res) != PGRES_COMMAND_OK) {
			PQclear(res);
			db_link_lost(nt.link, "LISTEN failed");
			return;
		}
		PQclear(res);
	}
	if (!nt.listening && !PQisBusy(pg)) {
		nt.listening = true;
		token_cache_set_listening(true); /* before "ready again" is logged */
		db_link_ready(nt.link);
		any = true; /* catch up: something may have happened while we were away */
	}
	while ((n = PQnotifies(pg))) {
		if (!strcmp(n->relname, "pnet_auth"))
			auth = true;
		else
			any = true;
		PQfreemem(n);
	}
	if (auth) {
		token_cache_invalidate();
		metrics_auth_notified();
	}
	if (PQstatus(pg) == CONNECTION_BAD) {
		db_link_lost(nt.link, "connection closed by the server");
		return;
	}
	if (any)
		wake_all();
}

/* Connected: LISTEN, and read its answer and the notifications from then on. */
static void listen_up(void *arg)
{
	PGconn *pg = db_link_pg(nt.link);

	/* A few bytes on a fresh socket: the kernel takes them at once. */
	if (!PQsendQuery(pg, "LISTEN pnet_outbox; LISTEN pnet_auth") || PQflush(pg) != 0) {
		db_link_lost(nt.link, "LISTEN could not be sent");
		return;
	}
	nt.ev_read = event_new(nt.base, PQsocket(pg), EV_READ | EV_PERSIST, on_read, NULL);
	event_add(nt.ev_read, NULL);
}

static void listen_down(void *arg)
{
	if (nt.ev_read)
		event_free(nt.ev_read);
	nt.ev_read = NULL;
	nt.listening = false;
	token_cache_set_listening(false);
}

static const struct db_link_handlers listen_handlers = {.up = listen_up, .down = listen_down};

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(nt.base);
}

static void *notify_main(void *arg)
{
	nt.link = db_link_new(nt.base, "event listener", cfg.database, "pnetd-listen", NULL,
	                      &listen_handlers, NULL);
	event_base_dispatch(nt.base);
	listen_down(NULL);
	db_link_free(nt.link);
	return NULL;
}

void notify_start(struct worker *workers, int n)
{
	nt.workers = workers;
	nt.nworkers = n;
	nt.base = event_base_new();
	if (!nt.base) {
		log_error("event listener: cannot create its event loop");
		abort();
	}
	nt.ev_stop = event_new(nt.base, -1, 0, on_stop, NULL);
	pthread_create(&nt.thread, NULL, notify_main, NULL);
}

void notify_stop(void)
{
	if (!nt.base)
		return;
	event_active(nt.ev_stop, 0, 0);
	pthread_join(nt.thread, NULL);
	event_free(nt.ev_stop);
	event_base_free(nt.base);
	memset(&nt, 0, sizeof(nt));
}
