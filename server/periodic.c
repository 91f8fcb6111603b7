#include "periodic.h"

#include <event2/event.h>

#include "worker.h"

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct periodic *t = arg;
	struct params p = {0};

	(void)fd;
	(void)what;
	if (t->first) {
		/* From now on, every interval. */
		struct timeval every = {.tv_sec = t->every_s};

		t->first = false;
		event_del(t->ev);
		event_add(t->ev, &every);
	}
	if (t->running || t->w->draining || !t->w->db)
		return;
	if (t->params)
		t->params(&p);
	t->running = true;
	db_query_sent(t->w->db, t->stmt, &p, DB_SEND_ALONE, t->done, t);
}

void periodic_start(struct periodic *t, struct worker *w, long first_s, long every_s)
{
	struct timeval first = {.tv_sec = first_s};

	t->w = w;
	t->every_s = every_s;
	t->first = true;
	t->running = false;
	t->ev = event_new(w->base, -1, EV_PERSIST, on_timer, t);
	event_add(t->ev, &first);
}

void periodic_done(struct periodic *t)
{
	t->running = false;
}

void periodic_soon(struct periodic *t)
{
	struct timeval now = {0};

	t->first = true; /* re-armed with the interval when it fires */
	event_del(t->ev);
	event_add(t->ev, &now);
}

void periodic_stop(struct periodic *t)
{
	if (t->ev)
		event_free(t->ev);
	t->ev = NULL;
	t->w = NULL;
}
