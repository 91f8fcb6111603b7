/*
 * A few threads for work that must not run on an event loop (scrypt password hashing).
 * The result comes back on the submitting worker's loop.
 */
#ifndef PNET_JOBS_H
#define PNET_JOBS_H

#include <stddef.h>

struct event_base;

/* Runs on a job thread. */
typedef void (*job_work)(void *arg);
/* Runs afterwards on the event loop of base, in its thread. */
typedef void (*job_done)(void *arg);

void jobs_start(int nthreads);

/* Finish queued jobs and join the threads. */
void jobs_stop(void);

void jobs_submit(struct event_base *base, job_work work, job_done done, void *arg);

/* Jobs submitted and not finished yet (queued or running), for back-pressure. */
size_t jobs_pending(void);

#endif
