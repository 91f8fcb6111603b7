/*
 * Overdue escalation (docs/architecture.md, "Overdue escalation"): worker 0 of each pnetd
 * runs referral_overdue_scan() (schema/functions/overdue.sql) a second after start and every
 * --overdue-interval-s (server/periodic.c); the scan says each newly missed deadline once, as
 * the event referral.overdue, however many pnetd scan.
 */
#ifndef PNET_OVERDUE_TIMER_H
#define PNET_OVERDUE_TIMER_H

#include <stddef.h>

#include "db.h"

struct worker;

/* Arm the timer on w's loop (call once, for one worker, before its thread starts). */
void overdue_start(struct worker *w);

/* Free the timer: after w's thread has ended, before its event_base is freed. */
void overdue_stop(void);

#endif
