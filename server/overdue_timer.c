#include "overdue_timer.h"

#include <stdlib.h>

#include "config.h"
#include "log.h"
#include "overdue_sql.h"
#include "periodic.h"
#include "worker.h"

static void on_scanned(void *arg, const struct db_result *res);

static void batch(struct params *p)
{
	params_long(p, "batch", cfg.overdue_batch);
}

/* One timer per process (only one worker arms it). */
static struct periodic timer = {&sql_overdue_scan, batch, on_scanned};

static void on_scanned(void *arg, const struct db_result *res)
{
	long n;

	periodic_done(arg);
	if (res->status == DB_UNAVAILABLE)
		return; /* the next interval tries again */
	if (res->status != DB_OK) {
		log_write(LOG_ERROR, NULL, "overdue scan failed",
		          json_pack("{s:s}", "error", PQresultErrorMessage(res->pg)));
		return;
	}
	n = strtol(PQgetvalue(res->pg, 0, 0), NULL, 10);
	if (n > 0)
		log_write(LOG_INFO, NULL, "overdue scan",
		          json_pack("{s:i}", "newly_missed", (int)n));
	if (n >= cfg.overdue_batch)
		periodic_soon(arg); /* a full batch: there may be more, say them now */
}

void overdue_start(struct worker *w)
{
	/* A second after start: what passed while no pnetd ran is said at once. */
	periodic_start(&timer, w, 1, cfg.overdue_interval_s);
}

void overdue_stop(void)
{
	periodic_stop(&timer);
}
