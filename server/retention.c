#include "retention.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "params.h"
#include "retention_sql.h"
#include "util.h"
#include "worker.h"

/* One timer per process (only one worker arms it), so the state is static. */
static struct {
	struct worker *w;
	struct event *ev;
	bool running; /* a purge is waiting for its answer */
	bool first;   /* the timer has not fired yet: it was armed with the start delay */
} purge;

static void on_purged(void *arg, const struct db_result *res)
{
	static const char *const names[] = {"cases",          "consents",     "referrals",
	                                    "events",         "archived",     "idempotency_keys",
	                                    "login_failures", "outbox_events"};
	json_t *fields;

	(void)arg;
	purge.running = false;
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
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		json_object_set_new(
		        fields, names[i],
		        json_integer(strtoll(PQgetvalue(res->pg, 0, (int)i + 1), NULL, 10)));
	log_write(LOG_INFO, NULL, "retention purge", fields);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct params p = {0};

	(void)fd;
	(void)what;
	(void)arg;
	if (purge.first) {
		/* From now on, every interval. */
		struct timeval every = {.tv_sec = cfg.purge_interval_s};

		purge.first = false;
		event_del(purge.ev);
		event_add(purge.ev, &every);
	}
	if (purge.running || purge.w->draining || !purge.w->db)
		return;
	params_long(&p, "days", cfg.retention_days);
	params_text(&p, "request_id", "timer");
	params_text(&p, "client_addr", "pnetd");
	purge.running = true;
	db_query(purge.w->db, &sql_retention_purge, &p, on_purged, NULL);
}

void retention_start(struct worker *w)
{
	struct timeval first = {.tv_sec = cfg.purge_interval_s < 60 ? cfg.purge_interval_s : 60};

	purge.w = w;
	purge.first = true;
	purge.running = false;
	purge.ev = event_new(w->base, -1, EV_PERSIST, on_timer, NULL);
	event_add(purge.ev, &first);
}

void retention_stop(void)
{
	if (purge.ev)
		event_free(purge.ev);
	purge.ev = NULL;
	purge.w = NULL;
}
