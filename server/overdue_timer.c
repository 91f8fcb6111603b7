#include "overdue_timer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "overdue_sql.h"
#include "params.h"
#include "util.h"
#include "worker.h"

/* One timer per process (only one worker arms it), so the state is static. */
static struct {
	struct worker *w;
	struct event *ev;
	bool running; /* a scan is waiting for its answer */
} scan;

static void on_scanned(void *arg, const struct db_result *res)
{
	(void)arg;
	scan.running = false;
	if (res->status == DB_ERROR)
		log_warn("overdue scan failed: %s", PQresultErrorMessage(res->pg));
	else if (res->status == DB_OK && atol(PQgetvalue(res->pg, 0, 0)) > 0)
		log_info("overdue scan: %s deadlines newly missed", PQgetvalue(res->pg, 0, 0));
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct params p = {0};

	(void)fd;
	(void)what;
	(void)arg;
	/* The database away (at start, say): the next tick tries again. */
	if (scan.running || scan.w->draining || !scan.w->db || !db_pool_available(scan.w->db))
		return;
	scan.running = true;
	db_query(scan.w->db, &sql_overdue_scan, &p, on_scanned, NULL);
}

void overdue_start(struct worker *w)
{
	struct timeval every = {.tv_sec = cfg.overdue_interval_s};

	scan.w = w;
	scan.running = false;
	scan.ev = event_new(w->base, -1, EV_PERSIST, on_timer, NULL);
	event_add(scan.ev, &every);
	/* At start too: what passed while no pnetd ran is said at once. */
	event_active(scan.ev, 0, 0);
}

void overdue_stop(void)
{
	if (scan.ev)
		event_free(scan.ev);
	scan.ev = NULL;
	scan.w = NULL;
}
