#include "follow_up_timer.h"

#include <stdlib.h>

#include "config.h"
#include "follow_up_timer_sql.h"
#include "log.h"
#include "periodic.h"
#include "util.h"
#include "worker.h"

static void on_done(void *arg, const struct db_result *res);

/* One timer per process (only one worker arms it). */
static struct periodic timer = {&sql_follow_up_due_events, NULL, on_done};

static void on_done(void *arg, const struct db_result *res)
{
	long n;

	periodic_done(arg);
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

void follow_up_timer_start(struct worker *w)
{
	periodic_start(&timer, w, 1, cfg.follow_up_interval_s);
}

void follow_up_timer_stop(void)
{
	periodic_stop(&timer);
}
