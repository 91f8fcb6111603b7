#include "retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "log.h"
#include "params.h"
#include "periodic.h"
#include "retention_sql.h"
#include "util.h"
#include "worker.h"

static void purge_params(struct params *p)
{
	params_long(p, "days", cfg.retention_days);
	params_text(p, "request_id", "timer");
	params_text(p, "client_addr", "pnetd");
}

const char *const retention_counts[] = {"cases",          "consents",      "referrals",
                                        "events",         "archived",      "idempotency_keys",
                                        "login_failures", "link_failures", "outbox_events"};
const size_t retention_counts_n = ARRAY_SIZE(retention_counts);

static void on_purged(void *arg, const struct db_result *res);

/* One timer per process (only one worker arms it). */
static struct periodic purge = {&sql_retention_purge, purge_params, on_purged};

static void on_purged(void *arg, const struct db_result *res)
{
	json_t *fields;

	periodic_done(arg);
	if (res->status == DB_UNAVAILABLE) {
		log_warn("retention purge: the database is unavailable; trying again at the next "
		         "interval");
		return;
	}
	if (res->status != DB_OK) {
		log_write(LOG_ERROR, NULL, "retention purge failed",
		          json_pack("{s:s}", "error", PQresultErrorMessage(res->pg)));
		return;
	}
	if (PQgetvalue(res->pg, 0, 0)[0] != 't') {
		log_debug("retention purge: another instance is purging; skipped");
		return;
	}
	fields = json_pack("{s:I}", "retention_days", (json_int_t)cfg.retention_days);
	for (size_t i = 0; i < retention_counts_n; i++)
		json_object_set_new(
		        fields, retention_counts[i],
		        json_integer(strtoll(PQgetvalue(res->pg, 0, (int)i + 1), NULL, 10)));
	log_write(LOG_INFO, NULL, "retention purge", fields);
}

void retention_start(struct worker *w)
{
	periodic_start(&purge, w, cfg.purge_interval_s < 60 ? cfg.purge_interval_s : 60,
	               cfg.purge_interval_s);
}

void retention_stop(void)
{
	periodic_stop(&purge);
}
