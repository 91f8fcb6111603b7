#include "retention.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define PURGE_COLUMNS                                                                              \
	"locked, cases, consents, referrals, events, archived, idempotency_keys, login_failures,"  \
	" outbox_events"

/* clang-format off */
const struct db_stmt retention_statements[] = {
        /* $1 retention days, $2 request id, $3 client: the counts (schema/0031_retention.sql) */
        {"retention_purge", "SELECT " PURGE_COLUMNS " FROM retention_purge($1::int, $2, $3)"},
};
/* clang-format on */
const size_t retention_nstatements = ARRAY_SIZE(retention_statements);

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
	char days[24];
	const char *values[3] = {days, "timer", "pnetd"};

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
	snprintf(days, sizeof(days), "%ld", cfg.retention_days);
	purge.running = true;
	db_query(purge.w->db, "retention_purge", 3, values, on_purged, NULL);
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
