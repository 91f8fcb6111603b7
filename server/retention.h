/*
 * Retention (docs/operations.md, "Retention and purge"): the periodic purge of closed cases past
 * retention-days, with old idempotency keys and login and link failures (retention_purge() in
 * schema/functions/retention.sql). Worker 0 runs it through its own pool every purge-interval-s;
 * the function's advisory lock keeps several pnetd instances from purging at once. `pnetd purge`
 * runs it once.
 */
#ifndef PNET_RETENTION_H
#define PNET_RETENTION_H

#include <stddef.h>

#include "db.h"

struct worker;

/* The counts a purge run answers, in the order of its statement's columns after locked. */
extern const char *const retention_counts[];
extern const size_t retention_counts_n;

/*
 * Arm the purge timer on w's loop (call once, for one worker, before its thread starts):
 * the first run comes a minute after start (sooner when the interval is shorter), then one
 * every purge-interval-s. A run still going when the next is due is not doubled.
 */
void retention_start(struct worker *w);

/* Free the timer: after w's thread has ended, before its event_base is freed. */
void retention_stop(void);

#endif
