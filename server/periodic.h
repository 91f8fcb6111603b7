/*
 * A statement a process runs on a timer through one worker's pool: the retention purge
 * (retention.c), the follow-up events (follow_up_timer.c) and the overdue scan
 * (overdue_timer.c). The first run comes after a start delay, then one every interval; a run
 * whose answer has not come when the next is due is not doubled, and nothing runs while the
 * worker drains or has no pool.
 */
#ifndef PNET_PERIODIC_H
#define PNET_PERIODIC_H

#include <stdbool.h>

#include "db.h"
#include "params.h"

struct event;
struct worker;

struct periodic {
	/* Set before periodic_start. */
	const struct db_stmt *stmt;
	void (*params)(struct params *p); /* the statement's parameters, or NULL for none */
	db_callback done;                 /* gets the periodic as its argument */
	/* Kept by periodic.c. */
	struct worker *w;
	struct event *ev;
	long every_s;
	bool running; /* a run is waiting for its answer */
	bool first;   /* armed once (the start delay, periodic_soon), not yet with the interval */
};

/* Arm t on w's loop (once, for one worker, before its thread starts). */
void periodic_start(struct periodic *t, struct worker *w, long first_s, long every_s);

/* Call at the start of t's done callback: the run is over. */
void periodic_done(struct periodic *t);

/* Run t again on the loop's next turn (its work was cut into batches), then every interval. */
void periodic_soon(struct periodic *t);

/* Free the timer: after w's thread has ended, before its event_base is freed. */
void periodic_stop(struct periodic *t);

#endif
