#include "notify.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <libpq-fe.h>

#include "config.h"
#include "log.h"
#include "util.h"
#include "worker.h"

/*
 * Why a thread of its own rather than worker 0's loop: the listener must outlive a worker
 * that is draining, and a worker busy with a slow callback must not delay the other
 * workers' wake-ups. The thread holds one connection and nearly nothing else.
 */
enum listen_state {
	LISTEN_DOWN,       /* waiting for the retry timer */
	LISTEN_CONNECTING, /* PQconnectPoll in progress */
	LISTEN_STARTING,   /* LISTEN sent, waiting for its result */
	LISTEN_READY,      /* listening */
};

static struct {
	pthread_t thread;
	struct event_base *base;
	struct event *ev_stop;
	struct event *ev_io; /* connecting: one-shot on the socket; ready: persistent read */
	struct event *ev_retry;
	PGconn *pg;
	enum listen_state state;
	long backoff_ms;
	struct worker *workers;
	int nworkers;
	bool was_down; /* log "listening again" once after a loss */
} nt;

static void listen_start(void);

static void wake_all(void)
{
	for (int i = 0; i < nt.nworkers; i++)
		event_active(nt.workers[i].ev_wake, 0, 0);
}

static void listen_close(void)
{
	if (nt.ev_io)
		event_free(nt.ev_io);
	nt.ev_io = NULL;
	if (nt.pg)
		PQfinish(nt.pg);
	nt.pg = NULL;
	nt.state = LISTEN_DOWN;
}

static void listen_lost(const char *why)
{
	long delay = nt.backoff_ms;

	if (nt.state == LISTEN_READY || !nt.was_down) {
		char msg[256] = "";
		if (nt.pg)
			snprintf(msg, sizeof(msg), "%s", PQerrorMessage(nt.pg));
		msg[strcspn(msg, "\n")] = '\0';
		log_warn("event listener: %s%s%s", why, msg[0] ? ": " : "", msg);
	}
	if (nt.state == LISTEN_READY)
		delay = 0;
	nt.was_down = true;
	listen_close();
	nt.backoff_ms = delay ? delay * 2 : 100;
	if (nt.backoff_ms > cfg.db_reconnect_max_ms)
		nt.backoff_ms = cfg.db_reconnect_max_ms;
	delay += rand() % (delay / 4 + 20);
	struct timeval tv = {.tv_sec = delay / 1000, .tv_usec = (delay % 1000) * 1000};
	event_add(nt.ev_retry, &tv);
}

static void on_ready_read(evutil_socket_t fd, short what, void *arg)
{
	PGnotify *n;
	PGresult *res;
	bool any = false;

	if (!PQconsumeInput(nt.pg)) {
		listen_lost("connection lost");
		return;
	}
	while (!PQisBusy(nt.pg) && (res = PQgetResult(nt.pg))) {
		if (nt.state == LISTEN_STARTING && PQresultStatus(res) != PGRES_COMMAND_OK) {
			PQclear(res);
			listen_lost("LISTEN failed");
			return;
		}
		PQclear(res);
	}
	if (nt.state == LISTEN_STARTING && !PQisBusy(nt.pg)) {
		nt.state = LISTEN_READY;
		nt.backoff_ms = 0;
		if (nt.was_down)
			log_info("event listener: listening again; workers catch up from the "
			         "outbox");
		nt.was_down = false;
		any = true; /* catch up: something may have happened while we were away */
	}
	while ((n = PQnotifies(nt.pg))) {
		PQfreemem(n);
		any = true;
	}
	if (PQstatus(nt.pg) == CONNECTION_BAD) {
		listen_lost("connection closed by the server");
		return;
	}
	if (any)
		wake_all();
}

static void on_connect_io(evutil_socket_t fd, short what, void *arg);

static void connect_poll(PostgresPollingStatusType st)
{
	short what;

	if (nt.ev_io)
		event_free(nt.ev_io);
	nt.ev_io = NULL;
	switch (st) {
	case PGRES_POLLING_OK:
		if (!PQsendQuery(nt.pg, "LISTEN pnet_outbox")) {
			listen_lost("LISTEN could not be sent");
			return;
		}
		/* A few bytes on a fresh socket: the kernel takes them at once. */
		if (PQflush(nt.pg) != 0) {
			listen_lost("LISTEN could not be sent");
			return;
		}
		nt.state = LISTEN_STARTING;
		nt.ev_io = event_new(nt.base, PQsocket(nt.pg), EV_READ | EV_PERSIST, on_ready_read,
		                     NULL);
		event_add(nt.ev_io, NULL);
		return;
	case PGRES_POLLING_READING:
		what = EV_READ;
		break;
	case PGRES_POLLING_WRITING:
		what = EV_WRITE;
		break;
	default:
		listen_lost("cannot connect");
		return;
	}
	nt.ev_io = event_new(nt.base, PQsocket(nt.pg), what, on_connect_io, NULL);
	event_add(nt.ev_io, NULL);
}

static void on_connect_io(evutil_socket_t fd, short what, void *arg)
{
	connect_poll(PQconnectPoll(nt.pg));
}

static void listen_start(void)
{
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *values[] = {cfg.database, "pnetd-listen", NULL};

	nt.pg = PQconnectStartParams(keys, values, 1);
	if (!nt.pg || PQstatus(nt.pg) == CONNECTION_BAD || PQsetnonblocking(nt.pg, 1) != 0) {
		listen_lost("cannot start connecting");
		return;
	}
	nt.state = LISTEN_CONNECTING;
	connect_poll(PGRES_POLLING_WRITING);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	listen_start();
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(nt.base);
}

static void *notify_main(void *arg)
{
	listen_start();
	event_base_dispatch(nt.base);
	listen_close();
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
	nt.ev_retry = event_new(nt.base, -1, 0, on_retry, NULL);
	pthread_create(&nt.thread, NULL, notify_main, NULL);
}

void notify_stop(void)
{
	if (!nt.base)
		return;
	event_active(nt.ev_stop, 0, 0);
	pthread_join(nt.thread, NULL);
	event_free(nt.ev_stop);
	event_free(nt.ev_retry);
	event_base_free(nt.base);
	memset(&nt, 0, sizeof(nt));
}
