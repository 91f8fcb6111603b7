#include "follow_up_timer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <event2/event.h>

#include "config.h"
#include "follow_up_timer_sql.h"
#include "log.h"
#include "params.h"
#include "util.h"
#include "worker.h"

/* One timer per process (only one worker arms it), so the state is static. */
static struct {
	struct worker *w;
	struct event *ev;
	bool running; /* a run is waiting for its answer */
	bool first;   /* armed with the start delay, not yet with the interval */
} timer;

static void on_done(void *arg, const struct db_result *res)
{
	long n;

	(void)arg;
	timer.running = false;
	if (res->status == DB_UNAVAILABLE)
		return; /* the next interval tries again */
	if (res->status != DB_OK) {
		log_write(LOG_ERROR, NULL, "follow-up events failed",
		          json_pack("{s:s}", "error", PQresultErrorMessage(res->pg)));
		return;
	}
	n = strtol(PQgetvalue(res->pg, 0, 0), NULL, 10);
	if (n > 0)
		log_write(LOG_INFO, NULL, "follow-up events",
		          json_pack("{s:i}", "written", (int)n));
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct params p = {0};

	(void)fd;
	(void)what;
	(void)arg;
	if (timer.first) {
		struct timeval every = {.tv_sec = cfg.follow_up_interval_s};

		timer.first = false;
		event_del(timer.ev);
		event_add(timer.ev, &every);
	}
	if (timer.running || timer.w->draining || !timer.w->db)
		return;
	timer.running = true;
	db_query(timer.w->db, &sql_follow_up_due_events, &p, on_done, NULL);
}

void follow_up_timer_start(struct worker *w)
{
	struct timeval first = {.tv_sec = 1};

	timer.w = w;
	timer.first = true;
	timer.running = false;
	timer.ev = event_new(w->base, -1, EV_PERSIST, on_timer, NULL);
	event_add(timer.ev, &first);
}

void follow_up_timer_stop(void)
{
	if (timer.ev)
		event_free(timer.ev);
	timer.ev = NULL;
	timer.w = NULL;
}
