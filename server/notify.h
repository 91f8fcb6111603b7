/*
 * The outbox's doorbell: one dedicated non-blocking PostgreSQL connection per process that
 * LISTENs on pnet_outbox, on a small thread of its own, and wakes every worker (event_active
 * on its ev_wake) on each notification and after each (re)connection, so that workers catch
 * up from the outbox with whatever they missed while it was away. It LISTENs on pnet_auth
 * too: a notification there makes every worker forget the token checks it kept
 * (token_cache.h).
 */
#ifndef PNET_NOTIFY_H
#define PNET_NOTIFY_H

struct worker;

/* Start listening for workers[0..n) (kept until notify_stop). */
void notify_start(struct worker *workers, int n);

/* Stop the thread and close the connection; call before the workers stop. */
void notify_stop(void);

#endif
