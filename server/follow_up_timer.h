/*
 * The follow-up timer (docs/events.md, "case.follow_up_due"): worker 0 of every pnetd calls
 * follow_up_due_events() (schema/functions/follow_ups.sql) every follow-up-interval-s.
 * The function claims each due follow-up with SKIP LOCKED and marks it, so several pnetd
 * write each event once.
 */
#ifndef PNET_FOLLOW_UP_TIMER_H
#define PNET_FOLLOW_UP_TIMER_H

struct worker;

/* Arm the timer on w's loop (once, for one worker, before its thread starts): the first run
   one second after start, then one every follow-up-interval-s, never two at once. */
void follow_up_timer_start(struct worker *w);

/* Free the timer: after w's thread has ended, before its event_base is freed. */
void follow_up_timer_stop(void);

#endif
